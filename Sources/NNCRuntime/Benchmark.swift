import Foundation
import NNCIR
import NNCKernels
import NNCSpec

/// `nnc bench`: times training steps (forward, loss, backward, update) and
/// inference on the spec's own data, at the spec's batch and at batch 1, plus
/// each (fused) step's forward and backward time. Every rate is taken over
/// several timed repetitions after a warm-up: median, min and max.
public struct BenchReport: Sendable {
    public struct Layer: Sendable {
        public var name: String
        public var rule: String?
        public var forwardMilliseconds: Double
        public var backwardMilliseconds: Double?
    }
    /// One timed mode at one batch size, as the peers' scripts report it.
    public struct Measurement: Sendable {
        public enum Mode: String, Sendable { case train, infer }
        public var mode: Mode
        public var batch: Int
        /// samples/s over the repetitions.
        public var median: Double
        public var min: Double
        public var max: Double
    }
    public var batch: Int
    public var threads: Int
    public var measurements: [Measurement]
    public var layers: [Layer]
    /// The process's peak resident memory after the measurements (bytes; 0 where unknown).
    public var peakResidentBytes: Int

    public func measurement(_ mode: Measurement.Mode, batch: Int) -> Measurement? {
        measurements.first { $0.mode == mode && $0.batch == batch }
    }
}

public enum Benchmark {
    public static func run(_ checked: CheckResult, threads: Int, batch: Int?, repetitions: Int = 7) throws -> BenchReport {
        guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph, let model = spec.model,
              let dataSpec = spec.data else {
            throw RunError.data("bench needs a spec with a data section and no errors")
        }
        var rng = SeededRandom(seed: spec.seed)
        var dataRNG = rng.split(1)
        let data = try DataPipeline.prepare(dataSpec, modelInput: model.input, rng: &dataRNG)
        let bindings = try Runner.bind(model.input, to: data.train.inputShape)
        let parameters = ParameterStore(graph: graph)
        var initRNG = rng.split(2)
        parameters.initialize(graph: graph, rng: &initRNG)
        let pool = threads > 1 ? ThreadPool(threads: threads) : nil
        let n = max(1, min(batch ?? spec.train?.effectiveBatch ?? 32, data.train.count))
        let backprop = spec.train.map { $0.rule == .backprop } ?? false
        let clock = ContinuousClock()

        /// Seconds per call of `body`: each repetition runs it for about 20 ms (so short
        /// steps are not timer noise); sorted, one per repetition.
        func timings(_ body: () throws -> Void) rethrows -> [Double] {
            try body()   // warm-up
            var samples: [Double] = []
            for _ in 0..<repetitions {
                var calls = 0
                let start = clock.now
                var elapsed = 0.0
                repeat {
                    try body()
                    calls += 1
                    let d = (clock.now - start).components
                    elapsed = Double(d.seconds) + Double(d.attoseconds) * 1e-18
                } while elapsed < 0.02
                samples.append(elapsed / Double(calls))
            }
            return samples.sorted()
        }
        func median(_ body: () throws -> Void) rethrows -> Double {
            let t = try timings(body)
            return t[t.count / 2]
        }
        func measurement(_ mode: BenchReport.Measurement.Mode, _ batch: Int, _ body: () throws -> Void) rethrows -> BenchReport.Measurement {
            let t = try timings(body)
            let rate = { (s: Double) in Double(batch) / s }
            return .init(mode: mode, batch: batch, median: rate(t[t.count / 2]), min: rate(t[t.count - 1]), max: rate(t[0]))
        }

        // A rule other than backprop learns first (a Hopfield network stores its patterns), so
        // inference times recall with real weights; on inputs corrupted as `evaluate` says.
        var probes = data.train
        if let train = spec.train, !backprop {
            let plan = try Plan(graph: graph, parameters: parameters, batch: min(256, data.train.count), bindings: bindings,
                                training: false, pool: pool, random: rng.split(4))
            var ruleRNG = rng.split(5)
            _ = try ClassicTraining.train(rule: train.rule, spec: spec, graph: graph, plan: plan, data: data,
                                          random: &ruleRNG, events: { _ in })
        }
        if let corruption = spec.evaluate?.corrupt {
            var corruptRNG = rng.split(6)
            probes = corrupted(data.train, corruption, random: &corruptRNG)
        }

        var measurements: [BenchReport.Measurement] = []
        var layers: [BenchReport.Layer] = []
        for b in n == 1 ? [1] : [n, 1] {
            let indices = Array(0..<b)[...]
            // Inference: a plan of its own, built without anything kept for backward.
            let inference = try Plan(graph: graph, parameters: parameters, batch: b, bindings: bindings, training: false,
                                     pool: pool, random: rng.split(4))
            inference.loadInputs(probes, indices)
            inference.freezeWeights()   // the weights are fixed while inference is timed (as in an ORT session)
            measurements.append(measurement(.infer, b) { inference.forward(b, training: false) })
            guard backprop, let train = spec.train else { continue }
            let plan = try Plan(graph: graph, parameters: parameters, batch: b, bindings: bindings, training: true,
                                pool: pool, random: rng.split(4))
            plan.loadInputs(data.train, indices)
            plan.attachLoss(train.loss ?? Runner.defaultLoss(graph), labels: Runner.usesLabels(data.train, plan: plan))
            let trainer = BackpropTrainer(plan: plan, train: train, data: data, finalActivation: graph.finalActivation,
                                          seed: rng.split(3))
            // A tiny step: the weights barely move while the steps are timed.
            let rate = Float(train.optimizer.learningRate) * 1e-3
            measurements.append(try measurement(.train, b) { _ = try trainer.step(indices, learningRate: rate) })
            guard b == n else { continue }
            // Per step at the spec's batch: forward (training behaviour, the loss last), then backward.
            plan.forward(b, training: true)
            for step in plan.trainingSteps {
                let f = median { _ = plan.forward(step, b, training: true) }
                var back: Double?
                if let dOut = plan.gradients[step.output] { back = median { plan.backward(step, b, dOut: dOut.pointer) } }
                layers.append(layer(plan, step, forward: f, backward: back))
            }
        }
        if layers.isEmpty {
            // No training: per-step inference times at the spec's batch.
            let plan = try Plan(graph: graph, parameters: parameters, batch: n, bindings: bindings, training: false,
                                pool: pool, random: rng.split(4))
            plan.loadInputs(probes, Array(0..<n)[...])
            plan.forward(n, training: false)
            for step in plan.steps { layers.append(layer(plan, step, forward: median { _ = plan.forward(step, n, training: false) }, backward: nil)) }
        }
        return BenchReport(batch: n, threads: threads, measurements: measurements, layers: layers,
                           peakResidentBytes: peakResidentBytes())
    }

    static func layer(_ plan: Plan, _ step: Step, forward: Double, backward: Double?) -> BenchReport.Layer {
        let first = plan.graph.nodes[step.node].name, last = plan.graph.nodes[step.output].name
        var name = first == last ? first : "\(first)…\(last)"
        if case .loss = step.kind { name = "loss (\(plan.head?.loss.rawValue ?? ""))" }
        return BenchReport.Layer(name: name, rule: step.rule?.rawValue,
                                 forwardMilliseconds: forward * 1e3, backwardMilliseconds: backward.map { $0 * 1e3 })
    }

    /// getrusage's peak resident set (kilobytes on Linux, bytes on Darwin).
    static func peakResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        let who = Int32(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }
}
