import NNCKernels
import NNCSpec

/// The Widrow–Hoff (LMS) delta rule on one `dense` layer: per example, in
/// epochs (shuffled when `train.shuffle`), with a = Wx + b the linear part,
///
///     Δw_r = ε (t_r − a_r) x,    Δb_r = ε (t_r − a_r)   (when the layer has a bias)
///
/// Under a `sign` or `step` activation (Adaline) the linear part is fitted to
/// ±1 targets (0 → −1), so the threshold at 0 separates them. ε is `rate`,
/// 1/‖x‖ (of (1, x) with a bias) for `normalized`, and by default 0.1/R² with
/// R the largest such norm in the training data: LMS is stable for
/// ε‖x‖² < 2, so the default always is. Each epoch records `mse`, the mean of
/// (t − a)² seen during the epoch (before each update); `stop: {loss: L}` ends
/// training once it is at most L.
enum DeltaRule {
    static func train(_ c: RuleContext, random: inout SeededRandom) throws -> ClassicTraining.Outcome {
        guard case .layer(.dense(let options)) = c.layer.op else {
            throw RunError.bug("delta on '\(c.layer.name)', which is not a dense layer")
        }
        try c.requireVectorInput()
        let coding: TargetCoding = [.sign, .step].contains(options.activation) ? .bipolar : .values
        guard let targets = try c.layerTargets(coding) else {
            throw RunError.data("rule 'delta' learns from targets, but the training data has none (or set 'target: input')")
        }
        let x = c.layerInputs()
        let f = c.inputSize, units = c.units, count = c.examples.count
        let w = c.parameters.pointer(try c.entry(.weight))
        let b = options.bias ? c.parameters.pointer(try c.entry(.bias)) : nil
        let augmented = b != nil
        var largest: Double = 0
        for i in 0..<count {
            var sum: Double = augmented ? 1 : 0
            for j in 0..<f { sum += Double(x[i * f + j]) * Double(x[i * f + j]) }
            largest = max(largest, sum)
        }
        let fallback = Float(0.1 / max(largest, 1e-12))
        let epochs = c.train.effectiveEpochs
        var order = Array(0..<count)
        var history: [EpochRecord] = []
        var a = [Float](repeating: 0, count: units)
        try x.withUnsafeBufferPointer { xs in
            guard let base = xs.baseAddress else { throw RunError.data("the training data is empty") }
            for epoch in 1...max(1, epochs) {
                if c.train.shuffle { random.shuffle(&order) }
                var squared = 0.0
                for i in order {
                    let xi = base + i * f
                    let epsilon = c.stepSize(xi, f, augmented: augmented, fallback: fallback) ?? 0
                    for r in 0..<units {
                        let row = w + r * f
                        var sum = b?[r] ?? 0
                        for j in 0..<f { sum += row[j] * xi[j] }
                        a[r] = targets[i * units + r] - sum
                        squared += Double(a[r]) * Double(a[r])
                    }
                    for r in 0..<units {
                        let step = epsilon * a[r]
                        let row = w + r * f
                        for j in 0..<f { row[j] += step * xi[j] }
                        b?[r] += step
                    }
                }
                let mse = squared / Double(count * units)
                guard mse.isFinite else {
                    throw RunError.diverged("delta: the error grew without bound in epoch \(epoch); lower 'rate' (LMS needs ε‖x‖² < 2)")
                }
                let record = EpochRecord(epoch: epoch, metrics: [("mse", .number(mse))])
                history.append(record)
                c.events(.epoch(record, epochs: epochs))
                if let goal = c.train.stop.loss, mse <= goal { break }
            }
        }
        let last = history.last?.metrics.first?.value.display ?? "?"
        return ClassicTraining.Outcome(history: history, notes: [
            "delta: \(history.count) epoch\(history.count == 1 ? "" : "s"), training mse of the linear part \(last)",
        ])
    }
}
