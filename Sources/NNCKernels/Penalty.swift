/// Penalties (`penalty:` on a layer): extra terms Ω of the training loss.
///
/// Each forward returns Ω (accumulated in Double). Each backward ADDS (+=)
/// ∂Ω/∂· into a gradient buffer that already holds the loss's gradient: the
/// penalty is a second term of the same loss, so its gradient accumulates
/// like a second branch would.
///
/// The kernels sum over what they are given. Averaging over a batch is the
/// caller's λ: for a penalty on the activations of a batch of N examples the
/// runtime passes λ/N, so the penalty weighs per example as the batch-mean
/// loss does; for a penalty on weights it passes λ.
///
/// Oracles: the tests evaluate each Ω from its definition in Double (the
/// contractive one through the explicit Jacobian) and check the gradients by
/// central differences.

// MARK: - L1 and L2

/// Ω = λ Σ|v_i|. values: [count].
public func l1Penalty(values: UnsafePointer<Float>, count: Int, lambda: Float) -> Double {
    var total = 0.0
    var i = 0
    while i + 8 <= count {
        let v = Vec8.load(values + i)
        total += Double(v.replacing(with: -v, where: v .< 0).sum())
        i += 8
    }
    while i < count { total += Double(abs(values[i])); i += 1 }
    return Double(lambda) * total
}

/// dValues += λ·sign(v), the subgradient with sign(0) = 0. dValues, values: [count].
public func l1PenaltyBackward(dValues: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>,
                              count: Int, lambda: Float) {
    let plus = Vec8.V(repeating: lambda), zero = Vec8.V()
    var i = 0
    while i + 8 <= count {
        let v = Vec8.load(values + i)
        let s = zero.replacing(with: plus, where: v .> 0).replacing(with: -plus, where: v .< 0)
        Vec8.store(Vec8.load(dValues + i) + s, dValues + i)
        i += 8
    }
    while i < count {
        let v = values[i]
        dValues[i] += v > 0 ? lambda : (v < 0 ? -lambda : 0)
        i += 1
    }
}

/// Ω = λ Σ v_i² (no ½: the gradient is 2λv). values: [count].
public func l2Penalty(values: UnsafePointer<Float>, count: Int, lambda: Float) -> Double {
    var total = 0.0
    var i = 0
    while i + 8 <= count {
        let v = Vec8.load(values + i)
        total += Double((v * v).sum())
        i += 8
    }
    while i < count { total += Double(values[i]) * Double(values[i]); i += 1 }
    return Double(lambda) * total
}

/// dValues += 2λ·v. dValues, values: [count].
public func l2PenaltyBackward(dValues: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>,
                              count: Int, lambda: Float) {
    let twoLambda = 2 * lambda
    let k = Vec8.V(repeating: twoLambda)
    var i = 0
    while i + 8 <= count {
        Vec8.store(Vec8.load(dValues + i).addingProduct(k, Vec8.load(values + i)), dValues + i)
        i += 8
    }
    while i < count { dValues[i] += twoLambda * values[i]; i += 1 }
}

// MARK: - Contractive

/// The contractive penalty (Rifai et al. 2011) of a dense layer
/// h = σ(x·Wᵀ + b) with σ sigmoid or tanh, in closed form:
///
///   Ω = λ Σ_n ‖∂h_n/∂x_n‖²_F = λ Σ_n Σ_j (h'_nj)² s_j,  s_j = Σ_i W_ji²,
///
/// with h' taken from h (sigmoid: h(1 − h); tanh: 1 − h²).
/// - rowNormsSquared: [hiddenSize], OUTPUT: s_j, kept for the backward.
/// - hidden: [N, hiddenSize], the layer's forward output h.
/// - weight: [hiddenSize, inputSize].
public func contractivePenalty(
    rowNormsSquared: UnsafeMutablePointer<Float>,
    hidden: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    batch: Int, inputSize: Int, hiddenSize: Int,
    activation: Activation, lambda: Float
) -> Double {
    precondition(activation == .sigmoid || activation == .tanh, "contractive penalty needs sigmoid or tanh")
    for j in 0..<hiddenSize {
        var acc = 0.0
        for i in 0..<inputSize { let w = Double(weight[j * inputSize + i]); acc += w * w }
        rowNormsSquared[j] = Float(acc)
    }
    var total = 0.0
    for n in 0..<batch {
        let h = hidden + n * hiddenSize
        var acc = Vec8.V()
        var j = 0
        while j < hiddenSize {
            let rest = min(8, hiddenSize - j)
            let d = sigmoidOrTanhDerivative(activation, Vec8.load(h + j, count: rest))
            acc = acc.addingProduct(d * d, Vec8.load(rowNormsSquared + j, count: rest))
            j += 8
        }
        total += Double(acc.sum())
    }
    return Double(lambda) * total
}

