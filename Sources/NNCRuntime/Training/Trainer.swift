import Foundation
import NNCIR
import NNCKernels
import NNCSpec

/// Progress during training, for the live line.
public enum TrainingEvent: Sendable {
    /// Once, before the first epoch: what is about to run (the terminal's header).
    case begin(RunFacts)
    /// `loss` and `accuracy`: the epoch's running means so far (accuracy nil when not a classification).
    case step(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, accuracy: Double?,
              samplesPerSecond: Double, secondsLeft: Double)
    case epoch(EpochRecord, epochs: Int)
}

/// How training ended, for the closing line, `final` (`converged`, `epochs_run`) and metrics.json.
public struct TrainingOutcome: Sendable {
    public var epochsRun: Int
    public var epochsPlanned: Int
    /// Set where the rule has a notion of convergence, or a `stop:` condition was given.
    public var converged: Bool?
    /// What ended training early, as the spec says it ("`stop: {loss: 0.001}`"); nil when it ran every epoch.
    public var stopReason: String?
    /// With `stop: {patience}`: the epoch whose weights the outputs hold.
    public var bestEpoch: Int?
    /// Wall time of training alone.
    public var seconds: Double?
    public init(epochsRun: Int, epochsPlanned: Int, converged: Bool? = nil, stopReason: String? = nil, bestEpoch: Int? = nil) {
        self.epochsRun = epochsRun; self.epochsPlanned = epochsPlanned; self.converged = converged
        self.stopReason = stopReason; self.bestEpoch = bestEpoch
    }
}

/// Where training stands, enough to continue exactly (a checkpoint's content).
public struct TrainingState: Sendable {
    /// Epochs finished.
    public var epoch = 0
    /// Batches finished within the current epoch.
    public var batchInEpoch = 0
    /// Optimizer updates so far (Adam's bias correction).
    public var updates = 0
    /// The shuffling stream at the start of the current epoch.
    public var shuffleState: UInt64 = 0
    /// Dropout and noise stream now.
    public var noiseState: UInt64 = 0
    /// Sums for the current epoch's mean loss and accuracy.
    public var lossSum = 0.0
    public var examplesSeen = 0
    public var correct = 0
    public var counted = 0
    public var history: [EpochRecord] = []
}

/// Training by backpropagation: per batch forward, loss, backward, clipping,
/// optimizer step; per epoch the schedule's learning rate, metrics, early stop.
public final class BackpropTrainer {
    public let plan: Plan
    public let train: TrainSpec
    public let data: PreparedData
    let evaluator: Evaluator
    let optimizer: Optimizer
    let schedule: LearningRateSchedule
    public let optimizerState: FloatBuffer
    public var state: TrainingState
    /// Filled per batch: example order of the epoch.
    var order: [Int]
    /// The gradient block, as the clipping kernel takes it (built once: no allocation per step).
    let gradientBuffers: [UnsafeMutableBufferPointer<Float>]
    /// Plain SGD (no momentum, no clipping): the dense layers apply the step in their
    /// backward (`Plan.foldSGDIntoBackward`) and these ranges of the parameter block,
    /// the rest, go through the gradient block. nil: every parameter does.
    let unfoldedRanges: [Range<Int>]?
    /// Why training ended early (nil: it ran every epoch).
    public private(set) var stopReason: String?
    /// `stop: {patience}`: the best epoch so far, its metric value and weights (restored at the end).
    public private(set) var best: (epoch: Int, value: Double, parameters: [Float])?

    /// `foldSGD: false` keeps every update on the gradient block (the reference the folded path is tested against).
    public init(plan: Plan, train: TrainSpec, data: PreparedData, finalActivation: ActivationKind?, seed: SeededRandom,
                foldSGD: Bool = true) {
        self.plan = plan
        self.train = train
        self.data = data
        evaluator = Evaluator(plan: plan, targetIsInput: train.targetIsInput, finalActivation: finalActivation)
        optimizer = kernelOptimizer(train.optimizer)
        schedule = kernelSchedule(train.schedule)
        optimizerState = FloatBuffer(count: optimizer.stateCount(parameterCount: plan.parameters.count))
        state = TrainingState(shuffleState: seed.state, noiseState: plan.random.state)
        order = Array(0..<data.train.count)
        gradientBuffers = [plan.parameters.gradients.buffer]
        if foldSGD, case .sgd(_, let momentum, _) = train.optimizer, momentum == 0, train.clipNorm == nil {
            unfoldedRanges = plan.foldSGDIntoBackward()
        } else {
            unfoldedRanges = nil
        }
    }

    public var epochs: Int { train.effectiveEpochs }
    var batchSize: Int { min(train.effectiveBatch, max(1, data.train.count)) }

