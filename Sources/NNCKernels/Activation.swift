#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The activation functions of the spec (`activation:` on a layer, or a bare
/// activation layer).
///
/// Conventions at 0: `step(0) = 1` and `sign(0) = 1` (the threshold unit
/// fires at its threshold, as Θ(Σ w·x − s) does); `relu'(0) = 0`.
public enum Activation: String, Sendable, CaseIterable {
    case linear, relu, sigmoid, tanh, arctan, softmax, step, sign

    /// The spec's spelling; accepts `logistic` as an alias of `sigmoid`.
    public init?(name: String) {
        if name == "logistic" {
            self = .sigmoid
        } else {
            self.init(rawValue: name)
        }
    }

    /// False for `step` and `sign`: their derivative is 0 wherever it exists,
    /// so backprop cannot train through them (the checker rejects it; the
    /// backward kernel returns zeros).
    public var isDifferentiable: Bool {
        switch self {
        case .linear, .relu, .sigmoid, .tanh, .arctan, .softmax: true
        case .step, .sign: false
        }
    }

    /// True for the functions of one element; false for softmax (one row).
    public var isElementwise: Bool { self != .softmax }
}

// MARK: - Fast kernels

/// Forward: output = f(input).
///
/// - output: [rows, width]; may be the same buffer as `input` (in place).
/// - input: [rows, width].
/// Softmax is per row and numerically stable (the row maximum is subtracted).
public func activationForward(
    _ activation: Activation,
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    rows: Int, width: Int
) {
    if activation == .softmax {
        for r in 0..<rows { softmaxRow(output + r * width, input + r * width, width) }
    } else {
        applyActivation(activation, output, input, count: rows * width)
    }
}

/// Backward: dInput = f'(x) ⊙ dOutput, computed from the forward OUTPUT alone
/// (arctan: 1/(1 + x²) = cos²(y) with y = atan x), so no pre-activation needs
/// to be stored. dInput is ASSIGNED (=), not accumulated.
///
/// - dInput: [rows, width]; may be the same buffer as `dOutput`.
/// - dOutput: [rows, width], the gradient w.r.t. the output.
/// - output: [rows, width], the forward output.
/// Softmax: dx_j = y_j (dy_j − Σ_k y_k dy_k) per row. step, sign: zeros.
public func activationBackward(
    _ activation: Activation,
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    output: UnsafePointer<Float>,
    rows: Int, width: Int
) {
    if activation == .softmax {
        for r in 0..<rows {
            softmaxBackwardRow(dInput + r * width, dOutput + r * width, output + r * width, width)
        }
        return
    }
    let count = rows * width
    var i = 0
    while i + 8 <= count {
        Vec8.store(Vec8.load(dOutput + i) * activationDerivative(activation, output: Vec8.load(output + i)), dInput + i)
        i += 8
    }
    if i < count {
        let rest = count - i
        let d = Vec8.loadPartial(dOutput + i, rest) * activationDerivative(activation, output: Vec8.loadPartial(output + i, rest))
        Vec8.storePartial(d, dInput + i, rest)
    }
}

/// f(x) lane-wise for an elementwise activation (softmax is not one).
/// Transparent: inlined into every loop (the switch is then a predictable
/// branch; an out-of-line call per vector would cost more than the math).
@_transparent
func activationValue(_ activation: Activation, _ x: Vec8.V) -> Vec8.V {
    switch activation {
    case .linear: return x
    case .relu: return x.replacing(with: 0, where: x .< 0)
    case .sigmoid: return Vec8.sigmoid(x)
    case .tanh: return Vec8.tanh(x)
    case .arctan:
        // Rare (small MLPs): libm per lane.
        var y = x
        for k in 0..<8 { y[k] = atan(x[k]) }
        return y
    case .step: return Vec8.V(repeating: 0).replacing(with: 1, where: x .>= 0)
    case .sign: return Vec8.V(repeating: -1).replacing(with: 1, where: x .>= 0)
    case .softmax: preconditionFailure("softmax is a row-wise activation")
    }
}