/// Backward of `contractivePenalty`, both paths from W to Ω:
/// - through s_j: dWeight_ji += 2λ W_ji Σ_n (h'_nj)²  (ACCUMULATED);
/// - through h'_nj, a function of the pre-activation a_nj:
///   dPreactivation_nj += λ s_j ∂(h'²)/∂a, i.e. 2λ s_j h'² (1 − 2h) for
///   sigmoid and −4λ s_j h'² h for tanh (ACCUMULATED into the layer's dZ;
///   `denseBackwardLinear` then carries it to dW (+= δᵀx), db and dx).
///
/// - dPreactivation: [N, hiddenSize]; dWeight: [hiddenSize, inputSize].
/// - workspace: [hiddenSize] scratch (Σ_n (h'_nj)²).
/// - rowNormsSquared: [hiddenSize] from the forward; hidden: [N, hiddenSize];
///   weight: [hiddenSize, inputSize].
public func contractivePenaltyBackward(
    dPreactivation: UnsafeMutablePointer<Float>,
    dWeight: UnsafeMutablePointer<Float>,
    workspace: UnsafeMutablePointer<Float>,
    rowNormsSquared: UnsafePointer<Float>,
    hidden: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    batch: Int, inputSize: Int, hiddenSize: Int,
    activation: Activation, lambda: Float
) {
    precondition(activation == .sigmoid || activation == .tanh, "contractive penalty needs sigmoid or tanh")
    let squaredSums = workspace
    squaredSums.update(repeating: 0, count: hiddenSize)
    let lam = Vec8.V(repeating: lambda)
    for n in 0..<batch {
        let h = hidden + n * hiddenSize, dz = dPreactivation + n * hiddenSize
        var j = 0
        while j < hiddenSize {
            let rest = min(8, hiddenSize - j)
            let hv = Vec8.load(h + j, count: rest)
            let d = sigmoidOrTanhDerivative(activation, hv)
            let d2 = d * d
            Vec8.store(Vec8.load(squaredSums + j, count: rest) + d2, squaredSums + j, count: rest)
            // ∂(h'²)/∂a = 2h'·h''; h'' = h'(1 − 2h) (sigmoid), −2h·h' (tanh).
            let dd = activation == .sigmoid ? 2 * d2 * (1 - 2 * hv) : -4 * d2 * hv
            let delta = lam * Vec8.load(rowNormsSquared + j, count: rest) * dd
            Vec8.store(Vec8.load(dz + j, count: rest) + delta, dz + j, count: rest)
            j += 8
        }
    }
    for j in 0..<hiddenSize {
        let k = 2 * lambda * squaredSums[j]
        let w = weight + j * inputSize, dw = dWeight + j * inputSize
        let kv = Vec8.V(repeating: k)
        var i = 0
        while i + 8 <= inputSize { Vec8.store(Vec8.load(dw + i).addingProduct(kv, Vec8.load(w + i)), dw + i); i += 8 }
        while i < inputSize { dw[i] += k * w[i]; i += 1 }
    }
}

/// h' from h: sigmoid h(1 − h), tanh 1 − h².
@inline(__always)
private func sigmoidOrTanhDerivative(_ activation: Activation, _ h: Vec8.V) -> Vec8.V {
    activation == .sigmoid ? h * (1 - h) : 1 - h * h
}
