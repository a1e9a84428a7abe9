import NNCKernels
import NNCSpec

/// Where an epoch-wise classic rule (hebbian, perceptron, delta) stands:
/// with the parameters, enough to continue exactly (a checkpoint's content).
public struct RuleState: Sendable, Equatable {
    /// Epochs finished.
    public var epoch = 0
    /// Examples of the current epoch finished.
    public var position = 0
    /// The current epoch's example order (each epoch shuffles the previous order, so it is kept).
    public var order: [Int] = []
    /// The rule's random stream after the current epoch's shuffle (evaluation continues from it).
    public var random: UInt64 = 0
    /// The current epoch's running sums (errors and updates, or the squared error).
    public var sums: [Double] = []
    /// Training ended (converged or out of epochs); a resume goes straight to evaluation.
    public var finished = false
    public var history: [EpochRecord] = []

    public init() {}

    public static func == (a: RuleState, b: RuleState) -> Bool {
        a.epoch == b.epoch && a.position == b.position && a.order == b.order && a.random == b.random
            && a.sums == b.sums && a.finished == b.finished && a.history.count == b.history.count
    }
}

/// Thrown when a cancelled run stops a classic rule: the state to resume from
/// (the parameters are in the plan's store).
struct RuleInterrupted: Error {
    var state: RuleState
}

extension RuleContext {
    /// Runs the epochs of a per-example rule from `state` (fresh or resumed).
    /// Each epoch starts by shuffling the order (when `train.shuffle`) and
    /// zeroing `sums`; `example` gets each example's index and the sums;
    /// `finish` gets the epoch number (1-based) and sums and returns its record
    /// and whether training is done. The run's cancellation is polled every
    /// 256 examples and between epochs; a stop throws `RuleInterrupted`.
    func runEpochs(_ state: inout RuleState, sums: Int, random: inout SeededRandom,
                   example: (Int, inout [Double]) throws -> Void,
                   finish: (Int, [Double]) throws -> (EpochRecord, done: Bool)) throws {
        let epochs = max(1, train.effectiveEpochs), count = examples.count
        guard !state.finished else { return }
        if state.order.count != count {
            guard state.epoch == 0 && state.position == 0 else {
                throw RunError.data("the checkpoint's example order has \(state.order.count) entries, the data \(count) examples")
            }
            state.order = Array(0..<count)
        }
        guard state.position == 0 || state.sums.count == sums else {
            throw RunError.data("the checkpoint's epoch sums have \(state.sums.count) values, the rule keeps \(sums)")
        }
        var poll = Cancellation.Poll(every: 256)
        func stop() -> RuleInterrupted { state.random = random.state; return RuleInterrupted(state: state) }
        while !state.finished && state.epoch < epochs {
            if state.position == 0 {
                if Cancellation.isRequested { throw stop() }
                if train.shuffle { random.shuffle(&state.order) }
                state.sums = [Double](repeating: 0, count: sums)
            }
            while state.position < count {
                // Not at position 0: a checkpoint there means "before this epoch's shuffle"
                // (a stop right after it would be resumed with a second shuffle).
                if state.position > 0, poll.due() { throw stop() }
                try example(state.order[state.position], &state.sums)
                state.position += 1
            }
            let (record, done) = try finish(state.epoch + 1, state.sums)
            state.history.append(record)
            state.epoch += 1
            state.position = 0
            events(.epoch(record, epochs: epochs))
            if done { state.finished = true }
        }
        state.finished = true
        state.random = random.state
    }
}
