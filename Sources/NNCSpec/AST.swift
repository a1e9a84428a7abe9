/// The typed spec: what a user wrote, with defaults applied where the spec
/// language fixes them, and the location of everything for later diagnostics.
/// Built from validated `Value`s by `SpecBuilder`; read by the IR lowering.

public struct Spec: Sendable {
    public var file: String
    public var name: String
    public var description: String?
    public var seed: UInt64
    public var data: DataSpec?
    /// nil when the model section is missing or invalid.
    public var model: ModelSpec?
    public var train: TrainSpec?
    public var evaluate: EvaluateSpec?
    /// Span of each top-level key's value ("data", "model", ...).
    public var spans: [String: SourceSpan]
    /// Whether a section had errors (its checks that depend on it are skipped).
    public var invalidSections: Set<String>
}

// MARK: data

public struct DataSpec: Sendable {
    public var train: DatasetSpec
    public var test: DatasetSpec?
    /// Fractions for splitting `train` (shuffled with the seed); test = 1 − train when absent.
    public var split: (train: Double, test: Double)?
    public var span: SourceSpan
}

public struct DatasetSpec: Sendable {
    public var form: DatasetForm
    public var limit: Int?
    public var shuffle: Bool
    public var normalize: Normalization?
    public var encoding: Encoding?
    public var oneHot: Bool
    public var span: SourceSpan
    /// Where `normalize` is written, for diagnostics about it.
    public var normalizeSpan: SourceSpan?
    /// The span of each file name the dataset reads, by its resolved path (for data errors).
    public var pathSpans: [String: SourceSpan] = [:]
}

public enum Normalization: Sendable, Equatable { case standardize, minmax, scale(Double) }
public enum Encoding: String, Sendable { case binary, bipolar }

public enum DatasetForm: Sendable {
    case builtin(BuiltinSource)
    /// Rows of numbers; targets are rows (vectors) or single numbers (class indices).
    case inline(inputs: [[Double]], targets: InlineTargets?)
    case csv(CSVOptions)
    case idx(images: String, labels: String?)
    case npy(inputs: String, targets: String?)
}

public enum InlineTargets: Sendable {
    case classes([Int])
    case vectors([[Double]])
}

public struct CSVOptions: Sendable {
    public enum Label: Sendable, Equatable { case last, first, none, column(Int) }
    /// Resolved against the spec's folder.
    public var path: String
    public var label: Label
    public var header: Bool
    public var classes: Int?
}

// MARK: model

public struct ModelSpec: Sendable {
    public var input: Shape
    public var inputSpan: SourceSpan
    /// In order; nil where a layer item was invalid (its index is kept for default names).
    public var layers: [LayerSpec?]
    public var span: SourceSpan
}

public struct LayerSpec: Sendable {
    public var name: String
    /// The names it reads; nil: the previous layer (or the input for the first).
    public var from: [(name: String, span: SourceSpan)]?
    public var op: LayerOp
    /// The layer kind's key in the source (where diagnostics point).
    public var span: SourceSpan
    /// 0-based position in `layers`.
    public var index: Int
    /// Span of each option's value, by option name.
    public var optionSpans: [String: SourceSpan]
}

public enum ActivationKind: String, Sendable, CaseIterable {
    case linear, relu, sigmoid, tanh, arctan, softmax, step, sign
    /// Accepts the spec's alias `logistic` for sigmoid.
    public init?(name: String) {
        if name == "logistic" { self = .sigmoid } else if let a = ActivationKind(rawValue: name) { self = a } else { return nil }
    }
    /// Whether a gradient flows through it (step and sign are flat almost everywhere).
    public var isDifferentiable: Bool { self != .step && self != .sign }
    /// A function of one element (softmax is one of a whole row).
    public var isElementwise: Bool { self != .softmax }
    /// Elementwise and non-decreasing: then max pooling commutes with it
    /// (max(f(a), f(b)) = f(max(a, b))), which is what lets a fused step pool first.
    public var commutesWithMaxPool: Bool {
        switch self {
        case .linear, .relu, .sigmoid, .tanh, .arctan, .step, .sign: return true
        case .softmax: return false
        }
    }
    /// What the recurrent kernel's hidden units can apply: elementwise with a gradient.
    public var isRecurrentHidden: Bool { isElementwise && isDifferentiable }
}

