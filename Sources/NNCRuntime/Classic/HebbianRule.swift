import NNCKernels
import NNCSpec

/// Hebb's rule.
///
/// - `hopfield` layers: storage in one pass (`epochs` and `rate` do not
///   apply), w_ij = (1/K) Σ_ν x_i^ν x_j^ν over the training patterns read as
///   ±1 (x > 0 is +1, so 0/1 patterns count as 2x − 1), and w_ii = the
///   layer's `self_weight`.
/// - `dense` (bias off) and `threshold` layers: per example, in epochs,
///   Δw_ri = ε y_r x_i, where y is the target when the data has targets
///   (forced Hebbian learning, in the layer's output coding: ±1 under sign or
///   a bipolar threshold, 0/1 under step or a binary threshold, the values for
///   linear outputs) and otherwise the layer's own output under the current
///   weights (plain, unsupervised Hebb). ε is `rate`, 1/‖x‖ for `normalized`,
///   and 1/F by default (F inputs: one epoch over ±1 keys then stores
///   W = (1/F) Σ y xᵀ, which recalls orthogonal keys exactly). A dense layer
///   starts from zero weights (an empty memory) unless it sets `init`; a
///   threshold layer from its given `weights` (zeros when absent). Thresholds
///   are left as given (zero when absent): Hebb's rule has no term for them.
///   Each epoch records `weight_norm`, ‖W‖ (Frobenius), which plain Hebbian
///   learning lets grow without bound.
enum HebbianRule {
    static func train(_ c: RuleContext, random: inout SeededRandom) throws -> ClassicTraining.Outcome {
        try c.requireVectorInput()
        switch c.layer.op {
        case .layer(.hopfield(let options)):
            return try store(c, selfWeight: Float(options.selfWeight))
        case .layer(.dense(let options)):
            if options.initializer == nil {
                let w = try c.entry(.weight)
                c.parameters.pointer(w).update(repeating: 0, count: w.count)
            }
            let coding: TargetCoding = switch options.activation {
            case .sign: .bipolar
            case .step: .binary
            default: .values
            }
            return try learn(c, coding: coding, random: &random)
        case .layer(.threshold(let options)):
            return try learn(c, coding: options.bipolar ? .bipolar : .binary, random: &random)
        case .input, .layer(.conv2d), .layer(.pool), .layer(.flatten), .layer(.activation), .layer(.dropout), .layer(.noise),
             .layer(.rnn), .layer(.lstm), .layer(.pca), .layer(.add), .layer(.concat):
            throw RunError.bug("hebbian on '\(c.layer.name)', which it cannot train")
        }
    }

    /// Hopfield storage: weight [K, K].
    static func store(_ c: RuleContext, selfWeight: Float) throws -> ClassicTraining.Outcome {
        let k = c.units, count = c.examples.count
        guard c.inputSize == k else { throw RunError.bug("hopfield layer with \(c.inputSize) inputs and \(k) units") }
        let patterns = c.layerInputs().map { $0 > 0 ? 1.0 : -1.0 }
        var sums = [Double](repeating: 0, count: k * k)
        for p in 0..<count {
            let z = p * k
            for i in 0..<k {
                let zi = patterns[z + i]
                for j in 0..<k { sums[i * k + j] += zi * patterns[z + j] }
            }
        }
        let w = c.parameters.pointer(try c.entry(.weight))
        for i in 0..<k {
            for j in 0..<k { w[i * k + j] = i == j ? selfWeight : Float(sums[i * k + j] / Double(k)) }
        }
        let load = Double(count) / Double(k)
        return ClassicTraining.Outcome(notes: [
            "hebbian: stored \(count) pattern\(count == 1 ? "" : "s") in \(k) units (p/K = \(formatMetric(load)); "
                + "random patterns are recalled with few errors up to p/K ≈ 0.138)",
        ])
    }

    /// Per-example Hebbian updates of a weight [units, F] in epochs.
    static func learn(_ c: RuleContext, coding: TargetCoding, random: inout SeededRandom) throws -> ClassicTraining.Outcome {
        let f = c.inputSize, units = c.units, count = c.examples.count
        let targets = try c.layerTargets(coding)
        let x = c.layerInputs()
        let weight = try c.entry(.weight)
        let w = c.parameters.pointer(weight)
        let epochs = c.train.effectiveEpochs
        var order = Array(0..<count)
        var history: [EpochRecord] = []
        try x.withUnsafeBufferPointer { xs in
            guard let base = xs.baseAddress else { throw RunError.data("the training data is empty") }
            for epoch in 1...max(1, epochs) {
                if c.train.shuffle { random.shuffle(&order) }
                for i in order {
                    let xi = base + i * f
                    guard let epsilon = c.stepSize(xi, f, augmented: false, fallback: 1 / Float(f)) else { continue }
                    // y: the target, or what the layer itself outputs now.
                    let own: UnsafePointer<Float>? = targets == nil ? c.layerOutput(example: i) : nil
                    for r in 0..<units {
                        let y = targets.map { $0[i * units + r] } ?? own.map { $0[r] } ?? 0
                        guard y != 0 else { continue }
                        let a = epsilon * y
                        let row = w + r * f
                        for j in 0..<f { row[j] += a * xi[j] }
                    }
                }
                var norm = 0.0
                for j in 0..<weight.count { norm += Double(w[j]) * Double(w[j]) }
                guard norm.isFinite else {
                    throw RunError.diverged("hebbian: the weights of '\(c.layer.name)' overflowed in epoch \(epoch); lower 'rate' or 'epochs'")
                }
                let record = EpochRecord(epoch: epoch, metrics: [("weight_norm", .number(norm.squareRoot()))])
                history.append(record)
                c.events(.epoch(record, epochs: epochs))
            }
        }
        let how = targets == nil ? "the layer's own outputs (no targets)" : "the targets as outputs"
        return ClassicTraining.Outcome(history: history, notes: [
            "hebbian: \(history.count) epoch\(history.count == 1 ? "" : "s") over \(count) examples with \(how)",
        ])
    }
}
