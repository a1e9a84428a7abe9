import NNCIR
import NNCKernels
import NNCSpec

/// Associative-memory and Hopfield metrics, and what classic nets show in the
/// terminal (truth tables and recall grids: `ClassicPresentation`).
///
/// Outputs and stored patterns are compared unit by unit, each read as on or
/// off (`UnitReading`). The stored pattern of an example is its clean input
/// for auto-association (`target: input`, Hopfield networks, data without
/// targets) and its target otherwise.
///
/// - overlap: the fraction of units that match the stored pattern, averaged
///   over the examples (1 is perfect; for ±1 states the Hopfield overlap
///   m = (1/K) Σ ξ_i z_i is 2·overlap − 1).
/// - recall: the fraction of examples whose output matches in every unit.
/// - false_ones / missing_ones: units on where the pattern is off / off where
///   it is on, per example (the mean over examples).
/// - energy: H(z) = −½ Σ w_ij z_i z_j of the Hopfield layer at the start and
///   after every flip (asynchronous) or sweep (synchronous) while recalling the
///   first evaluated example.
/// - sweeps: the mean number of sweeps the Hopfield recall ran, counting the
///   last one, which changed nothing (unless `max_sweeps` stopped it).
public enum ClassicMetrics {
    /// - data: the examples as evaluated (possibly corrupted); clean: the same
    ///   before corruption. `random` is not used: recall draws from the plan's
    ///   stream, which is restored afterwards so that the presentation's recall
    ///   of the first examples repeats this one exactly.
    public static func compute(_ names: [Metric], spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset,
                               random: inout SeededRandom) throws -> Evaluation.Outcome {
        let start = plan.random
        defer { plan.random = start }
        let recalled = recall(plan: plan, data: data, count: data.count)
        var metrics = MetricSet()
        var notes: [String] = []
        let needsPatterns = names.contains { [.overlap, .recall, .falseOnes, .missingOnes].contains($0) }
        if needsPatterns {
            let stored = try StoredPatterns(spec: spec, graph: graph, data: data, clean: clean, width: recalled.width)
            let counts = stored.compare(recalled.outputs)
            let n = Double(data.count)
            for metric in names {
                let name = metric.rawValue
                switch metric {
                case .overlap: metrics[name] = .number(Double(counts.matchingUnits) / (n * Double(recalled.width)))
                case .recall: metrics[name] = .number(Double(counts.exact) / n)
                case .falseOnes: metrics[name] = .number(Double(counts.falseOnes) / n)
                case .missingOnes: metrics[name] = .number(Double(counts.missingOnes) / n)
                case .energy, .sweeps: break   // below
                case .accuracy, .loss, .mse, .confusion, .errors, .longRangeAccuracy: break   // the evaluator's totals
                }
            }
        }
        if names.contains(.sweeps) || names.contains(.energy) {
            guard let hopfield = recalled.hopfield else {
                throw RunError.data("metrics 'energy' and 'sweeps' trace a hopfield layer, and the model has none")
            }
            if names.contains(.sweeps) {
                metrics["sweeps"] = .number(Double(hopfield.sweeps.reduce(0, +)) / Double(max(1, hopfield.sweeps.count)))
            }
            if names.contains(.energy) {
                // The recall of the first example again, from the same state of the plan's stream: the same flips.
                var trace: [Double] = []
                var state = hopfield.firstInput.map { $0 > 0 ? Float(1) : -1 }
                var stream = start
                let w = UnsafePointer(plan.parameters.pointer(hopfield.step.weight))
                state.withUnsafeMutableBufferPointer { z in
                    _ = hopfieldRecall(weight: w, state: z, options: hopfield.step.options, random: &stream,
                                       energyTrace: { trace.append($0) })
                }
                metrics["energy"] = .numbers(trace)
                notes.append(energyLine(trace, synchronous: hopfield.step.options.synchronous))
            }
        }
        return Evaluation.Outcome(metrics: metrics, notes: notes)
    }

    public static func presentation(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset) -> [String] {
        ClassicPresentation.lines(spec: spec, graph: graph, plan: plan, data: data, clean: clean)
    }

    // MARK: recall

    /// The model's outputs for the first examples, and what its Hopfield layer did.
    struct Recalled {
        /// [count, width].
        var outputs: [Float]
        var width: Int
        var hopfield: HopfieldRecord?
    }

    struct HopfieldRecord {
        var step: Step.HopfieldStep
        /// [count]: sweeps per example.
        var sweeps: [Int]
        /// [K]: the first example's state as it reached the Hopfield layer.
        var firstInput: [Float]
    }

    /// Runs the first `count` examples of `data` forward in plan-sized batches.
    static func recall(plan: Plan, data: Dataset, count: Int) -> Recalled {
        let out = plan.output
        let width = plan.perExample[out]
        var outputs = [Float](repeating: 0, count: count * width)
        let hopfieldStep = plan.steps.first { if case .hopfield = $0.kind { return true }; return false }
        var hopfield: HopfieldRecord?
        var start = 0
        while start < count {
            let n = min(plan.batch, count - start)
            plan.loadInputs(data, Array(start..<(start + n))[...])
            plan.forward(n, training: false)
            let y = plan.values[out].pointer
            for j in 0..<(n * width) { outputs[start * width + j] = y[j] }
            if let step = hopfieldStep, case .hopfield(let h) = step.kind {
                if hopfield == nil {
                    let first = plan.values[step.inputs.first ?? 0].pointer
                    hopfield = HopfieldRecord(step: h, sweeps: [], firstInput: Array(UnsafeBufferPointer(start: first, count: h.units)))
                }
                for e in 0..<n { hopfield?.sweeps.append(Int(h.sweeps.pointer[e])) }
            }
            start += n
        }
        return Recalled(outputs: outputs, width: width, hopfield: hopfield)
    }

