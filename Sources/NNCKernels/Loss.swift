#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The losses of `train.loss`.
///
/// Reduction, the same for every loss: a row (one example, or one time step
/// of one example for sequence outputs viewed as [N·T, width]) contributes
/// the SUM over its units, times its weight `rowWeights[r]` (nil: every row
/// weighs 1; weight 0 drops a padded time step); the total is divided by
/// `divisor` (nil: `rows`, i.e. the batch mean). `mse` alone also divides by
/// `width` (the mean over all elements).
///
/// - sse: ½ Σ_j (y_j − t_j)² per row (the ½ makes the gradient y − t).
/// - mse: Σ_j (y_j − t_j)² / width per row.
/// - cross_entropy: −Σ_j t_j log p_j per row (with class labels: −log p_label).
/// - binary_cross_entropy: −Σ_j [t_j log p_j + (1 − t_j) log(1 − p_j)] per row.
///
/// Every loss function returns the reduced loss (rows accumulate in Double;
/// within a row, eight Float lanes) and, when `dInput`/`dLogits` is non-nil,
/// ASSIGNS (=) the gradient of that returned value w.r.t. its input (rows of
/// weight 0 get zeros). Probabilities are clamped to [ε, 1 − ε] with
/// ε = `probabilityFloor` inside logs and in the gradient's denominators.
/// Class labels must lie in 0..<width (the data loader validates them).
public enum Loss: String, Sendable, CaseIterable {
    case sse, mse
    case crossEntropy = "cross_entropy"
    case binaryCrossEntropy = "binary_cross_entropy"
}

/// ε of the probability clamp in the cross-entropies (log ε ≈ −16.1).
public let probabilityFloor: Float = 1e-7

// MARK: - Fast kernels

/// Sum of squared errors, ½ Σ (y − t)² per row; gradient (y − t)·w/divisor.
/// dInput: [rows, width] or nil; input y, target t: [rows, width]; rowWeights: [rows] or nil.
public func sseLoss(
    dInput: UnsafeMutablePointer<Float>?,
    input: UnsafePointer<Float>, target: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / (divisor ?? Double(rows))
    return 0.5 * scale * squaredErrorRows(dInput, input, target, rows: rows, width: width,
                                          rowWeights: rowWeights, gradientScale: scale)
}

/// Mean squared error, Σ (y − t)² / width per row; gradient 2(y − t)·w/(divisor·width).
/// dInput: [rows, width] or nil; input, target: [rows, width]; rowWeights: [rows] or nil.
public func mseLoss(
    dInput: UnsafeMutablePointer<Float>?,
    input: UnsafePointer<Float>, target: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / ((divisor ?? Double(rows)) * Double(width))
    return scale * squaredErrorRows(dInput, input, target, rows: rows, width: width,
                                    rowWeights: rowWeights, gradientScale: 2 * scale)
}

/// Σ_r w_r Σ_j (y − t)²; writes dInput = (y − t)·w_r·gradientScale.
private func squaredErrorRows(
    _ dInput: UnsafeMutablePointer<Float>?,
    _ input: UnsafePointer<Float>, _ target: UnsafePointer<Float>,
    rows: Int, width: Int, rowWeights: UnsafePointer<Float>?, gradientScale: Double
) -> Double {
    var total = 0.0
    for r in 0..<rows {
        let w = rowWeights?[r] ?? 1
        let y = input + r * width, t = target + r * width
        let g = Vec8.V(repeating: Float(Double(w) * gradientScale))
        var acc = Vec8.V()
        var j = 0
        while j + 8 <= width {
            let d = Vec8.load(y + j) - Vec8.load(t + j)
            acc = acc.addingProduct(d, d)
            if let dInput { Vec8.store(d * g, dInput + r * width + j) }
            j += 8
        }
        if j < width {
            let rest = width - j
            let d = Vec8.loadPartial(y + j, rest) - Vec8.loadPartial(t + j, rest)
            acc = acc.addingProduct(d, d)
            if let dInput { Vec8.storePartial(d * g, dInput + r * width + j, rest) }
        }
        total += Double(w) * Double(acc.sum())
    }
    return total
}

/// Cross-entropy of probabilities against class labels: −log p[label] per row;
/// gradient −w/(divisor·max(p[label], ε)) at the label, 0 elsewhere.
/// dInput: [rows, width] or nil; probabilities: [rows, width]; labels: [rows]; rowWeights: [rows] or nil.
public func crossEntropyLoss(
    dInput: UnsafeMutablePointer<Float>?,
    probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / (divisor ?? Double(rows))
    var total = 0.0
    for r in 0..<rows {
        let label = checkedLabel(labels[r], width: width)
        let w = Double(rowWeights?[r] ?? 1)
        let p = max(probabilities[r * width + label], probabilityFloor)
        total -= w * log(Double(p))
        if let dInput {
            (dInput + r * width).update(repeating: 0, count: width)
            dInput[r * width + label] = Float(-w * scale / Double(p))
        }
    }
    return total * scale
}

