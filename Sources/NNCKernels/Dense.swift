/// Dense (fully connected) layer: y = act(x·Wᵀ + b).
///
/// Shapes (N = batch; on a sequence [N, T, F] pass N·T as the batch, the
/// layer applies at every step):
/// - input x: [N, inputSize]
/// - weight W: [outputSize, inputSize] (row j holds unit j's input weights)
/// - bias b: [outputSize], or nil for `bias: false`
/// - output y: [N, outputSize]
///
/// Forward is one gemm plus one fused bias + activation pass (the fusion
/// rule `dense+bias+activation`); backward is the activation backward then
/// two gemms and a column sum. Parameter gradients dW, db ACCUMULATE (+=);
/// the activation gradients dPreactivation and dInput are ASSIGNED (=).

// MARK: - Fast kernels

/// output = act(input·Wᵀ + b).
public func denseForward(
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    batch: Int, inputSize: Int, outputSize: Int,
    activation: Activation,
    pool: ThreadPool? = nil
) {
    gemm(.none, .transposed, m: batch, n: outputSize, k: inputSize, alpha: 1,
         a: input, lda: inputSize, b: weight, ldb: inputSize,
         beta: 0, c: output, ldc: outputSize, split: denseSplits(outputSize: outputSize, pool: pool).forward,
         epilogue: GEMMEpilogue(bias: bias, activation: activation), pool: pool)
}

/// How a dense layer's products split over threads. With enough output units,
/// by units in both the forward (columns of y) and the weight update (rows of
/// W), in the same bands: each thread reads and updates the same rows of W
/// step after step, in its own core's cache. (The input gradient dZ·W keeps
/// the default split.)
func denseSplits(outputSize: Int, pool: ThreadPool?) -> (forward: GEMMSplit, weightUpdate: GEMMSplit) {
    let threads = pool?.threadCount ?? 1
    return outputSize >= 2 * GEMMBlocking.nr * threads ? (.columns, .rowsAsColumns) : (.largerSide, .largerSide)
}

/// The fused pass, in place: y = act(y + b) row by row (one read and one
/// write of y instead of two of each).
/// output: [rows, width], rows `rowStride` apart (default: width); bias: [width] or nil.
public func biasActivationForward(
    _ activation: Activation,
    output: UnsafeMutablePointer<Float>,
    bias: UnsafePointer<Float>?,
    rows: Int, width: Int,
    rowStride: Int? = nil
) {
    let stride = rowStride ?? width
    if activation == .softmax {
        for r in 0..<rows {
            let y = output + r * stride
            if let bias { addRowVector(y, bias, rows: 1, width: width) }
            softmaxRow(y, y, width)
        }
        return
    }
    guard let bias else {
        if stride == width {
            applyActivation(activation, output, output, count: rows * width)
        } else {
            for r in 0..<rows { applyActivation(activation, output + r * stride, output + r * stride, count: width) }
        }
        return
    }
    for r in 0..<rows {
        let y = output + r * stride
        var j = 0
        #if NNC_AVX512
        while j + 16 <= width {
            Vec16.store(activationValue(activation, Vec16.load(y + j) + Vec16.load(bias + j)), y + j)
            j += 16
        }
        #endif
        while j + 8 <= width {
            Vec8.store(activationValue(activation, Vec8.load(y + j) + Vec8.load(bias + j)), y + j)
            j += 8
        }
        if j < width {
            let rest = width - j
            let v = Vec8.loadPartial(y + j, rest) + Vec8.loadPartial(bias + j, rest)
            Vec8.storePartial(activationValue(activation, v), y + j, rest)
        }
    }
}

/// y[r, j] += b[j], a separate pass (the unfused sequence).
/// output: [rows, width]; bias: [width].
public func biasAdd(output: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, rows: Int, width: Int) {
    addRowVector(output, bias, rows: rows, width: width)
}

/// Full backward: dPreactivation = act'(·) ⊙ dOutput (ASSIGNED), then
/// `denseBackwardLinear`.
/// - dInput: [N, inputSize] or nil (not needed for the first layer); ASSIGNED.
/// - dWeight: [outputSize, inputSize]; ACCUMULATED.
/// - dBias: [outputSize] or nil; ACCUMULATED.
/// - dPreactivation: [N, outputSize] workspace; may be the same buffer as
///   dOutput (the gradient w.r.t. the output is then overwritten).
/// - dOutput, output: [N, outputSize]; input: [N, inputSize]; weight: [outputSize, inputSize].
public func denseBackward(
    dInput: UnsafeMutablePointer<Float>?,
    dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>?,
    dPreactivation: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    output: UnsafePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    batch: Int, inputSize: Int, outputSize: Int,
    activation: Activation,
    pool: ThreadPool? = nil
) {
    activationBackward(activation, dInput: dPreactivation, dOutput: dOutput, output: output,
                       rows: batch, width: outputSize)
    denseBackwardLinear(dInput: dInput, dWeight: dWeight, dBias: dBias, dPreactivation: dPreactivation,
                        input: input, weight: weight, batch: batch, inputSize: inputSize,
                        outputSize: outputSize, pool: pool)
}

