import NNCKernels

/// Fused forms of steps: what one kernel pass can do instead of several, and
/// what an inference pass with fixed weights can skip.
extension Plan {
    /// A conv step (with its fused activation and max pool) in one kernel call:
    /// the epilogue applied while the result is in cache, the same values as the
    /// separate kernels. Training keeps the pooling indices (the pool's backward
    /// reads them; with a fused max pool the conv output itself is not needed);
    /// inference keeps none. False when the kernel does not take this shape (the
    /// caller runs the separate kernels). c.geometry.batch is already n.
    func convFusedForward(_ step: Step, _ c: Step.ConvStep, input x: UnsafePointer<Float>, _ n: Int,
                          training: Bool) -> Bool {
        var output = ptr(step.node)
        var maxPool: Pool2DGeometry?
        var indices: UnsafeMutablePointer<Int32>?
        if case (let poolNode, var p)? = c.pool {
            guard p.isMax else { return false }   // average pooling runs after the activation: separate kernels
            p.geometry.batch = n
            maxPool = p.geometry
            output = ptr(poolNode)
            if training {
                guard let buffer = p.indices else { return false }
                indices = buffer.pointer
            }
        }
        return conv2dFusedForward(output: output, input: x, weight: parameters.pointer(c.weight),
                                  bias: c.bias.map { UnsafePointer(parameters.pointer($0)) }, geometry: c.geometry,
                                  activation: c.activation, maxPool: maxPool, poolIndices: indices,
                                  workspace: c.workspace.buffer, pool: pool)
    }
}

extension Plan {
    /// Packs every dense layer's Wᵀ in the GEMM's layout once, for inference
    /// passes with weights that no longer change (`nnc bench`'s inference, a
    /// deployed model): the forward GEMMs then skip packing their weights
    /// (where that gives the same bits; other shapes run as before). The caller
    /// must not change the parameters while the plan is used for inference:
    /// `thawWeights()` drops the copies. Training passes never use them.
    public func freezeWeights() {
        for (i, step) in steps.enumerated() {
            guard case .dense(var d) = step.kind, gemmCanPackB(n: d.outputSize) else { continue }
            let packed = FloatBuffer(count: gemmPackedBSize(k: d.inputSize, n: d.outputSize))
            gemmPackB(.transposed, k: d.inputSize, n: d.outputSize, b: parameters.pointer(d.weight), ldb: d.inputSize,
                      into: packed.pointer)
            d.packedWeight = packed
            steps[i].kind = .dense(d)
        }
    }

    /// Drops the packed copies of `freezeWeights` (the parameters may change again).
    public func thawWeights() {
        for (i, step) in steps.enumerated() {
            guard case .dense(var d) = step.kind, d.packedWeight != nil else { continue }
            d.packedWeight = nil
            steps[i].kind = .dense(d)
        }
    }

    /// A dense step's inference pass with its frozen Wᵀ: one GEMM on the packed
    /// weights, then the fused bias + activation. At a batch of more than a few
    /// rows, the same bits as `denseForward` (the blocked GEMM with B packed per
    /// call); at a few rows (batch-1 prediction) the packed few-rows kernel,
    /// 16 lanes wide and split over the threads by columns: the bits of the
    /// blocked GEMM, which differ from `denseForward`'s dot products by
    /// reassociation. False: not frozen, or a shape where `denseForward` takes
    /// the dot-product path.
    func denseInferenceForward(_ d: Step.DenseStep, input x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>,
                               rows: Int) -> Bool {
        guard let packed = d.packedWeight,
              gemmPackedTakesFewRows(m: rows)
                || gemmPackedPathIsExact(.none, .transposed, m: rows, n: d.outputSize, k: d.inputSize) else { return false }
        gemm(.none, m: rows, n: d.outputSize, k: d.inputSize, alpha: 1, a: x, lda: d.inputSize,
             packedB: packed.pointer, beta: 0, c: y, ldc: d.outputSize, pool: pool)
        biasActivationForward(d.activation, output: y, bias: d.bias.map { UnsafePointer(parameters.pointer($0)) },
                              rows: rows, width: d.outputSize)
        return true
    }
}