/// Cross-entropy of probabilities against probability (or one-hot) targets:
/// −Σ_j t_j log p_j per row; gradient −t_j·w/(divisor·max(p_j, ε)).
/// dInput: [rows, width] or nil; probabilities, targets: [rows, width]; rowWeights: [rows] or nil.
public func crossEntropyLoss(
    dInput: UnsafeMutablePointer<Float>?,
    probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / (divisor ?? Double(rows))
    var total = 0.0
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        var rowLoss = 0.0
        for j in 0..<width {
            let i = r * width + j
            let p = max(probabilities[i], probabilityFloor)
            let t = targets[i]
            if t != 0 { rowLoss -= Double(t) * log(Double(p)) }
            dInput?[i] = Float(-Double(t) * w * scale / Double(p))
        }
        total += w * rowLoss
    }
    return total * scale
}

/// FUSED softmax + cross-entropy from logits against class labels (the rule
/// `softmax+cross_entropy` selects it): loss per row log Σ e^z − z[label];
/// gradient (softmax(z) − onehot)·w/divisor.
/// dLogits: [rows, width] or nil; probabilities: [rows, width] or nil (softmax(z)
/// written for metrics); logits: [rows, width]; labels: [rows]; rowWeights: [rows] or nil.
public func softmaxCrossEntropyLoss(
    dLogits: UnsafeMutablePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>?,
    logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / (divisor ?? Double(rows))
    var total = 0.0
    for r in 0..<rows {
        let label = checkedLabel(labels[r], width: width)
        let w = rowWeights?[r] ?? 1
        let z = logits + r * width
        let lse = softmaxRowInto(probabilities.map { $0 + r * width }, dLogits.map { $0 + r * width }, z, width)
        total += Double(w) * (lse - Double(z[label]))
        if let dLogits {
            let g = dLogits + r * width
            scaleRow(g, by: Float(Double(w) * scale), width)
            g[label] -= Float(Double(w) * scale)
        }
    }
    return total * scale
}

/// FUSED softmax + cross-entropy from logits against probability targets:
/// loss per row Σ_j t_j (log Σ e^z − z_j); gradient (softmax(z)·Σ_j t_j − t)·w/divisor
/// (= (softmax − t)·w/divisor for targets that sum to 1).
/// dLogits: [rows, width] or nil; probabilities: [rows, width] or nil; logits,
/// targets: [rows, width]; rowWeights: [rows] or nil.
public func softmaxCrossEntropyLoss(
    dLogits: UnsafeMutablePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>?,
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / (divisor ?? Double(rows))
    var total = 0.0
    for r in 0..<rows {
        let w = rowWeights?[r] ?? 1
        let z = logits + r * width, t = targets + r * width
        let lse = softmaxRowInto(probabilities.map { $0 + r * width }, dLogits.map { $0 + r * width }, z, width)
        var mass = 0.0, dot = 0.0
        for j in 0..<width {
            mass += Double(t[j])
            dot += Double(t[j]) * Double(z[j])
        }
        total += Double(w) * (mass * lse - dot)
        if let dLogits {
            let g = dLogits + r * width
            let ws = Float(Double(w) * scale)
            let pScale = Vec8.V(repeating: Float(mass) * ws), tScale = Vec8.V(repeating: ws)
            var j = 0
            while j + 8 <= width {
                Vec8.store(Vec8.load(g + j) * pScale - Vec8.load(t + j) * tScale, g + j)
                j += 8
            }
            while j < width { g[j] = g[j] * Float(mass) * ws - t[j] * ws; j += 1 }
        }
    }
    return total * scale
}

/// Softmax of one row into `probabilities` and/or `probabilitiesCopy` (either
/// may be nil); returns log Σ e^z. All buffers: [width].
@inline(__always)
private func softmaxRowInto(
    _ probabilities: UnsafeMutablePointer<Float>?, _ probabilitiesCopy: UnsafeMutablePointer<Float>?,
    _ z: UnsafePointer<Float>, _ width: Int
) -> Double {
    let maximum = rowMaximum(z, width)
    guard let first = probabilities ?? probabilitiesCopy else {
        // Loss only: the sum of exponentials without storing them.
        var total = 0.0
        for j in 0..<width { total += exp(Double(z[j] - maximum)) }
        return Double(maximum) + log(total)
    }
    let total = softmaxExponentials(first, z, width)
    scaleRow(first, by: 1 / total, width)
    if let probabilities, let probabilitiesCopy { probabilitiesCopy.update(from: probabilities, count: width) }
    return Double(maximum) + log(Double(total))
}

