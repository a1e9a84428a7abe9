import NNCIR
import NNCKernels
import NNCSpec

/// Runs a plan forward over a dataset and computes the metrics that fit:
/// accuracy, loss, mse, confusion, errors. (Associative-memory and Hopfield
/// metrics are computed by `ClassicEvaluation`.)
public struct Evaluator {
    public let plan: Plan
    public let targetIsInput: Bool
    /// Output values at or above this count as class 1 for a one-unit output
    /// (0.5 for sigmoid/step outputs, 0 for tanh/sign/linear ones).
    public let binaryThreshold: Float

    public init(plan: Plan, targetIsInput: Bool, finalActivation: ActivationKind?) {
        self.plan = plan
        self.targetIsInput = targetIsInput
        switch finalActivation {
        case .sigmoid?, .step?, .softmax?: binaryThreshold = 0.5
        default: binaryThreshold = 0
        }
    }

    public struct Totals: Sendable {
        public var examples = 0
        public var lossSum = 0.0
        public var lossWeight = 0.0
        public var squaredError = 0.0
        public var squaredCount = 0
        public var correct = 0
        public var counted = 0
        public var confusion: [[Int]] = []
        /// Embedded Reber: right predictions at each example's long-range step.
        public var longRangeCorrect = 0
        public var longRangeCounted = 0

        public var loss: Double? { lossWeight > 0 ? lossSum / lossWeight : nil }
        public var accuracy: Double? { counted > 0 ? Double(correct) / Double(counted) : nil }
        public var mse: Double? { squaredCount > 0 ? squaredError / Double(squaredCount) : nil }
        public var errors: Int { counted - correct }
        public var longRangeAccuracy: Double? { longRangeCounted > 0 ? Double(longRangeCorrect) / Double(longRangeCounted) : nil }
    }

    /// Forward over every example (in plan-sized batches, no training behaviour).
    /// A cancelled run stops early (the trainer then stops before using the totals).
    public func evaluate(_ data: Dataset) -> Totals {
        var totals = Totals()
        var start = 0
        while start < data.count && !Cancellation.isRequested {
            let n = min(plan.batch, data.count - start)
            let indices = Array(start..<(start + n))[...]
            plan.loadInputs(data, indices)
            plan.forward(n, training: false)
            accumulate(&totals, data, indices, n)
            start += n
        }
        return totals
    }

