#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Learning-rate schedules (`train.schedule`): the rate of each epoch from
/// the optimizer's base rate. Epochs are 0-based; epoch 0 always runs at the
/// base rate (cyclic: at `minLR`).
public enum LearningRateSchedule: Sendable, Equatable {
    /// lr
    case constant
    /// lr · factor^⌊epoch / every⌋ (`every` below 1 counts as 1).
    case step(every: Int, factor: Float)
    /// lr · decay^epoch
    case exponential(decay: Float)
    /// Cosine annealing from lr down towards minLR over `period` epochs:
    /// minLR + (lr − minLR)·(1 + cos(π·e/P))/2 with e = epoch mod P
    /// (PyTorch's CosineAnnealingLR within a period; the last epoch of a
    /// period stays just above minLR). period nil: P = all epochs (plain
    /// annealing); a period shorter than the run restarts at lr every P
    /// epochs (SGDR warm restarts, fixed period).
    case cosine(minLR: Float, period: Int?)
    /// Triangular cyclic rate (Smith 2017), P epochs per cycle: rises
    /// linearly from minLR at the start of a cycle to maxLR at its middle and
    /// falls back. Uses minLR and maxLR only, not the optimizer's lr.
    case cyclic(minLR: Float, maxLR: Float, period: Int)

    /// The learning rate of `epoch` (0-based) in a run of `totalEpochs`.
    public func rate(baseLR: Float, epoch: Int, totalEpochs: Int) -> Float {
        let e = max(0, epoch)
        switch self {
        case .constant:
            return baseLR
        case .step(let every, let factor):
            return Float(Double(baseLR) * pow(Double(factor), Double(e / max(1, every))))
        case .exponential(let decay):
            return Float(Double(baseLR) * pow(Double(decay), Double(e)))
        case .cosine(let minLR, let period):
            let p = max(1, period ?? totalEpochs)
            let phase = Double(e % p) / Double(p)
            return Float(Double(minLR) + (Double(baseLR) - Double(minLR)) * (1 + cos(Double.pi * phase)) / 2)
        case .cyclic(let minLR, let maxLR, let period):
            let p = max(1, period)
            let phase = Double(e % p) / Double(p)          // 0 ..< 1 within the cycle
            let height = 1 - abs(2 * phase - 1)           // 0 → 1 → 0
            return Float(Double(minLR) + (Double(maxLR) - Double(minLR)) * height)
        }
    }
}
