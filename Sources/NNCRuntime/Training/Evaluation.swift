import NNCIR
import NNCKernels
import NNCSpec

/// The final evaluation: the metrics `evaluate` names (or the defaults that
/// fit the task), on the chosen part of the data.
public enum Evaluation {
    public struct Outcome: Sendable {
        public var metrics: MetricSet
        public var notes: [String]
    }

    /// The metrics when the spec lists none.
    public static func defaultMetrics(spec: Spec, graph: Graph, data: Dataset) -> [Metric] {
        let hasHopfield = graph.layers.contains { if case .layer(.hopfield) = $0.op { return true }; return false }
        if hasHopfield { return [.overlap, .recall, .energy, .sweeps] }
        let targetIsInput = spec.train?.targetIsInput ?? false
        switch data.targets {
        case .classes:
            if let rule = spec.train?.rule, rule != .backprop { return [.accuracy, .errors] }
            return spec.train == nil ? [.accuracy, .errors] : [.accuracy, .loss]
        case .vectors where !targetIsInput && data.allowedTargets != nil:
            // Next-symbol prediction (reber): right when the grammar allows the symbol.
            return [.accuracy] + (data.longRangeSteps != nil ? [Metric.longRangeAccuracy] : []) + [.loss]
        case .vectors where !targetIsInput:
            if let rule = spec.train?.rule, rule.storesPatterns {
                return rule == .clippedHebbian ? [.recall, .falseOnes, .missingOnes] : [.mse, .overlap, .recall]
            }
            return [.mse, .loss]
        default:
            return targetIsInput && spec.train?.rule != .backprop ? [.mse, .overlap, .recall] : [.mse]
        }
    }

    /// - data: the (possibly corrupted) examples; clean: the same before corruption
    ///   (what auto-associative recall is compared with).
    public static func run(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset,
                           random: inout SeededRandom) throws -> Outcome {
        let names = spec.evaluate?.metrics ?? defaultMetrics(spec: spec, graph: graph, data: clean)
        let targetIsInput = spec.train?.targetIsInput ?? false
        if plan.head == nil && names.contains(.loss) {
            plan.attachLoss(spec.train?.loss ?? Runner.defaultLoss(graph), labels: Runner.usesLabels(data, plan: plan))
        }
        var metrics = MetricSet()
        var notes: [String] = []
        let needsTotals = names.contains { !$0.isRecall }
        if needsTotals {
            // Auto-association compares with the clean input, so evaluate with the clean targets.
            let evaluator = Evaluator(plan: plan, targetIsInput: false, finalActivation: graph.finalActivation)
            var totals = Evaluator.Totals()
            var start = 0
            let reference = targetIsInput ? cleanAsTargets(data, clean) : data
            while start < data.count {
                try Cancellation.check()
                let n = min(plan.batch, data.count - start)
                let indices = Array(start..<(start + n))[...]
                plan.loadInputs(data, indices)
                plan.forward(n, training: false)
                evaluator.accumulate(&totals, reference, indices, n)
                start += n
            }
            for metric in names {
                let name = metric.rawValue
                switch metric {
                case .accuracy: if let a = totals.accuracy { metrics[name] = .number(a) }
                case .loss: if let l = totals.loss { metrics[name] = .number(l) }
                case .mse: if let m = totals.mse { metrics[name] = .number(m) }
                case .confusion: if !totals.confusion.isEmpty { metrics[name] = .matrix(totals.confusion) }
                case .errors: if totals.counted > 0 { metrics[name] = .integer(totals.errors) }
                case .longRangeAccuracy: if let a = totals.longRangeAccuracy { metrics[name] = .number(a) }
                case .overlap, .recall, .energy, .falseOnes, .missingOnes, .sweeps: break   // from the recalled patterns, below
                }
            }
        }
        let classic = names.filter(\.isRecall)
        if !classic.isEmpty {
            let outcome = try ClassicMetrics.compute(classic, spec: spec, graph: graph, plan: plan, data: data, clean: clean,
                                                     random: &random)
            for (name, value) in outcome.metrics.entries { metrics[name] = value }
            notes += outcome.notes
        }
        // Keep the spec's order.
        var ordered = MetricSet()
        for metric in names { if let v = metrics[metric.rawValue] { ordered[metric.rawValue] = v } }
        notes += ClassicMetrics.presentation(spec: spec, graph: graph, plan: plan, data: data, clean: clean)
        try Cancellation.check()   // recall and forward passes stop early on a cancelled run
        return Outcome(metrics: ordered, notes: notes)
    }

    /// The corrupted inputs with the clean inputs as vector targets.
    static func cleanAsTargets(_ data: Dataset, _ clean: Dataset) -> Dataset {
        var d = data
        d.targets = .vectors(clean.inputs, shape: clean.inputShape)
        d.targetMask = nil
        return d
    }
}