/// Binary cross-entropy of probabilities p against targets t in [0, 1];
/// gradient (p − t)·w/(divisor·p(1 − p)) with p clamped to [ε, 1 − ε].
/// dInput: [rows, width] or nil; probabilities, targets: [rows, width]; rowWeights: [rows] or nil.
public func binaryCrossEntropyLoss(
    dInput: UnsafeMutablePointer<Float>?,
    probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / (divisor ?? Double(rows))
    let lo = Double(probabilityFloor), hi = 1 - Double(probabilityFloor)
    var total = 0.0
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        var rowLoss = 0.0
        for j in 0..<width {
            let i = r * width + j
            let p = min(max(Double(probabilities[i]), lo), hi), t = Double(targets[i])
            rowLoss -= t * log(p) + (1 - t) * log(1 - p)
            dInput?[i] = Float((p - t) * w * scale / (p * (1 - p)))
        }
        total += w * rowLoss
    }
    return total * scale
}

/// FUSED sigmoid + binary cross-entropy from logits z, stable for any z:
/// per element max(z, 0) − z t + log(1 + e^{−|z|}); gradient (σ(z) − t)·w/divisor.
/// dLogits: [rows, width] or nil; probabilities: [rows, width] or nil (σ(z) for
/// metrics); logits, targets: [rows, width]; rowWeights: [rows] or nil.
public func sigmoidBinaryCrossEntropyLoss(
    dLogits: UnsafeMutablePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>?,
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let scale = 1 / (divisor ?? Double(rows))
    var total = 0.0
    for r in 0..<rows {
        let w = rowWeights?[r] ?? 1
        let z = logits + r * width, t = targets + r * width
        var rowLoss = 0.0
        for j in 0..<width {
            let zj = Double(z[j])
            rowLoss += max(zj, 0) - zj * Double(t[j]) + log1p(exp(-abs(zj)))
        }
        total += Double(w) * rowLoss
        if probabilities == nil && dLogits == nil { continue }
        let ws = Vec8.V(repeating: Float(Double(w) * scale))
        var j = 0
        while j < width {
            let rest = min(8, width - j)
            let p = Vec8.sigmoid(Vec8.load(z + j, count: rest))
            if let probabilities { Vec8.store(p, probabilities + r * width + j, count: rest) }
            if let dLogits {
                Vec8.store((p - Vec8.load(t + j, count: rest)) * ws, dLogits + r * width + j, count: rest)
            }
            j += 8
        }
    }
    return total * scale
}

/// The label as an index, trapping with a message when the data loader let
/// a bad one through.
@inline(__always)
private func checkedLabel(_ label: Int32, width: Int) -> Int {
    let index = Int(label)
    precondition(index >= 0 && index < width, "class label \(index) outside 0..<\(width)")
    return index
}

// MARK: - Naive references (test oracles), in Double, unfused

/// Reference of `sseLoss`.
public func sseLossReference(
    dInput: UnsafeMutablePointer<Float>?,
    input: UnsafePointer<Float>, target: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let d = divisor ?? Double(rows)
    var total = 0.0
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        for j in 0..<width {
            let i = r * width + j
            let e = Double(input[i]) - Double(target[i])
            total += 0.5 * w * e * e
            dInput?[i] = Float(w * e / d)
        }
    }
    return total / d
}

/// Reference of `mseLoss`.
public func mseLossReference(
    dInput: UnsafeMutablePointer<Float>?,
    input: UnsafePointer<Float>, target: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let d = (divisor ?? Double(rows)) * Double(width)
    var total = 0.0
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        for j in 0..<width {
            let i = r * width + j
            let e = Double(input[i]) - Double(target[i])
            total += w * e * e
            dInput?[i] = Float(2 * w * e / d)
        }
    }
    return total / d
}

/// Reference of `crossEntropyLoss` with labels.
public func crossEntropyLossReference(
    dInput: UnsafeMutablePointer<Float>?,
    probabilities: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    crossEntropyRowsReference(dInput, probabilities, rows: rows, width: width, rowWeights: rowWeights,
                              divisor: divisor) { r, j in j == checkedLabel(labels[r], width: width) ? 1 : 0 }
}

/// Reference of `crossEntropyLoss` with probability targets.
public func crossEntropyLossReference(
    dInput: UnsafeMutablePointer<Float>?,
    probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    crossEntropyRowsReference(dInput, probabilities, rows: rows, width: width, rowWeights: rowWeights,
                              divisor: divisor) { r, j in Double(targets[r * width + j]) }
}

private func crossEntropyRowsReference(
    _ dInput: UnsafeMutablePointer<Float>?, _ probabilities: UnsafePointer<Float>,
    rows: Int, width: Int, rowWeights: UnsafePointer<Float>?, divisor: Double?,
    target: (Int, Int) -> Double
) -> Double {
    let d = divisor ?? Double(rows)
    var total = 0.0
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        for j in 0..<width {
            let i = r * width + j
            let p = Double(max(probabilities[i], probabilityFloor)), t = target(r, j)
            if t != 0 { total -= w * t * log(p) }
            dInput?[i] = Float(-w * t / (p * d))
        }
    }
    return total / d
}

