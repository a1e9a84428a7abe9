import Foundation
import NNCIR
import NNCKernels
import NNCSpec

/// How `nnc run` was asked to run.
public struct RunOptions: Sendable {
    public var seed: UInt64?
    public var epochs: Int?
    public var threads: Int
    public var resume: TrainingCheckpoint?
    /// For the run's facts (metrics.json, the report): the tool's version and the command as typed.
    public var version = ""
    public var commandLine = ""
    /// Stops the run when cancelled (every long loop polls it; see `Cancellation`).
    public var cancellation: CancellationToken?
    /// Starting weights (`--init`), by name; checked first with `InitialWeights.diagnostics`.
    public var initialWeights: [NamedTensor]? = nil
    public init(seed: UInt64? = nil, epochs: Int? = nil, threads: Int = 1, resume: TrainingCheckpoint? = nil,
                cancellation: CancellationToken? = nil) {
        self.seed = seed; self.epochs = epochs; self.threads = threads; self.resume = resume
        self.cancellation = cancellation
    }
}

/// What a run produced.
public struct RunResult: Sendable {
    public var spec: Spec
    public var history: [EpochRecord]
    /// Every metric of `evaluate` (or the defaults), by its name in the spec.
    public var final: MetricSet
    /// What the evaluation ran on ("test" or "train").
    public var evaluatedOn: String
    /// Lines to print after the metrics (truth tables, convergence notes, recall grids).
    public var notes: [String]
    /// The learned parameters, for model.safetensors.
    public var parameters: [(name: String, shape: [Int], values: [Float])]
    /// Set when training stopped on Ctrl-C: what `--resume` needs.
    public var checkpoint: TrainingCheckpoint?
    public var data: PreparedData
    /// Figures for report.html beyond the training curves (truth tables, image
    /// grids, scatter plots, energy traces), filled by the parts that know them.
    public var figures = Figures()

    public struct Figures: Sendable {
        public var truthTables: [TruthTable] = []
        public var imageGrids: [ImageGrid] = []
        public var scatterPlots: [ScatterPlot] = []
        public var energyTraces: [[Double]] = []
        /// Classifiers of 2-D inputs: the model over a grid (see `DecisionMap`).
        public var decision: DecisionMap?
        /// Recurrent nets: hidden-state traces, outputs against targets over time (one example).
        public var sequencePlots: [LinePlot] = []
        public init() {}
    }
    /// Codes, code statistics and figures, for autoencoders (`target: input`
    /// with a code layer) and PCA; nil otherwise. See `AutoencoderOutputs`.
    public var autoencoder: AutoencoderOutputs? = nil
    /// Version, date, duration, seed, threads, sizes, command line.
    public var facts: RunFacts? = nil
    /// How training ended (epochs run, convergence, early stop); nil without training.
    public var training: TrainingOutcome? = nil
}

public enum Runner {
    /// Runs a checked spec: prepares the data, builds and initializes the model,
    /// trains it by its rule, and evaluates. `options.cancellation` (and
    /// `interrupted`, polled after each backprop batch) stop it: `RunInterrupted`
    /// carries the checkpoint to resume from, when there is one.
    /// A checkpoint in `options.resume` that belongs to another spec throws `CheckpointMismatch`.
    public static func run(_ checked: CheckResult, options: RunOptions,
                           events: (TrainingEvent) -> Void = { _ in },
                           interrupted: () -> Bool = { false }) throws -> RunResult {
        let token = options.cancellation ?? CancellationToken()
        var progress = Progress()
        do {
            return try Cancellation.with(token) {
                try run(checked, options: options, events: events, interrupted: { interrupted() || token.isCancelled },
                        progress: &progress)
            }
        } catch RunError.interrupted {
            throw RunInterrupted(checkpoint: progress.checkpoint, history: progress.checkpoint?.rule?.history ?? progress.checkpoint?.state.history ?? [])
        } catch let stop as RuleInterrupted {
            var checkpoint = progress.frame
            checkpoint?.rule = stop.state
            checkpoint?.parameters = progress.parameters?.values.array ?? []
            throw RunInterrupted(checkpoint: checkpoint, history: stop.state.history)
        }
    }

    /// What an interrupted run can leave behind: the checkpoint as of the last
    /// finished stage (nil before training ends, except for backprop), and the
    /// frame (spec hash, layout) and parameters a stopped classic rule's checkpoint needs.
    struct Progress {
        var checkpoint: TrainingCheckpoint?
        var frame: TrainingCheckpoint?
        var parameters: ParameterStore?
    }