/// The same f(x) sixteen lanes at a time (`Vec16`: the same bits per lane).
@_transparent
func activationValue(_ activation: Activation, _ x: Vec16.V) -> Vec16.V {
    switch activation {
    case .linear: return x
    case .relu: return x.replacing(with: 0, where: x .< 0)
    case .sigmoid: return Vec16.sigmoid(x)
    case .tanh: return Vec16.tanh(x)
    case .arctan:
        var y = x
        for k in 0..<16 { y[k] = atan(x[k]) }
        return y
    case .step: return Vec16.V(repeating: 0).replacing(with: 1, where: x .>= 0)
    case .sign: return Vec16.V(repeating: -1).replacing(with: 1, where: x .>= 0)
    case .softmax: preconditionFailure("softmax is a row-wise activation")
    }
}

/// f'(x) lane-wise, expressed through y = f(x). Transparent, as activationValue.
@_transparent
func activationDerivative(_ activation: Activation, output y: Vec8.V) -> Vec8.V {
    switch activation {
    case .linear: return Vec8.V(repeating: 1)
    case .relu: return Vec8.V(repeating: 0).replacing(with: 1, where: y .> 0)
    case .sigmoid: return y * (1 - y)
    case .tanh: return 1 - y * y
    case .arctan:
        var d = y
        for k in 0..<8 { let c = cos(y[k]); d[k] = c * c }
        return d
    case .step, .sign: return Vec8.V(repeating: 0)
    case .softmax: preconditionFailure("softmax is a row-wise activation")
    }
}

/// output[i] = f(input[i]) over `count` elements; output may alias input.
@inline(__always)
func applyActivation(_ activation: Activation, _ output: UnsafeMutablePointer<Float>,
                     _ input: UnsafePointer<Float>, count: Int) {
    if activation == .linear {
        if UnsafePointer(output) != input { output.update(from: input, count: count) }
        return
    }
    var i = 0
    #if NNC_AVX512
    while i + 16 <= count {
        Vec16.store(activationValue(activation, Vec16.load(input + i)), output + i)
        i += 16
    }
    #endif
    while i + 8 <= count {
        Vec8.store(activationValue(activation, Vec8.load(input + i)), output + i)
        i += 8
    }
    if i < count {
        let rest = count - i
        Vec8.storePartial(activationValue(activation, Vec8.loadPartial(input + i, rest)), output + i, rest)
    }
}

/// One softmax row: y = e^{x − max} / Σ e^{x − max}. y: [width]; x: [width]; may alias.
@inline(__always)
func softmaxRow(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ width: Int) {
    let total = softmaxExponentials(y, x, width)
    scaleRow(y, by: 1 / total, width)
}

/// Writes e^{x − max} into `e` (may alias x) and returns their sum; the tool
/// of softmax and of the fused softmax + cross-entropy. e: [width]; x: [width].
@inline(__always)
func softmaxExponentials(_ e: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ width: Int) -> Float {
    let maximum = rowMaximum(x, width)
    let m = Vec8.V(repeating: maximum)
    var acc = Vec8.V()
    var j = 0
    while j + 8 <= width {
        let v = Vec8.exp(Vec8.load(x + j) - m)
        Vec8.store(v, e + j)
        acc += v
        j += 8
    }
    var total = acc.sum()
    if j < width {
        let rest = width - j
        let v = Vec8.exp(Vec8.loadPartial(x + j, rest) - m)
        Vec8.storePartial(v, e + j, rest)
        for k in 0..<rest { total += v[k] }
    }
    return total
}

/// max_j x[j] (NaN-free rows; a NaN is ignored here and surfaces in exp).
@inline(__always)
func rowMaximum(_ x: UnsafePointer<Float>, _ width: Int) -> Float {
    var m = Vec8.V(repeating: -.infinity)
    var j = 0
    while j + 8 <= width {
        let v = Vec8.load(x + j)
        m.replace(with: v, where: v .> m)
        j += 8
    }
    var maximum = m.max()
    while j < width { maximum = max(maximum, x[j]); j += 1 }
    return maximum
}

