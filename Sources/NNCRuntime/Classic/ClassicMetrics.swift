import NNCIR
import NNCKernels
import NNCSpec

/// Associative-memory and Hopfield metrics (overlap, recall, false_ones,
/// missing_ones, energy, sweeps) and what classic nets show in the terminal
/// (truth tables, recall grids, energy traces). (Being written: issue 4.)
public enum ClassicMetrics {
    public static func compute(_ names: [String], spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset,
                               random: inout SeededRandom) throws -> Evaluation.Outcome {
        Evaluation.Outcome(metrics: MetricSet(), notes: [])
    }

    public static func presentation(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset) -> [String] { [] }
}
