/// Dropout and input corruption (the `dropout` and `noise` layers), active in
/// training only: at inference the runtime skips these kernels (identity).
///
/// Forward records a per-unit `mask` so that backward is one multiply:
/// dInput = dOutput ⊙ mask, ASSIGNED (=). Every buffer: [count] (any shape,
/// flat). `output` may be the same buffer as `input`, `dInput` as `dOutput`.
/// Random draws are taken in element order from the caller's generator, one
/// per unit, so a seed gives the same mask on every machine.

// MARK: - Dropout

/// Inverted dropout: each unit is kept with probability 1 − rate and then
/// scaled by 1/(1 − rate), so E[output] = input and inference needs no
/// rescaling. mask[i] is 0 (dropped) or 1/(1 − rate) (kept). A rate ≥ 1
/// drops everything (the checker only admits 0 ≤ rate < 1).
public func dropoutForward(
    output: UnsafeMutablePointer<Float>,
    mask: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    count: Int,
    rate: Float,
    random: inout SeededRandom
) {
    let keep: Float = rate < 1 ? 1 / (1 - rate) : 0
    for i in 0..<count { mask[i] = random.uniformFloat() < rate ? 0 : keep }
    multiplyElementwise(output, input, mask, count: count)
}

/// dInput = dOutput ⊙ mask (ASSIGNED).
public func dropoutBackward(
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    mask: UnsafePointer<Float>,
    count: Int
) {
    multiplyElementwise(dInput, dOutput, mask, count: count)
}

// MARK: - Noise

/// The corruptions of the `noise` layer (denoising autoencoders).
public enum Noise: Sendable, Equatable {
    /// x + std·ε, ε ~ N(0, 1) per unit. mask: all ones (additive noise passes
    /// the gradient unchanged).
    case gaussian(std: Float)
    /// Each unit set to 0 with probability p (masking noise; no rescaling,
    /// unlike dropout). mask: 0 for zeroed units, 1 otherwise.
    case mask(probability: Float)
    /// Each unit, with probability p, replaced by `low` or `high` with equal
    /// chance (salt and pepper: the data's minimum and maximum, 0 and 1 for
    /// binary data; pass −1 and 1 for bipolar). mask: 0 for replaced units
    /// (their output no longer depends on the input), 1 otherwise.
    case saltPepper(probability: Float, low: Float = 0, high: Float = 1)
}

/// Corrupts input into output and records the mask. One uniform draw per
/// unit decides mask and salt-pepper (u < p corrupts; u < p/2 picks `low`);
/// gaussian takes one normal draw per unit.
public func noiseForward(
    output: UnsafeMutablePointer<Float>,
    mask: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    count: Int,
    noise: Noise,
    random: inout SeededRandom
) {
    switch noise {
    case .gaussian(let std):
        for i in 0..<count { output[i] = input[i] + std * random.normalFloat() }
        mask.update(repeating: 1, count: count)
    case .mask(let p):
        for i in 0..<count { mask[i] = random.uniformFloat() < p ? 0 : 1 }
        multiplyElementwise(output, input, mask, count: count)
    case .saltPepper(let p, let low, let high):
        for i in 0..<count {
            let u = random.uniformFloat()
            if u < p {
                output[i] = u < p / 2 ? low : high
                mask[i] = 0
            } else {
                output[i] = input[i]
                mask[i] = 1
            }
        }
    }
}

/// dInput = dOutput ⊙ mask (ASSIGNED).
public func noiseBackward(
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    mask: UnsafePointer<Float>,
    count: Int
) {
    multiplyElementwise(dInput, dOutput, mask, count: count)
}

/// out = a ⊙ b; out may alias a. All: [count].
@inline(__always)
private func multiplyElementwise(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>,
                                 _ b: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count { Vec8.store(Vec8.load(a + i) * Vec8.load(b + i), out + i); i += 8 }
    while i < count { out[i] = a[i] * b[i]; i += 1 }
}