    /// Runs the remaining epochs. `interrupted` is polled after every batch;
    /// when it says so, training stops with the state saved for `--resume`.
    public func run(events: (TrainingEvent) -> Void, interrupted: () -> Bool) throws {
        let count = data.train.count
        guard count > 0 else { throw RunError.data("the training data is empty") }
        let batches = (count + batchSize - 1) / batchSize
        let clock = ContinuousClock()
        while state.epoch < epochs {
            let epochStart = clock.now
            // The epoch's order comes from the stream saved at its start, so a resumed run shuffles alike.
            var shuffle = SeededRandom(seed: state.shuffleState)
            order = Array(0..<count)
            if train.shuffle { shuffle.shuffle(&order) }
            plan.random = SeededRandom(seed: state.noiseState)
            let lr = schedule.rate(baseLR: Float(train.optimizer.learningRate), epoch: state.epoch, totalEpochs: epochs)
            var seen = 0
            while state.batchInEpoch < batches {
                let start = state.batchInEpoch * batchSize
                let indices = order[start..<min(start + batchSize, count)]
                _ = try step(indices, learningRate: lr)
                state.batchInEpoch += 1
                seen += indices.count
                state.noiseState = plan.random.state
                let elapsed = seconds(clock.now - epochStart)
                let rate = elapsed > 0 ? Double(seen) / elapsed : 0
                let remaining = Double((epochs - state.epoch) * count - (start + indices.count))
                events(.step(epoch: state.epoch + 1, epochs: epochs, step: state.batchInEpoch, steps: batches,
                             loss: state.examplesSeen > 0 ? state.lossSum / Double(state.examplesSeen) : 0,
                             accuracy: state.counted > 0 ? Double(state.correct) / Double(state.counted) : nil,
                             samplesPerSecond: rate, secondsLeft: rate > 0 ? remaining / rate : 0))
                if interrupted() { throw RunError.interrupted }
            }
            let record = finishEpoch(seconds: seconds(clock.now - epochStart), learningRate: lr)
            // The test evaluation stops early on a cancelled run: keep the state from before the record.
            if Cancellation.isRequested { throw RunError.interrupted }
            state.history.append(record)
            state.epoch += 1
            state.batchInEpoch = 0
            state.lossSum = 0
            state.examplesSeen = 0
            state.correct = 0
            state.counted = 0
            state.shuffleState = shuffle.state
            events(.epoch(record, epochs: epochs))
            if let reason = stopCondition(record) {
                stopReason = state.epoch < epochs ? reason : nil
                break
            }
        }
        // Patience: the outputs hold the best epoch's weights, not the last one's.
        if let best, best.epoch != state.history.last?.epoch { plan.parameters.values.copy(from: best.parameters) }
    }

    /// How training ended; `converged` is set when the spec gave a `stop:` condition.
    public var outcome: TrainingOutcome {
        let s = train.stop
        let hasStop = s.accuracy != nil || s.loss != nil || s.noErrors || s.patience != nil
        return TrainingOutcome(epochsRun: state.history.count, epochsPlanned: epochs,
                               converged: hasStop ? stopReason != nil || reachedTarget : nil,
                               stopReason: stopReason, bestEpoch: best?.epoch)
    }
    /// The last epoch met a target of `stop:` (accuracy, loss, no errors).
    var reachedTarget = false

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// One batch: forward, loss (+ penalties), backward, clip, update. Returns the batch loss.
    /// Shares its jobs over the pool or not as the plan's `trainingStepGovernor` says.
    func step(_ indices: ArraySlice<Int>, learningRate: Float) throws -> Double {
        guard let head = plan.head else { throw RunError.bug("training without a loss") }
        let n = indices.count
        let started = plan.pool?.beginStep(plan.trainingStepGovernor)
        defer { if let started { plan.pool?.endStep(&plan.trainingStepGovernor, started: started, work: n) } }
        plan.loadInputs(data.train, indices)
        head.loadTargets(data.train, indices, targetIsInput: train.targetIsInput)
        let penalty = plan.forward(n, training: true)   // ends with the loss step
        let loss = plan.lastLoss + penalty
        guard loss.isFinite else {
            throw RunError.diverged(divergenceMessage(what: "the loss is \(loss)"))
        }
        var totals = Evaluator.Totals()
        evaluator.accumulate(&totals, data.train, indices, n, includeLoss: false, confusion: false,
                              squaredError: false)
        state.lossSum += loss * Double(n)
        state.examplesSeen += n
        state.correct += totals.correct
        state.counted += totals.counted
        let values = plan.parameters.values.pointer, gradients = plan.parameters.gradients.pointer
        state.updates += 1
        if let unfoldedRanges {
            // Plain SGD: the dense layers update themselves during backward.
            for r in unfoldedRanges { (gradients + r.lowerBound).update(repeating: 0, count: r.count) }
            plan.sgdLearningRate = learningRate
            plan.backward(n)
            plan.sgdLearningRate = nil
            for r in unfoldedRanges {   // (SGD without momentum keeps no optimizer state)
                optimizer.update(parameters: values + r.lowerBound, state: optimizerState.pointer,
                                 gradients: gradients + r.lowerBound, count: r.count,
                                 learningRate: learningRate, step: state.updates)
            }
        } else {
            plan.parameters.gradients.zero()
            plan.backward(n)
            if let maxNorm = train.clipNorm {
                _ = clipGlobalNorm(gradientBuffers, maxNorm: maxNorm)
            }
            optimizer.update(parameters: values, state: optimizerState.pointer, gradients: gradients,
                             count: plan.parameters.count, learningRate: learningRate, step: state.updates)
        }
        if !allFinite(plan.parameters.values.pointer, count: plan.parameters.count, pool: plan.pool) {
            throw RunError.diverged(divergenceMessage(what: "a parameter became NaN or infinite after the update"))
        }
        return loss
    }

