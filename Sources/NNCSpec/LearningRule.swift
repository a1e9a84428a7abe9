/// Every learning rule of spec v1 and what the checker, the trainer and the reports
/// need to know of each, in one place. Which layers a rule trains is each layer
/// kind's `trainedBy`; its defaults (epochs, batch) are the schema table's
/// (`SpecSchema.defaultEpochs`/`defaultBatch`); the trainer of each is
/// `ClassicTraining.run` (and `BackpropTrainer`), one exhaustive switch.
public enum LearningRule: String, Sendable, CaseIterable {
    case backprop, hebbian, perceptron, delta
    case clippedHebbian = "clipped_hebbian"
    case leastSquares = "least_squares"
    case pca

    /// Rules that update once per example, in epochs (and take `rate`).
    public var isPerExample: Bool {
        switch self {
        case .hebbian, .perceptron, .delta: return true
        case .backprop, .clippedHebbian, .leastSquares, .pca: return false
        }
    }

    /// Rules solved in closed form (no epochs).
    public var isClosedForm: Bool {
        switch self {
        case .clippedHebbian, .leastSquares, .pca: return true
        case .backprop, .hebbian, .perceptron, .delta: return false
        }
    }

    /// Rules that train a single layer (everything but backprop).
    public var trainsOneLayer: Bool { self != .backprop }

    /// Whether it compares outputs with targets (hebbian stores whatever it is shown; pca
    /// reconstructs its input).
    public var needsTargets: Bool {
        switch self {
        case .backprop, .perceptron, .delta, .clippedHebbian, .leastSquares: return true
        case .hebbian, .pca: return false
        }
    }

    /// Rules that store patterns as an associative memory: judged by recall, their
    /// weight matrix shown in the report.
    public var storesPatterns: Bool {
        switch self {
        case .hebbian, .clippedHebbian, .leastSquares: return true
        case .backprop, .perceptron, .delta, .pca: return false
        }
    }

    /// Rules whose recall of patterns the report draws (the memories, and delta's linear associator).
    public var recallsPatterns: Bool { storesPatterns || self == .delta }
}