/// y[j] *= s. y: [width].
@inline(__always)
func scaleRow(_ y: UnsafeMutablePointer<Float>, by s: Float, _ width: Int) {
    let sv = Vec8.V(repeating: s)
    var j = 0
    while j + 8 <= width { Vec8.store(Vec8.load(y + j) * sv, y + j); j += 8 }
    while j < width { y[j] *= s; j += 1 }
}

/// dx = y ⊙ (dy − ⟨y, dy⟩) for one row; dx may alias dy. All: [width].
@inline(__always)
func softmaxBackwardRow(_ dx: UnsafeMutablePointer<Float>, _ dy: UnsafePointer<Float>,
                        _ y: UnsafePointer<Float>, _ width: Int) {
    var acc = Vec8.V()
    var j = 0
    while j + 8 <= width { acc = acc.addingProduct(Vec8.load(y + j), Vec8.load(dy + j)); j += 8 }
    var dot = acc.sum()
    while j < width { dot += y[j] * dy[j]; j += 1 }
    let dv = Vec8.V(repeating: dot)
    j = 0
    while j + 8 <= width { Vec8.store(Vec8.load(y + j) * (Vec8.load(dy + j) - dv), dx + j); j += 8 }
    while j < width { dx[j] = y[j] * (dy[j] - dot); j += 1 }
}

// MARK: - Naive references (test oracles), computed in Double

/// Reference forward, same contract as `activationForward`.
public func activationForwardReference(
    _ activation: Activation,
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    rows: Int, width: Int
) {
    for r in 0..<rows {
        let x = input + r * width, y = output + r * width
        if activation == .softmax {
            var maximum = -Double.infinity
            for j in 0..<width { maximum = max(maximum, Double(x[j])) }
            var total = 0.0
            for j in 0..<width { total += exp(Double(x[j]) - maximum) }
            for j in 0..<width { y[j] = Float(exp(Double(x[j]) - maximum) / total) }
        } else {
            for j in 0..<width { y[j] = Float(activationReference(activation, Double(x[j]))) }
        }
    }
}

/// Reference backward, same contract as `activationBackward`.
public func activationBackwardReference(
    _ activation: Activation,
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    output: UnsafePointer<Float>,
    rows: Int, width: Int
) {
    for r in 0..<rows {
        let dy = dOutput + r * width, y = output + r * width, dx = dInput + r * width
        if activation == .softmax {
            var dot = 0.0
            for j in 0..<width { dot += Double(y[j]) * Double(dy[j]) }
            for j in 0..<width { dx[j] = Float(Double(y[j]) * (Double(dy[j]) - dot)) }
        } else {
            for j in 0..<width {
                dx[j] = Float(Double(dy[j]) * activationDerivativeReference(activation, output: Double(y[j])))
            }
        }
    }
}

/// f(x) in Double for an elementwise activation.
public func activationReference(_ activation: Activation, _ x: Double) -> Double {
    switch activation {
    case .linear: return x
    case .relu: return x > 0 ? x : 0
    case .sigmoid: return 1 / (1 + exp(-x))
    case .tanh: return tanh(x)
    case .arctan: return atan(x)
    case .step: return x >= 0 ? 1 : 0
    case .sign: return x >= 0 ? 1 : -1
    case .softmax: preconditionFailure("softmax is a row-wise activation")
    }
}

/// f'(x) in Double from y = f(x), for an elementwise activation.
public func activationDerivativeReference(_ activation: Activation, output y: Double) -> Double {
    switch activation {
    case .linear: return 1
    case .relu: return y > 0 ? 1 : 0
    case .sigmoid: return y * (1 - y)
    case .tanh: return 1 - y * y
    case .arctan: return cos(y) * cos(y)
    case .step, .sign: return 0
    case .softmax: preconditionFailure("softmax is a row-wise activation")
    }
}