    /// Names the epoch, step and the layer where the numbers broke down: the first
    /// with NaN or infinite outputs, else the largest outputs (a loss can overflow first).
    func divergenceMessage(what: String) -> String {
        var place = ""
        var largest: (name: String, value: Float) = ("", 0)
        for step in plan.steps {
            let name = plan.graph.nodes[step.output].name
            let b = plan.values[step.output]
            if !allFinite(b.pointer, count: b.count) { place = "; the first layer with NaN or infinite outputs is '\(name)'"; break }
            for i in 0..<b.count where abs(b.pointer[i]) > largest.value { largest = (name, abs(b.pointer[i])) }
        }
        if place.isEmpty, let e = plan.parameters.entries.first(where: { !allFinite(plan.parameters.pointer($0), count: $0.count) }) {
            place = "; parameter '\(e.name)' is not finite"
        }
        if place.isEmpty && !largest.name.isEmpty {
            place = "; the largest outputs are in '\(largest.name)' (|value| up to \(formatMetric(Double(largest.value))))"
        }
        return "training diverged at epoch \(state.epoch + 1), step \(state.batchInEpoch + 1): \(what)\(place). "
            + "Lower the learning rate, or add 'clip: {norm: 1}' to train"
    }

    func finishEpoch(seconds: Double, learningRate: Float) -> EpochRecord {
        var m = MetricSet()
        m["loss"] = .number(state.examplesSeen > 0 ? state.lossSum / Double(state.examplesSeen) : .nan)
        if state.counted > 0 { m["accuracy"] = .number(Double(state.correct) / Double(state.counted)) }
        if let test = data.test, test.count > 0 {
            let t = evaluator.evaluate(test)
            if let loss = t.loss { m["test_loss"] = .number(loss) }
            if let acc = t.accuracy { m["test_accuracy"] = .number(acc) }
            if let acc = t.longRangeAccuracy { m["test_long_range_accuracy"] = .number(acc) }
            if t.accuracy == nil, let mse = t.mse { m["test_mse"] = .number(mse) }
        }
        m["lr"] = .number(shortestDouble(learningRate))
        m["seconds"] = .number(seconds)
        m["samples_per_s"] = .number(seconds > 0 ? Double(state.examplesSeen) / seconds : 0)
        return EpochRecord(epoch: state.epoch + 1, metrics: m.entries)
    }

    /// The `stop:` condition the epoch meets, as the spec writes it; nil: go on.
    func stopCondition(_ record: EpochRecord) -> String? {
        let stop = train.stop
        let accuracy = record.metrics[metric: "accuracy"]?.number, loss = record.metrics[metric: "loss"]?.number
        if let target = stop.accuracy, let accuracy, accuracy >= target {
            reachedTarget = true
            return "`stop: {accuracy: \(formatSpecNumber(target))}`"
        }
        if let target = stop.loss, let loss, loss <= target {
            reachedTarget = true
            return "`stop: {loss: \(formatSpecNumber(target))}`"
        }
        if stop.noErrors, let accuracy, accuracy >= 1 {
            reachedTarget = true
            return "`stop: {no_errors: true}`"
        }
        if let patience = stop.patience {
            let name = stop.metric ?? (data.test.map { $0.count > 0 } == true ? "test_loss" : "loss")
            guard let value = record.metrics[metric: name]?.number, value.isFinite else { return nil }
            let higherIsBetter = name.hasSuffix("accuracy")
            if best.map({ higherIsBetter ? value > $0.value : value < $0.value }) ?? true {
                best = (record.epoch, value, plan.parameters.values.array)
            } else if let best, record.epoch - best.epoch >= patience {
                return "`stop: {patience: \(patience)}` (\(name) last improved at epoch \(best.epoch))"
            }
        }
        return nil
    }
}

/// A spec number as written: 0.001, 1e-05 → "1e-05", 3 → "3".
func formatSpecNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
}