    static func run(_ checked: CheckResult, options: RunOptions, events: (TrainingEvent) -> Void,
                    interrupted: () -> Bool, progress: inout Progress) throws -> RunResult {
        guard !checked.hasErrors, var spec = checked.spec, let graph = checked.graph, let model = spec.model else {
            throw RunError.bug("run needs a spec without errors")
        }
        guard let dataSpec = spec.data else {
            throw RunError.data("the spec has no 'data' section: there is nothing to run the network on")
        }
        // `--epochs 0` only evaluates: the outputs keep the spec's own epochs (a valid spec for the model file).
        var unchanged = spec
        if let epochs = options.epochs { spec.train?.epochs = epochs }
        let seed = options.seed ?? spec.seed
        // Recorded, so that spec.resolved.yaml runs the same.
        spec.seed = seed
        unchanged.seed = seed
        let frame = TrainingCheckpoint(parameters: [], optimizerState: [], state: TrainingState(),
                                       specHash: specFingerprint(spec), layout: TrainingCheckpoint.layout(of: graph))
        progress.frame = frame
        if let resume = options.resume { try resume.verify(spec: spec, graph: graph) }
        var root = SeededRandom(seed: seed)
        var dataRNG = root.split(1)
        var initRNG = root.split(2)
        let shuffleRNG = root.split(3)
        let noiseRNG = root.split(4)
        var evalRNG = root.split(5)

        let data = try DataPipeline.prepare(dataSpec, modelInput: model.input, rng: &dataRNG)
        let testSpec = dataSpec.test ?? dataSpec.train
        let bindings = try DataPipeline.matching(dataSpec.train, DataErrorCode.inputMismatch) { try bind(model.input, to: data.train.inputShape) }
        if let test = data.test { _ = try DataPipeline.matching(testSpec, DataErrorCode.inputMismatch) { try bind(model.input, to: test.inputShape) } }
        let outputSize = try Plan.floatsPerExample(graph, bindings: bindings)[graph.output]
        for (part, partSpec) in [(data.train, dataSpec.train)] + (data.test.map { [($0, testSpec)] } ?? []) {
            try DataPipeline.matching(partSpec, DataErrorCode.targetMismatch) {
                try checkTargets(part, outputWidth: graph.nodes[graph.output].shape?.last?.fixed ?? outputSize,
                                 outputSize: outputSize, targetIsInput: spec.train?.targetIsInput ?? false)
            }
        }

        let backprop = spec.train?.rule == .backprop
        let planBatch = backprop ? min(spec.train?.effectiveBatch ?? 1, max(1, data.train.count)) : min(256, max(1, data.train.count))
        try checkMemory(graph: graph, batch: planBatch, bindings: bindings, training: backprop)
        let parameters = ParameterStore(graph: graph)
        parameters.initialize(graph: graph, rng: &initRNG)
        if let weights = options.initialWeights, let problem = parameters.load(weights, graph: graph).first {
            throw RunError.data("--init: \(problem.message)")
        }
        progress.parameters = parameters
        let pool = options.threads > 1 ? ThreadPool(threads: options.threads) : nil
        let train = spec.train
        var history: [EpochRecord] = []
        var notes: [String] = []
        let evaluationBatch = min(256, max(1, data.train.count))
        let started = ContinuousClock.now
        var facts = RunFacts(version: options.version, commandLine: options.commandLine, date: RunFacts.now(), seed: seed,
                             threads: options.threads, parameters: parameters.count, trainExamples: data.train.count,
                             testExamples: data.test?.count, rule: train?.rule.rawValue ?? "none",
                             epochs: train?.effectiveEpochs)
        events(.begin(facts))
        var training: TrainingOutcome?
        func elapsed() -> Double {
            let d = ContinuousClock.now - started
            return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }

        let plan: Plan
        if let train, train.rule == .backprop {
            let batch = min(train.effectiveBatch, max(1, data.train.count))
            plan = try Plan(graph: graph, parameters: parameters, batch: batch, bindings: bindings, training: true,
                            pool: pool, random: noiseRNG)
            plan.truncation = train.bpttTruncate ?? 0
            let loss = train.loss ?? defaultLoss(graph)
            plan.attachLoss(loss, labels: usesLabels(data.train, plan: plan))
            let trainer = BackpropTrainer(plan: plan, train: train, data: data, finalActivation: graph.finalActivation,
                                          seed: shuffleRNG)
            if let resume = options.resume {
                try restore(resume, into: trainer)
            }
            func snapshot() -> TrainingCheckpoint {
                var c = frame
                c.parameters = parameters.values.array
                c.optimizerState = trainer.optimizerState.array
                c.state = trainer.state
                return c
            }
            do {
                try trainer.run(events: events, interrupted: interrupted)
            } catch RunError.interrupted {
                progress.checkpoint = snapshot()
                throw RunError.interrupted
            }
            history = trainer.state.history
            training = trainer.outcome
            training?.seconds = elapsed()
            // Interrupted from here on (evaluation), a resume skips the finished training; after an
            // early stop (`stop:`) it would train on, so that run keeps no checkpoint.
            if trainer.state.epoch >= trainer.epochs { progress.checkpoint = snapshot() }
        } else {
            plan = try Plan(graph: graph, parameters: parameters, batch: evaluationBatch, bindings: bindings, training: false,
                            pool: pool, random: noiseRNG)
            if let train, options.epochs != 0 {   // `--epochs 0`: closed-form rules are not solved either
                var resumed: RuleState?
                if let resume = options.resume, let rule = resume.rule {
                    guard resume.parameters.count == parameters.count else {
                        throw CheckpointMismatch(description: "the checkpoint has \(resume.parameters.count) parameters, the model \(parameters.count)")
                    }
                    parameters.values.copy(from: resume.parameters)
                    evalRNG = SeededRandom(seed: rule.random)
                    resumed = rule
                }
                let outcome = try ClassicTraining.train(rule: train.rule, spec: spec, graph: graph, plan: plan, data: data,
                                                        random: &evalRNG, resume: resumed, events: events)
                history = outcome.history
                notes += outcome.notes
                if !history.isEmpty {   // rules that train in one pass (Hopfield's Hebbian storage) have no epochs
                    training = TrainingOutcome(epochsRun: history.count, epochsPlanned: max(history.count, train.effectiveEpochs),
                                               converged: outcome.converged)
                    training?.seconds = elapsed()
                }
                // Interrupted from here on (evaluation), a resume skips the finished training.
                var finished = RuleState()
                finished.finished = true
                finished.history = outcome.history
                finished.epoch = outcome.history.count
                finished.random = evalRNG.state
                var c = frame
                c.parameters = parameters.values.array
                c.rule = finished
                progress.checkpoint = c
            }
            if let loss = train?.loss { plan.attachLoss(loss, labels: usesLabels(data.train, plan: plan)) }
        }

        // Evaluate on the test part by default when there is one.
        let onTest = spec.evaluate?.onTest ?? (data.test != nil)
        guard let target = onTest ? data.test : data.train else {
            throw RunError.data("evaluation on the test part, but the data has none")
        }
        var evaluated = target
        if let corruption = spec.evaluate?.corrupt {
            evaluated = corrupted(target, corruption, random: &evalRNG)
        }
        let evaluation = try Evaluation.run(spec: spec, graph: graph, plan: plan, data: evaluated, clean: target,
                                            random: &evalRNG)
        notes += evaluation.notes
        // Weights can stay finite while the outputs they give overflow (an unstable recurrence):
        // that is a divergence, not a result.
        if let name = evaluation.metrics.entries.first(where: { !$0.value.isFinite })?.name {
            throw RunError.diverged("training diverged: the trained model's \(name) on the \(onTest ? "test" : "training") data is NaN or infinite; "
                                    + "its outputs overflow. Lower the learning rate, or add 'clip: {norm: 1}' to train")
        }
        var autoencoder: AutoencoderOutputs?
        if train?.targetIsInput == true || train?.rule == .pca {
            autoencoder = AutoencoderAnalysis.run(spec: spec, graph: graph, plan: plan, data: data, evaluated: evaluated,
                                                  clean: target, evaluatedOn: onTest ? "test" : "train")
            notes += autoencoder.map(AutoencoderTerminal.lines) ?? []
        }
        try Cancellation.check()
        facts.seconds = elapsed()
        var figures = RunResult.Figures()
        figures.truthTables = ClassicPresentation.truthFigure(graph: graph, plan: plan, data: evaluated).map { [$0] } ?? []
        figures.imageGrids = ClassicPresentation.recallFigure(spec: spec, graph: graph, plan: plan, data: evaluated, clean: target)
            .map { [$0] } ?? []
        let probes = ReportProbes.compute(plan: plan, data: evaluated)
        figures.imageGrids += probes.featureMaps.map { [$0] } ?? []
        figures.sequencePlots = probes.sequencePlots
        figures.decision = DecisionMap.compute(plan: plan, data: data.train,
                                               threshold: Evaluator(plan: plan, targetIsInput: false, finalActivation: graph.finalActivation).binaryThreshold)
        return RunResult(spec: options.epochs == 0 ? unchanged : spec, history: history, final: evaluation.metrics, evaluatedOn: onTest ? "test" : "train",
                         notes: notes, parameters: parameters.namedTensors(graph: graph), checkpoint: progress.checkpoint, data: data,
                         figures: figures, autoencoder: autoencoder, facts: facts, training: training)
    }