    /// "energy (recall of example 1, 14 flips): −10.2 ▇▆▄▃▂▁ −48.6; it never rose".
    static func energyLine(_ trace: [Double], synchronous: Bool) -> String {
        guard let first = trace.first, let last = trace.last else { return "energy: no trace" }
        var rises = 0
        for (a, b) in zip(trace, trace.dropFirst()) where b > a + 1e-9 * max(1, abs(a)) { rises += 1 }
        let steps = trace.count - 1
        let unit = synchronous ? "sweep" : "flip"
        let verdict = rises == 0 ? "it never rose"
            : "it rose \(rises) time\(rises == 1 ? "" : "s")" + (synchronous ? " (synchronous updates may oscillate)" : " (a negative self_weight allows that)")
        return "energy (recall of example 1, \(steps) \(unit)\(steps == 1 ? "" : "s")): \(formatMetric(first)) "
            + sparkline(trace, width: 40) + " \(formatMetric(last)); \(verdict)"
    }

    /// The values resampled to at most `width` block characters, low to high.
    static func sparkline(_ values: [Double], width: Int) -> String {
        guard let lo = values.min(), let hi = values.max(), !values.isEmpty else { return "" }
        let blocks = Array("▁▂▃▄▅▆▇█")
        let n = min(width, values.count)
        return String((0..<n).map { k -> Character in
            let v = values[k * (values.count - 1) / max(1, n - 1)]
            let level = hi > lo ? Int(((v - lo) / (hi - lo) * Double(blocks.count - 1)).rounded()) : 0
            return blocks[min(blocks.count - 1, max(0, level))]
        })
    }
}

/// How a value is read as a unit that is on or off.
struct UnitReading {
    /// Outputs at or above this are on: 0.5 for 0/1 outputs (step, sigmoid,
    /// binary threshold units), 0 for ±1 ones (sign, tanh, Hopfield, bipolar
    /// threshold units); a linear output is read like the stored patterns.
    var outputCut: Float
    /// Stored values at or above this are on: 0 for ±1 patterns (any negative
    /// value), 0.5 for 0/1 ones.
    var patternCut: Float

    init(finalActivation: ActivationKind?, patterns: [Float]) {
        let bipolar = patterns.contains { $0 < 0 }
        patternCut = bipolar ? 0 : 0.5
        switch finalActivation {
        case .step?, .sigmoid?, .softmax?: outputCut = 0.5
        case .sign?, .tanh?, .arctan?: outputCut = 0
        default: outputCut = patternCut
        }
    }

    func output(_ y: Float) -> Bool { y >= outputCut }
    func pattern(_ t: Float) -> Bool { t >= patternCut }
}

/// The pattern each evaluated example should recall.
struct StoredPatterns {
    /// [count, width].
    var values: [Float]
    var width: Int
    var reading: UnitReading
    /// Auto-association (the pattern is the clean input) rather than hetero-association.
    var autoAssociative: Bool
}

extension StoredPatterns {
    init(spec: Spec, graph: Graph, data: Dataset, clean: Dataset, width: Int) throws {
        let hasHopfield = graph.layers.contains { if case .layer(.hopfield) = $0.op { return true }; return false }
        self.width = width
        autoAssociative = spec.train?.targetIsInput == true || hasHopfield || data.targets == .none
        if autoAssociative {
            guard clean.inputSize == width else {
                throw RunError.data("overlap and recall compare the output with the input here, but the output has \(width) units and the input \(clean.inputSize)")
            }
            values = clean.inputs
        } else {
            switch data.targets {
            case .vectors(let v, _) where v.count == data.count * width:
                values = v
            case .classes(let labels, let k) where width == k || (width == 1 && k == 2):
                // δ(r, s) over one unit per class, or the label itself.
                var v = [Float](repeating: 0, count: data.count * width)
                for (i, label) in labels.enumerated() { v[i * width + (width == 1 ? 0 : Int(label))] = width == 1 ? Float(label) : 1 }
                values = v
            default:
                throw RunError.data("overlap and recall need targets that fit the output's \(width) units")
            }
        }
        reading = UnitReading(finalActivation: graph.finalActivation, patterns: values)
    }

    struct Counts {
        var matchingUnits = 0
        var exact = 0
        var falseOnes = 0
        var missingOnes = 0
    }

    /// Unit-by-unit comparison of outputs [count, width] with the patterns.
    func compare(_ outputs: [Float]) -> Counts {
        var c = Counts()
        let count = values.count / max(1, width)
        for e in 0..<count {
            var wrong = 0
            for r in 0..<width {
                let on = reading.output(outputs[e * width + r]), should = reading.pattern(values[e * width + r])
                if on == should { continue }
                wrong += 1
                if on { c.falseOnes += 1 } else { c.missingOnes += 1 }
            }
            c.matchingUnits += width - wrong
            if wrong == 0 { c.exact += 1 }
        }
        return c
    }
}
