import NNCKernels
import NNCSpec

/// The least-squares linear associative memory on one `dense` layer: the W
/// (and bias, when the layer has one: x augmented with 1) minimising
/// Σ ‖t − (Wx + b)‖² over the training examples, in closed form
/// Wᵀ = X⁺ T with X⁺ the pseudo-inverse of the examples [count, F(+1)]
/// (the minimum-norm solution when X is rank-deficient). For p ≤ F linearly
/// independent keys the error is zero. With `target: input` it is the
/// auto-associative memory W = X X⁺ (projection onto the stored patterns).
/// Under a `sign` or `step` activation the linear part is fitted to ±1
/// targets (0 → −1). The note gives the remaining training mse of the linear part.
enum LeastSquaresRule {
    static func train(_ c: RuleContext) throws -> ClassicTraining.Outcome {
        guard case .layer(.dense(let options)) = c.layer.op else {
            throw RunError.bug("least_squares on '\(c.layer.name)', which is not a dense layer")
        }
        try c.requireVectorInput()
        let coding: TargetCoding = [.sign, .step].contains(options.activation) ? .bipolar : .values
        guard let targets = try c.layerTargets(coding) else {
            throw RunError.data("rule 'least_squares' fits targets, but the training data has none (or set 'target: input')")
        }
        let x = c.layerInputs()
        let f = c.inputSize, units = c.units, count = c.examples.count
        let cols = f + (options.bias ? 1 : 0)
        var a = [Double](repeating: 0, count: count * cols)
        for e in 0..<count {
            for j in 0..<f { a[e * cols + j] = Double(x[e * f + j]) }
            if options.bias { a[e * cols + f] = 1 }
        }
        let inverse = pseudoInverse(a, rows: count, cols: cols)  // [cols, count]
        let w = c.parameters.pointer(try c.entry(.weight))
        let b = options.bias ? c.parameters.pointer(try c.entry(.bias)) : nil
        var solution = [Double](repeating: 0, count: units * cols)
        for r in 0..<units {
            for j in 0..<cols {
                var s = 0.0
                for e in 0..<count { s += inverse[j * count + e] * Double(targets[e * units + r]) }
                solution[r * cols + j] = s
            }
            for j in 0..<f { w[r * f + j] = Float(solution[r * cols + j]) }
            if let b { b[r] = Float(solution[r * cols + f]) }
        }
        var squared = 0.0
        for e in 0..<count {
            for r in 0..<units {
                var s = 0.0
                for j in 0..<cols { s += solution[r * cols + j] * a[e * cols + j] }
                let d = Double(targets[e * units + r]) - s
                squared += d * d
            }
        }
        let mse = squared / Double(count * units)
        return ClassicTraining.Outcome(notes: [
            "least_squares: fitted \(count) example\(count == 1 ? "" : "s") of \(f) inputs in closed form; training mse of the linear part \(formatMetric(mse))",
        ])
    }
}