/// The linear part of the backward, from the pre-activation gradient dZ
/// (so that extra terms, e.g. the contractive penalty's, can be added to dZ
/// first): dW += dZᵀ·x, db += Σ_n dZ, dInput = dZ·W.
/// Shapes as in `denseBackward`; dPreactivation: [N, outputSize].
public func denseBackwardLinear(
    dInput: UnsafeMutablePointer<Float>?,
    dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>?,
    dPreactivation: UnsafePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    batch: Int, inputSize: Int, outputSize: Int,
    pool: ThreadPool? = nil
) {
    gemm(.transposed, .none, m: outputSize, n: inputSize, k: batch, alpha: 1,
         a: dPreactivation, lda: outputSize, b: input, ldb: inputSize,
         beta: 1, c: dWeight, ldc: inputSize, split: denseSplits(outputSize: outputSize, pool: pool).weightUpdate,
         pool: pool)
    if let dBias { addColumnSums(dBias, dPreactivation, rows: batch, width: outputSize) }
    if let dInput {
        gemm(.none, .none, m: batch, n: inputSize, k: outputSize, alpha: 1,
             a: dPreactivation, lda: outputSize, b: weight, ldb: inputSize,
             beta: 0, c: dInput, ldc: inputSize, pool: pool)
    }
}

/// The linear part of the backward with a plain SGD step folded in, for
/// training that keeps no gradient of this layer (SGD without momentum, no
/// clipping, no penalty on the weights): dInput = dZ·W with W as it was
/// (ASSIGNED), then
///   W ← W − lr·dZᵀ·x     (one GEMM into W: alpha −lr, beta 1)
///   b ← b − lr·Σ_n dZ    (`sgdUpdate` on the column sums in `biasScratch`)
/// — one pass over W instead of three (write dW, read it and W, write W).
/// b gets the bits of `denseBackwardLinear` into a zeroed db then `sgdUpdate`;
/// W the same sums, with −lr applied to dZ before the products instead of to
/// their sum (reassociation). Shapes as in `denseBackwardLinear`;
/// biasScratch: [outputSize] when there is a bias.
public func denseBackwardSGD(
    dInput: UnsafeMutablePointer<Float>?,
    weight: UnsafeMutablePointer<Float>,
    bias: UnsafeMutablePointer<Float>?,
    biasScratch: UnsafeMutablePointer<Float>?,
    dPreactivation: UnsafePointer<Float>,
    input: UnsafePointer<Float>,
    batch: Int, inputSize: Int, outputSize: Int,
    learningRate: Float,
    pool: ThreadPool? = nil
) {
    if let dInput {
        gemm(.none, .none, m: batch, n: inputSize, k: outputSize, alpha: 1,
             a: dPreactivation, lda: outputSize, b: weight, ldb: inputSize,
             beta: 0, c: dInput, ldc: inputSize, pool: pool)
    }
    gemm(.transposed, .none, m: outputSize, n: inputSize, k: batch, alpha: -learningRate,
         a: dPreactivation, lda: outputSize, b: input, ldb: inputSize,
         beta: 1, c: weight, ldc: inputSize, split: denseSplits(outputSize: outputSize, pool: pool).weightUpdate,
         pool: pool)
    if let bias, let biasScratch {
        biasScratch.update(repeating: 0, count: outputSize)
        addColumnSums(biasScratch, dPreactivation, rows: batch, width: outputSize)
        sgdUpdate(parameters: bias, velocity: nil, gradients: biasScratch, count: outputSize,
                  learningRate: learningRate, momentum: 0, nesterov: false)
    }
}

// MARK: - Unfused references (test oracles)

/// Reference forward: gemmReference, then a bias-add pass, then the
/// reference activation, each separately. Same contract as `denseForward`.
public func denseForwardReference(
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    batch: Int, inputSize: Int, outputSize: Int,
    activation: Activation
) {
    gemmReference(.none, .transposed, m: batch, n: outputSize, k: inputSize, alpha: 1,
                  a: input, lda: inputSize, b: weight, ldb: inputSize,
                  beta: 0, c: output, ldc: outputSize)
    if let bias {
        for n in 0..<batch {
            for j in 0..<outputSize { output[n * outputSize + j] += bias[j] }
        }
    }
    activationForwardReference(activation, output: output, input: output, rows: batch, width: outputSize)
}

/// Reference backward, unfused and naive. Same contract as `denseBackward`.
public func denseBackwardReference(
    dInput: UnsafeMutablePointer<Float>?,
    dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>?,
    dPreactivation: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    output: UnsafePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    batch: Int, inputSize: Int, outputSize: Int,
    activation: Activation
) {
    activationBackwardReference(activation, dInput: dPreactivation, dOutput: dOutput, output: output,
                                rows: batch, width: outputSize)
    gemmReference(.transposed, .none, m: outputSize, n: inputSize, k: batch, alpha: 1,
                  a: dPreactivation, lda: outputSize, b: input, ldb: inputSize,
                  beta: 1, c: dWeight, ldc: inputSize)
    if let dBias {
        for j in 0..<outputSize {
            var sum = 0.0
            for n in 0..<batch { sum += Double(dPreactivation[n * outputSize + j]) }
            dBias[j] += Float(sum)
        }
    }
    if let dInput {
        gemmReference(.none, .none, m: batch, n: inputSize, k: outputSize, alpha: 1,
                      a: dPreactivation, lda: outputSize, b: weight, ldb: inputSize,
                      beta: 0, c: dInput, ldc: inputSize)
    }
}
