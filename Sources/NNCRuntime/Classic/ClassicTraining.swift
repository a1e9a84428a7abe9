import NNCIR
import NNCKernels
import NNCSpec

/// Everything a classic learning rule needs: the model, its one trainable
/// layer, the data, and where to report progress.
public struct RuleContext {
    public let spec: Spec
    public let train: TrainSpec
    public let graph: Graph
    /// An evaluation plan (batch ≥ 1, no gradients) over the same parameters.
    public let plan: Plan
    public let data: PreparedData
    /// The layer the rule trains (the checker guarantees exactly one).
    public let layer: IRNode
    public let events: (TrainingEvent) -> Void
    /// Where an interrupted run of an epoch-wise rule stood (`--resume`); nil starts afresh.
    public let resume: RuleState?

    public var parameters: ParameterStore { plan.parameters }
}

/// Learning rules other than backprop. Each trains the model's single
/// trainable layer in place and reports per-epoch records and notes
/// (convergence, truth tables are printed by the evaluation).
public enum ClassicTraining {
    public struct Outcome: Sendable {
        public var history: [EpochRecord]
        public var notes: [String]
        /// Set by rules with a notion of convergence (perceptron: an epoch without error; delta: `stop: {loss}`).
        public var converged: Bool?
        public init(history: [EpochRecord] = [], notes: [String] = [], converged: Bool? = nil) {
            self.history = history; self.notes = notes; self.converged = converged
        }
    }

    public static func train(rule: LearningRule, spec: Spec, graph: Graph, plan: Plan, data: PreparedData,
                             random: inout SeededRandom, resume: RuleState? = nil,
                             events: (TrainingEvent) -> Void) throws -> Outcome {
        guard let train = spec.train, let layer = graph.trainableLayers.first else {
            throw RunError.bug("classic rule without a trainable layer")
        }
        return try withoutActuallyEscaping(events) { events in
            let context = RuleContext(spec: spec, train: train, graph: graph, plan: plan, data: data, layer: layer, events: events,
                                      resume: resume)
            return try run(rule, context, random: &random)
        }
    }

    static func run(_ rule: LearningRule, _ context: RuleContext, random: inout SeededRandom) throws -> Outcome {
        switch rule {
        case .backprop: throw RunError.bug("backprop is not a classic rule")
        case .hebbian: return try HebbianRule.train(context, random: &random)
        case .perceptron: return try PerceptronRule.train(context, random: &random)
        case .delta: return try DeltaRule.train(context, random: &random)
        case .clippedHebbian: return try ClippedHebbianRule.train(context)
        case .leastSquares: return try LeastSquaresRule.train(context)
        case .pca: return try PCARule.train(context)
        }
    }
}