public enum Initializer: Sendable, Equatable {
    case xavier, he, zeros
    case uniform(Double)
    case normal(Double)

    /// What a layer without `init` uses: he for relu, xavier otherwise (the one place of this rule).
    public static func resolved(_ given: Initializer?, activation: ActivationKind) -> Initializer {
        given ?? (activation == .relu ? .he : .xavier)
    }
}

public struct Penalty: Sendable, Equatable {
    public var l1: Double = 0
    public var l2: Double = 0
    public var contractive: Double = 0
    public init(l1: Double = 0, l2: Double = 0, contractive: Double = 0) { self.l1 = l1; self.l2 = l2; self.contractive = contractive }
    public var isEmpty: Bool { l1 == 0 && l2 == 0 && contractive == 0 }
}

// MARK: train

public enum LossKind: String, Sendable, CaseIterable {
    case sse, mse
    case crossEntropy = "cross_entropy"
    case binaryCrossEntropy = "binary_cross_entropy"
}

public enum OptimizerSpec: Sendable, Equatable {
    case sgd(lr: Double, momentum: Double, nesterov: Bool)
    case adam(lr: Double, beta1: Double, beta2: Double, eps: Double)
    public var learningRate: Double {
        switch self {
        case .sgd(let lr, _, _), .adam(let lr, _, _, _): return lr
        }
    }
}

public enum ScheduleSpec: Sendable, Equatable {
    case constant
    case step(every: Int, factor: Double)
    case exponential(decay: Double)
    case cosine(minLR: Double, period: Int?)
    case cyclic(minLR: Double, maxLR: Double, period: Int)
}

public enum RateSpec: Sendable, Equatable {
    case fixed(Double)
    /// ε_x = 1/‖x‖ (the perceptron convergence theorem's normalized step).
    case normalized
}

public struct StopSpec: Sendable, Equatable {
    public var accuracy: Double?
    public var loss: Double?
    public var noErrors: Bool = false
    /// Epochs without improvement of `metric` before stopping (best weights kept).
    public var patience: Int?
    /// nil: test_loss when there is a test part, else loss.
    public var metric: String?
}

public struct TrainSpec: Sendable {
    public var rule: LearningRule
    /// nil: chosen from the output (see docs/spec.md).
    public var loss: LossKind?
    public var targetIsInput: Bool
    public var optimizer: OptimizerSpec
    public var schedule: ScheduleSpec
    /// nil: the rule's default.
    public var epochs: Int?
    public var batch: Int?
    public var shuffle: Bool
    public var clipNorm: Double?
    public var bpttTruncate: Int?
    public var stop: StopSpec
    public var rate: RateSpec?
    /// Span of each key's value, by key.
    public var spans: [String: SourceSpan]
    public var span: SourceSpan

    public var effectiveEpochs: Int { epochs ?? SpecSchema.defaultEpochs(rule) }
    public var effectiveBatch: Int { batch ?? SpecSchema.defaultBatch(rule) }
}

// MARK: evaluate

public enum Corruption: Sendable, Equatable {
    case flip(Double)
    case mask(Double)
    case gaussian(Double)
}

/// A metric `evaluate` can ask for; its raw value is its name in specs and in metrics.json.
public enum Metric: String, Sendable, CaseIterable {
    case accuracy, loss, mse, confusion, overlap, recall, energy, errors
    case falseOnes = "false_ones", missingOnes = "missing_ones", sweeps
    case longRangeAccuracy = "long_range_accuracy"

    /// Associative-memory and Hopfield metrics, computed on the recalled patterns
    /// (ClassicMetrics) rather than from the evaluator's totals.
    public var isRecall: Bool {
        switch self {
        case .overlap, .recall, .energy, .falseOnes, .missingOnes, .sweeps: return true
        case .accuracy, .loss, .mse, .confusion, .errors, .longRangeAccuracy: return false
        }
    }
}

public struct EvaluateSpec: Sendable {
    public var onTest: Bool?
    public var metrics: [Metric]?
    public var corrupt: Corruption?
    public var show: Int
    public var spans: [String: SourceSpan]
    public var span: SourceSpan
}