    /// The data's targets must fit the output (files are only known now, not when checking):
    /// K classes need K output units (or one unit for two classes); vector targets the output's size.
    static func checkTargets(_ data: Dataset, outputWidth: Int, outputSize: Int, targetIsInput: Bool) throws {
        guard !targetIsInput else {
            guard data.inputSize == outputSize else {
                throw RunError.data("'target: input' needs an output of the input's size \(data.inputSize); the model gives \(outputSize)")
            }
            return
        }
        switch data.targets {
        case .none:
            break
        case .classes(_, let k):
            if k > outputWidth && !(outputWidth == 1 && k == 2) {
                throw RunError.data("the data has \(k) classes but the model's output has \(outputWidth) unit\(outputWidth == 1 ? "" : "s")")
            }
        case .vectors:
            if data.targetSize != outputSize {
                throw RunError.data("the data's targets have \(data.targetSize) values per example but the model's output has \(outputSize)")
            }
        }
    }

    /// Refuses, before allocating, a run that would not fit in this machine's memory.
    static func checkMemory(graph: Graph, batch: Int, bindings: [String: Int], training: Bool) throws {
        let needed = try Plan.estimatedBytes(graph: graph, batch: batch, bindings: bindings, training: training)
        let available = MemoryLimit.availableBytes()   // the cgroup's limit in a container
        guard needed <= 0.8 * available else {
            func gib(_ b: Double) -> String { String(format: "%.1f GiB", b / Double(1 << 30)) }
            throw RunError.data("the run needs about \(gib(needed)) of memory (batch \(batch)), more than the \(gib(available)) this process may use (physical memory or the container's limit); use a smaller batch or smaller layers")
        }
    }

