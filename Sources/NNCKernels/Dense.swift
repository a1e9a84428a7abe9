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

/// output = act(input·Wᵀ + b). With `transposeScratch` (at least
/// `DenseTransposition.scratchCount` floats) and `DenseTransposition.unitsAsRows`,
/// the product runs with units as rows, yᵀ = W·xᵀ, into the scratch, and each
/// thread writes its band of units into y transposed: the same bits.
public func denseForward(
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    batch: Int, inputSize: Int, outputSize: Int,
    activation: Activation,
    transposeScratch: UnsafeMutablePointer<Float>? = nil,
    pool: ThreadPool? = nil
) {
    let splits = denseSplits(outputSize: outputSize, pool: pool)
    guard let scratch = transposeScratch,
          DenseTransposition(batch: batch, inputSize: inputSize, outputSize: outputSize).unitsAsRows else {
        gemm(.none, .transposed, m: batch, n: outputSize, k: inputSize, alpha: 1,
             a: input, lda: inputSize, b: weight, ldb: inputSize,
             beta: 0, c: output, ldc: outputSize, split: splits.forward,
             epilogue: GEMMEpilogue(bias: bias, activation: activation), pool: pool)
        return
    }
    // yᵀ [units, batch] = W · xᵀ: W read in place, x packed, C's rows split by units
    // in the weight update's bands. Softmax (whole rows of y) runs after the transposition.
    let rowWise = activation == .softmax
    gemm(.none, .transposed, m: outputSize, n: batch, k: inputSize, alpha: 1,
         a: weight, lda: inputSize, b: input, ldb: inputSize,
         beta: 0, c: scratch, ldc: batch, split: splits.weightUpdate,
         epilogue: GEMMEpilogue(bias: bias, activation: rowWise ? .linear : activation,
                                transposedOutput: output, transposedStride: outputSize), pool: pool)
    if rowWise { biasActivationForward(.softmax, output: output, bias: nil, rows: batch, width: outputSize) }
}

/// Whether a dense layer's products run with units as C's rows (yᵀ = W·xᵀ,
/// dXᵀ = Wᵀ·dZᵀ) instead of examples: W is then read in place and the
/// examples' side (x, dZ) is packed instead of W, at the price of copying the
/// result back transposed. That pays when both sides of W outnumber the
/// examples. nnc bench --gemm, 1 thread, batch 64: the 784→256 forward
/// 208 → 239 GFLOP/s, 256→784 206 → 250, its input gradient 207 → 238, and
/// 2048→2048 180 → 241 (forward) and 139 → 245 (input gradient); the copy
/// back is a few µs (16×16 tiles). With a side of 32 (the autoencoder's
/// 256→32→256) the copy cost more than the packing saved. Same bits: each
/// element's sum runs over the same k in the same order.
public struct DenseTransposition {
    /// Both products (forward, input gradient) run transposed.
    public let unitsAsRows: Bool
    /// Floats of scratch for the transposed results: [batch, max(in, out)].
    public let scratchCount: Int

    public init(batch: Int, inputSize: Int, outputSize: Int) {
        // At least two 16-column slivers of examples, two 12-row tiles of units, and
        // W larger than x and y on both sides.
        unitsAsRows = batch >= 2 * GEMMBlocking.nr && min(inputSize, outputSize) >= max(batch, 2 * GEMMBlocking.mr)
        scratchCount = unitsAsRows ? batch * max(inputSize, outputSize) : 0
    }
}

/// dInput = dZ·W (ASSIGNED), transposed through the scratch when
/// `DenseTransposition.unitsAsRows` (dXᵀ = Wᵀ·dZᵀ: Wᵀ read in place).
func denseInputGradient(
    _ dInput: UnsafeMutablePointer<Float>, dPreactivation: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    batch: Int, inputSize: Int, outputSize: Int, transposeScratch: UnsafeMutablePointer<Float>?, pool: ThreadPool?
) {
    guard let scratch = transposeScratch,
          DenseTransposition(batch: batch, inputSize: inputSize, outputSize: outputSize).unitsAsRows else {
        gemm(.none, .none, m: batch, n: inputSize, k: outputSize, alpha: 1,
             a: dPreactivation, lda: outputSize, b: weight, ldb: inputSize,
             beta: 0, c: dInput, ldc: inputSize, pool: pool)
        return
    }
    gemm(.transposed, .transposed, m: inputSize, n: batch, k: outputSize, alpha: 1,
         a: weight, lda: inputSize, b: dPreactivation, ldb: outputSize,
         beta: 0, c: scratch, ldc: batch,
         epilogue: GEMMEpilogue(bias: nil, activation: .linear, transposedOutput: dInput, transposedStride: inputSize),
         pool: pool)
}

/// c [outputSize, inputSize] += alpha · dZᵀ·x: the weight gradient (alpha 1 into
/// dW) or the folded SGD step (alpha −lr into W), split by units like the forward.
func denseWeightProduct(alpha: Float, dPreactivation: UnsafePointer<Float>, input: UnsafePointer<Float>,
                        into c: UnsafeMutablePointer<Float>, batch: Int, inputSize: Int, outputSize: Int,
                        pool: ThreadPool?) {
    gemm(.transposed, .none, m: outputSize, n: inputSize, k: batch, alpha: alpha,
         a: dPreactivation, lda: outputSize, b: input, ldb: inputSize,
         beta: 1, c: c, ldc: inputSize, split: denseSplits(outputSize: outputSize, pool: pool).weightUpdate,
         pool: pool)
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
/// - transposeScratch: nil, or `DenseTransposition.scratchCount` floats (as in `denseForward`).
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
    transposeScratch: UnsafeMutablePointer<Float>? = nil,
    pool: ThreadPool? = nil
) {
    activationBackward(activation, dInput: dPreactivation, dOutput: dOutput, output: output,
                       rows: batch, width: outputSize)
    denseBackwardLinear(dInput: dInput, dWeight: dWeight, dBias: dBias, dPreactivation: dPreactivation,
                        input: input, weight: weight, batch: batch, inputSize: inputSize,
                        outputSize: outputSize, transposeScratch: transposeScratch, pool: pool)
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
    transposeScratch: UnsafeMutablePointer<Float>? = nil,
    pool: ThreadPool? = nil
) {
    denseWeightProduct(alpha: 1, dPreactivation: dPreactivation, input: input, into: dWeight,
                       batch: batch, inputSize: inputSize, outputSize: outputSize, pool: pool)
    if let dBias { addColumnSums(dBias, dPreactivation, rows: batch, width: outputSize) }
    if let dInput {
        denseInputGradient(dInput, dPreactivation: dPreactivation, weight: weight, batch: batch, inputSize: inputSize,
                           outputSize: outputSize, transposeScratch: transposeScratch, pool: pool)
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
    transposeScratch: UnsafeMutablePointer<Float>? = nil,
    pool: ThreadPool? = nil
) {
    if let dInput {
        denseInputGradient(dInput, dPreactivation: dPreactivation, weight: weight, batch: batch, inputSize: inputSize,
                           outputSize: outputSize, transposeScratch: transposeScratch, pool: pool)
    }
    denseWeightProduct(alpha: -learningRate, dPreactivation: dPreactivation, input: input, into: weight,
                       batch: batch, inputSize: inputSize, outputSize: outputSize, pool: pool)
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