    /// Adds one forward pass's outputs (already computed) to the totals.
    /// `includeLoss: false` skips the loss (training computes it with the gradient).
    /// `confusion: false` skips the confusion matrix (allocated on first use),
    /// `squaredError: false` the squared error (a training step counts only
    /// right answers; for an autoencoder's [64, 784] output the error cost 7 % of the step).
    public func accumulate(_ totals: inout Totals, _ data: Dataset, _ indices: ArraySlice<Int>, _ n: Int,
                           includeLoss: Bool = true, confusion: Bool = true, squaredError: Bool = true) {
        totals.examples += n
        let out = plan.output
        let y = plan.values[out].pointer
        let width = plan.lastDim(out)
        let rowsPerExample = plan.rows(out, 1)
        if includeLoss, let head = plan.head {
            head.loadTargets(data, indices, targetIsInput: targetIsInput)
            let loss = head.compute(n, training: false)
            let weight = head.hasRowWeights ? (0..<(n * rowsPerExample)).reduce(0.0) { $0 + Double(head.rowWeights.pointer[$1]) } : Double(n)
            totals.lossSum += loss * weight
            totals.lossWeight += weight
        }
        // Squared error against the vector targets (or the input).
        let perExample = rowsPerExample * width
        // Per-step targets of padded sequences: only the steps with a target count.
        let stepMask = data.targetMask.flatMap { $0.count == data.count * rowsPerExample ? $0 : nil }
        func squared(_ target: UnsafePointer<Float>, _ row: Int, example i: Int? = nil) {
            guard squaredError else { return }
            for t in 0..<rowsPerExample {
                if let stepMask, let i, stepMask[i * rowsPerExample + t] == 0 { continue }
                for j in (t * width)..<((t + 1) * width) {
                    let d = Double(y[row * perExample + j]) - Double(target[j])
                    totals.squaredError += d * d
                }
                totals.squaredCount += width
            }
        }
        if targetIsInput {
            guard squaredError else { return }
            data.inputs.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress, data.inputSize == perExample else { return }
                for (row, i) in indices.enumerated() { squared(base + i * perExample, row) }
            }
            return
        }
        switch data.targets {
        case .none:
            break
        case .classes(let labels, let k):
            if confusion && totals.confusion.isEmpty { totals.confusion = Array(repeating: Array(repeating: 0, count: k), count: k) }
            for (row, i) in indices.enumerated() where rowsPerExample == 1 {
                let predicted = predictedClass(y + row * width, width)
                let truth = Int(labels[i])
                totals.counted += 1
                if predicted == truth { totals.correct += 1 }
                if confusion, truth >= 0, truth < k, predicted >= 0, predicted < k { totals.confusion[truth][predicted] += 1 }
                guard squaredError else { continue }
                if width == 1 {
                    let d = Double(y[row]) - Double(truth)
                    totals.squaredError += d * d
                    totals.squaredCount += 1
                } else {
                    for j in 0..<width {
                        let d = Double(y[row * width + j]) - (j == truth ? 1 : 0)
                        totals.squaredError += d * d
                    }
                    totals.squaredCount += width
                }
            }
        case .vectors(let values, _):
            let mask = data.targetMask
            // Reber: a prediction is right when the grammar allows it next (several symbols may be).
            let allowed = data.allowedTargets.flatMap { $0.count == values.count ? $0 : nil }
            let longRange = data.longRangeSteps
            values.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress, values.count == data.count * perExample else { return }
                for (row, i) in indices.enumerated() {
                    squared(base + i * perExample, row, example: i)
                    // One-hot targets per row (e.g. next-symbol prediction): argmax accuracy on valid rows.
                    guard width > 1 else { continue }
                    for t in 0..<rowsPerExample {
                        if let mask, mask[i * rowsPerExample + t] == 0 { continue }
                        let target = base + i * perExample + t * width
                        var hot = -1, ones = 0
                        for j in 0..<width where target[j] != 0 { hot = j; ones += 1 }
                        guard ones == 1, target[hot] == 1 else { continue }
                        let predicted = predictedClass(y + row * perExample + t * width, width)
                        totals.counted += 1
                        if confusion {
                            if totals.confusion.isEmpty { totals.confusion = Array(repeating: Array(repeating: 0, count: width), count: width) }
                            totals.confusion[hot][predicted] += 1
                        }
                        if let allowed {
                            if allowed[i * perExample + t * width + predicted] == 1 { totals.correct += 1 }
                        } else if predicted == hot {
                            totals.correct += 1
                        }
                        if let longRange, longRange[i] == t {
                            totals.longRangeCounted += 1
                            if predicted == hot { totals.longRangeCorrect += 1 }
                        }
                    }
                }
            }
        }
    }

    func predictedClass(_ y: UnsafePointer<Float>, _ width: Int) -> Int {
        if width == 1 { return y[0] >= binaryThreshold ? 1 : 0 }
        var best = 0
        for j in 1..<width where y[j] > y[best] { best = j }
        return best
    }
}

/// Degrades inputs before evaluation (`evaluate.corrupt`): flip a fraction of
/// the units of binary (0/1) or bipolar (±1) data, mask a fraction to 0, or
/// add Gaussian noise. Exactly round(p·K) units per example are flipped or
/// masked, chosen at random.
public func corrupted(_ data: Dataset, _ corruption: Corruption, random: inout SeededRandom) -> Dataset {
    var d = data
    let size = data.inputSize
    let bipolar = data.inputs.contains { $0 < 0 }
    var units = Array(0..<size)
    for e in 0..<data.count {
        let base = e * size
        switch corruption {
        case .flip(let p), .mask(let p):
            let k = Int((p * Double(size)).rounded())
            random.shuffle(&units)
            for u in units.prefix(k) {
                let i = base + u
                if case .flip = corruption {
                    d.inputs[i] = bipolar ? -d.inputs[i] : (d.inputs[i] > 0.5 ? 0 : 1)
                } else {
                    d.inputs[i] = 0
                }
            }
        case .gaussian(let std):
            for u in 0..<size { d.inputs[base + u] += Float(std) * random.normalFloat() }
        }
    }
    return d
}