    /// The loss when the spec names none: cross-entropy after a softmax, mse otherwise.
    public static func defaultLoss(_ graph: Graph) -> LossKind {
        graph.finalActivation == .softmax ? .crossEntropy : .mse
    }

    static func usesLabels(_ data: Dataset, plan: Plan) -> Bool {
        if case .classes = data.targets { return plan.rows(plan.output, 1) == 1 && plan.lastDim(plan.output) > 1 }
        return false
    }

    /// Binds the model's symbolic dimensions to the data's sizes; a mismatch is a data error.
    static func bind(_ shape: Shape, to dims: [Int]) throws -> [String: Int] {
        let expected = "[" + shape.map(\.description).joined(separator: ", ") + "]"
        let found = "[" + dims.map(String.init).joined(separator: ", ") + "]"
        guard shape.count == dims.count else {
            throw RunError.data("the model's input is \(expected) but the data's examples have shape \(found)")
        }
        var bindings: [String: Int] = [:]
        for (d, n) in zip(shape, dims) {
            switch d {
            case .fixed(let x) where x != n:
                throw RunError.data("the model's input is \(expected) but the data's examples have shape \(found)")
            case .symbol(let s):
                if let b = bindings[s], b != n {
                    throw RunError.data("'\(s)' is \(b) and \(n) in the data's shape \(found)")
                }
                bindings[s] = n
            default:
                break
            }
        }
        return bindings
    }

    static func restore(_ c: TrainingCheckpoint, into trainer: BackpropTrainer) throws {
        let params = trainer.plan.parameters
        guard c.parameters.count == params.count, c.optimizerState.count == trainer.optimizerState.count else {
            throw CheckpointMismatch(description: "the checkpoint does not fit this model (\(c.parameters.count) parameters and \(c.optimizerState.count) optimizer values, the model has \(params.count) and \(trainer.optimizerState.count))")
        }
        params.values.copy(from: c.parameters)
        trainer.optimizerState.copy(from: c.optimizerState)
        trainer.state = c.state
    }
}

/// Thrown when Ctrl-C stopped training; carries what a checkpoint needs.
public struct RunInterrupted: Error, Sendable {
    public var checkpoint: TrainingCheckpoint?
    public var history: [EpochRecord]
}
