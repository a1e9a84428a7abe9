import NNCIR
import NNCKernels
import NNCSpec

/// `nnc bench`: times training steps (forward, loss, backward, update) and
/// inference, per model and per (fused) step, on the spec's own data.
/// Each figure is the median of several timed repetitions after a warm-up.
public struct BenchReport: Sendable {
    public struct Layer: Sendable {
        public var name: String
        public var rule: String?
        public var forwardMilliseconds: Double
        public var backwardMilliseconds: Double?
    }
    public var batch: Int
    public var threads: Int
    public var trainSamplesPerSecond: Double?
    public var inferSamplesPerSecond: Double
    public var layers: [Layer]
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
        let n = min(batch ?? spec.train?.effectiveBatch ?? 32, data.train.count)
        let backprop = spec.train.map { $0.rule == .backprop } ?? false
        let plan = try Plan(graph: graph, parameters: parameters, batch: n, bindings: bindings, training: backprop,
                            pool: pool, random: rng.split(4))
        let indices = Array(0..<n)[...]
        plan.loadInputs(data.train, indices)
        let clock = ContinuousClock()
        func median(_ body: () throws -> Void) rethrows -> Double {
            try body()   // warm-up
            var samples: [Double] = []
            for _ in 0..<repetitions {
                // Each sample repeats the body for about 20 ms, so short steps are not timer noise.
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
            samples.sort()
            return samples[samples.count / 2]
        }

        let inferSeconds = median { plan.forward(n, training: false) }
        var trainSeconds: Double?
        var optimizerState: FloatBuffer?
        if let train = spec.train, backprop {
            plan.attachLoss(train.loss ?? Runner.defaultLoss(graph), labels: Runner.usesLabels(data.train, plan: plan))
            let trainer = BackpropTrainer(plan: plan, train: train, data: data, finalActivation: graph.finalActivation,
                                          seed: rng.split(3))
            optimizerState = trainer.optimizerState
            trainSeconds = try median { _ = try trainer.step(indices, learningRate: Float(train.optimizer.learningRate) * 1e-3) }
        }
        _ = optimizerState
        // Per step: forward (training behaviour when training), then backward from the loss.
        var layers: [BenchReport.Layer] = []
        let training = trainSeconds != nil
        if training {
            plan.forward(n, training: true)
            _ = plan.head?.compute(n, training: true)
        }
        for step in plan.steps {
            let f = median { _ = plan.forward(step, n, training: training) }
            var b: Double?
            if training, let dOut = plan.gradients[step.output] {
                b = median { plan.backward(step, n, dOut: dOut.pointer) }
            }
            layers.append(BenchReport.Layer(name: plan.graph.nodes[step.output].name == plan.graph.nodes[step.node].name
                                                ? plan.graph.nodes[step.node].name
                                                : "\(plan.graph.nodes[step.node].name)…\(plan.graph.nodes[step.output].name)",
                                            rule: step.rule, forwardMilliseconds: f * 1e3, backwardMilliseconds: b.map { $0 * 1e3 }))
        }
        return BenchReport(batch: n, threads: threads, trainSamplesPerSecond: trainSeconds.map { Double(n) / $0 },
                           inferSamplesPerSecond: Double(n) / inferSeconds, layers: layers)
    }
}
