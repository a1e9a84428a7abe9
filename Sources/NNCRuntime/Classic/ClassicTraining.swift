import NNCIR
import NNCKernels
import NNCSpec

/// Learning rules other than backprop (being written; see issue 4).
public enum ClassicTraining {
    public struct Outcome: Sendable {
        public var history: [EpochRecord]
        public var notes: [String]
    }

    public static func train(rule: LearningRule, spec: Spec, graph: Graph, plan: Plan, data: PreparedData,
                             random: inout SeededRandom, events: (TrainingEvent) -> Void) throws -> Outcome {
        throw RunError.data("rule '\(rule.rawValue)' cannot run yet")
    }
}

public enum ClassicMetrics {
    public static func compute(_ names: [String], spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset,
                               random: inout SeededRandom) throws -> Evaluation.Outcome {
        Evaluation.Outcome(metrics: MetricSet(), notes: [])
    }

    public static func presentation(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset) -> [String] { [] }
}