/// Reference of the fused softmax + cross-entropy (labels), UNFUSED: softmax,
/// then cross-entropy on the probabilities, then the softmax backward.
public func softmaxCrossEntropyLossReference(
    dLogits: UnsafeMutablePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>?,
    logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    softmaxCrossEntropyRowsReference(dLogits, probabilities, logits, rows: rows, width: width,
                                     rowWeights: rowWeights, divisor: divisor) { r, j in
        j == checkedLabel(labels[r], width: width) ? 1 : 0
    }
}

/// Reference of the fused softmax + cross-entropy (probability targets), UNFUSED.
public func softmaxCrossEntropyLossReference(
    dLogits: UnsafeMutablePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>?,
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    softmaxCrossEntropyRowsReference(dLogits, probabilities, logits, rows: rows, width: width,
                                     rowWeights: rowWeights, divisor: divisor) { r, j in
        Double(targets[r * width + j])
    }
}

/// Softmax in Double (log-sum-exp), then −Σ t log p, then dL/dp = −w t/(d p)
/// pushed back through the softmax Jacobian. Allocates one row (oracle only).
private func softmaxCrossEntropyRowsReference(
    _ dLogits: UnsafeMutablePointer<Float>?, _ probabilities: UnsafeMutablePointer<Float>?,
    _ logits: UnsafePointer<Float>,
    rows: Int, width: Int, rowWeights: UnsafePointer<Float>?, divisor: Double?,
    target: (Int, Int) -> Double
) -> Double {
    let d = divisor ?? Double(rows)
    var total = 0.0
    var p = [Double](repeating: 0, count: width), dp = p
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        var maximum = -Double.infinity
        for j in 0..<width { maximum = max(maximum, Double(logits[r * width + j])) }
        var sum = 0.0
        for j in 0..<width { sum += exp(Double(logits[r * width + j]) - maximum) }
        for j in 0..<width {
            let logP = Double(logits[r * width + j]) - maximum - log(sum)
            let t = target(r, j)
            p[j] = exp(logP)
            dp[j] = -w * t / (d * p[j])
            total -= w * t * logP
            probabilities?[r * width + j] = Float(p[j])
        }
        guard let dLogits else { continue }
        var dot = 0.0
        for j in 0..<width { dot += p[j] * dp[j] }
        for j in 0..<width { dLogits[r * width + j] = Float(p[j] * (dp[j] - dot)) }
    }
    return total / d
}

/// Reference of `binaryCrossEntropyLoss`.
public func binaryCrossEntropyLossReference(
    dInput: UnsafeMutablePointer<Float>?,
    probabilities: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let d = divisor ?? Double(rows)
    let lo = Double(probabilityFloor)
    var total = 0.0
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        for j in 0..<width {
            let i = r * width + j
            let p = min(max(Double(probabilities[i]), lo), 1 - lo), t = Double(targets[i])
            total -= w * (t * log(p) + (1 - t) * log(1 - p))
            dInput?[i] = Float(w * (-t / p + (1 - t) / (1 - p)) / d)
        }
    }
    return total / d
}

/// Reference of the fused sigmoid + binary cross-entropy, UNFUSED: the
/// sigmoid, then −[t log σ + (1 − t) log(1 − σ)] with log σ(z) = −log(1 + e^{−z})
/// written out in Double, then the chain rule through σ' = σ(1 − σ).
public func sigmoidBinaryCrossEntropyLossReference(
    dLogits: UnsafeMutablePointer<Float>?,
    probabilities: UnsafeMutablePointer<Float>?,
    logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
    rows: Int, width: Int,
    rowWeights: UnsafePointer<Float>? = nil, divisor: Double? = nil
) -> Double {
    let d = divisor ?? Double(rows)
    var total = 0.0
    for r in 0..<rows {
        let w = Double(rowWeights?[r] ?? 1)
        for j in 0..<width {
            let i = r * width + j
            let z = Double(logits[i]), t = Double(targets[i])
            let s = 1 / (1 + exp(-z))
            let logS = z >= 0 ? -log1p(exp(-z)) : z - log1p(exp(z))
            let log1mS = z >= 0 ? -z - log1p(exp(-z)) : -log1p(exp(z))
            total -= w * (t * logS + (1 - t) * log1mS)
            probabilities?[i] = Float(s)
            // dL/ds = −t/s + (1 − t)/(1 − s); ds/dz = s(1 − s).
            dLogits?[i] = Float(w * (-t * (1 - s) + (1 - t) * s) / d)
        }
    }
    return total / d
}
