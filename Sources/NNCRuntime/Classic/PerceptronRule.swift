import NNCKernels
import NNCSpec

/// Rosenblatt's perceptron on one `threshold` layer y_r = Θ(w_r·x − s_r).
///
/// Per example, in epochs (shuffled each epoch with the run's stream when
/// `train.shuffle`, the default; else in data order), every unit r whose
/// output is wrong is corrected:
///
///     w_r ← w_r + ε_x (δ_r − y_r) x,    s_r ← s_r − ε_x (δ_r − y_r)
///
/// i.e. the threshold is the weight −w₀ on a constant input x₀ = 1 (not
/// learned under `threshold: auto`, which fixes it per example). δ_r is the
/// label on one unit for two classes, or δ(r, s) on one unit per class; in
/// the layer's output coding (0/1, or ±1 when bipolar). ε_x is `rate`
/// (default 1), or 1/‖(1, x)‖ for `normalized`: the norm of the augmented
/// vector, as in the convergence theorem, which also keeps the step finite
/// for x = 0. Starting from zero weights, the number of corrections of a unit
/// is at most (R/γ)² on data with margin γ and radius R = max ‖(1, x)‖
/// (Novikoff), whatever ε.
///
/// Training stops after the first epoch without an error (an example is an
/// error when any unit is wrong). Each epoch records `errors` and `updates`
/// (unit corrections); when `epochs` run out first, the note says that it did
/// not converge: on data that is not linearly separable that is the result,
/// not a failure.
enum PerceptronRule {
    static func train(_ c: RuleContext, random: inout SeededRandom) throws -> ClassicTraining.Outcome {
        guard case .layer(.threshold(let options)) = c.layer.op else {
            throw RunError.bug("perceptron on '\(c.layer.name)', which is not a threshold layer")
        }
        try c.requireVectorInput()
        guard let targets = try c.layerTargets(options.bipolar ? .bipolar : .binary) else {
            throw RunError.data("rule 'perceptron' learns from targets, but the training data has none")
        }
        let x = c.layerInputs()
        let f = c.inputSize, units = c.units, count = c.examples.count
        let w = c.parameters.pointer(try c.entry(.weight))
        let s = c.parameters.pointer(try c.entry(.threshold))
        let learnsThreshold = options.threshold != .auto
        let epochs = c.train.effectiveEpochs

        var order = Array(0..<count)
        var history: [EpochRecord] = []
        var totalUpdates = 0
        var lastErrors = 0
        try x.withUnsafeBufferPointer { xs in
            guard let base = xs.baseAddress else { throw RunError.data("the training data is empty") }
            for epoch in 1...max(1, epochs) {
                if c.train.shuffle { random.shuffle(&order) }
                var errors = 0, updates = 0
                for i in order {
                    let y = c.layerOutput(example: i)
                    let xi = base + i * f
                    var wrong = false
                    for r in 0..<units {
                        let error = targets[i * units + r] - y[r]
                        guard error != 0 else { continue }
                        wrong = true
                        guard let epsilon = c.stepSize(xi, f, augmented: learnsThreshold, fallback: 1) else { continue }
                        updates += 1
                        let a = epsilon * error
                        let row = w + r * f
                        for j in 0..<f { row[j] += a * xi[j] }
                        if learnsThreshold { s[r] -= a }
                    }
                    if wrong { errors += 1 }
                }
                totalUpdates += updates
                lastErrors = errors
                let record = EpochRecord(epoch: epoch, metrics: [("errors", .integer(errors)), ("updates", .integer(updates))])
                history.append(record)
                c.events(.epoch(record, epochs: epochs))
                if errors == 0 { break }
            }
        }
        let ran = history.count
        let note: String
        if lastErrors == 0 {
            note = "perceptron: converged after \(ran) epoch\(ran == 1 ? "" : "s") (\(totalUpdates) updates; the last epoch made no error)"
        } else {
            note = "perceptron: did not converge in \(ran) epoch\(ran == 1 ? "" : "s"): \(lastErrors) of \(count) examples "
                + "were still misclassified in the last epoch (\(totalUpdates) updates); the data may not be linearly separable"
        }
        return ClassicTraining.Outcome(history: history, notes: [note])
    }
}
