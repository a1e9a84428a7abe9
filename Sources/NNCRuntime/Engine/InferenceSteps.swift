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
                                  packedWeights: training ? nil : c.packedWeights.map { UnsafePointer($0.pointer) },
                                  workspace: c.workspace.buffer, pool: pool)
    }
}

extension Plan {
    /// Packs every dense layer's Wᵀ and every LSTM's W_xᵀ and W_hᵀ in the GEMM's
    /// layout, and every conv layer's weight and bias in the direct kernel's,
    /// once, for inference passes with weights that no longer change (`nnc
    /// bench`'s inference, a deployed model): the forward kernels then skip
    /// packing their weights (where that gives the same bits; other shapes run
    /// as before). The caller must not
    /// change the parameters while the plan is used for inference:
    /// `thawWeights()` drops the copies. Training passes never use them.
    public func freezeWeights() {
        for (i, step) in steps.enumerated() {
            if case .dense(var d) = step.kind, gemmCanPackB(n: d.outputSize) {
                let packed = FloatBuffer(count: gemmPackedBSize(k: d.inputSize, n: d.outputSize))
                gemmPackB(.transposed, k: d.inputSize, n: d.outputSize, b: parameters.pointer(d.weight), ldb: d.inputSize,
                          into: packed.pointer)
                d.packedWeight = packed
                steps[i].kind = .dense(d)
            } else if case .conv(var c) = step.kind {
                let packed = FloatBuffer(count: conv2dPackedDirectWeightsSize(geometry: c.geometry))
                conv2dPackDirectWeights(weight: parameters.pointer(c.weight), bias: c.bias.map { UnsafePointer(parameters.pointer($0)) },
                                        geometry: c.geometry, into: packed.pointer)
                c.packedWeights = packed
                steps[i].kind = .conv(c)
            } else if case .lstm(var l) = step.kind, let count = lstmPackedWeightsCount(l.shape) {
                let packed = FloatBuffer(count: count)
                lstmPackWeights(parameters: parameters.values.pointer + l.parameters.offset, shape: l.shape, into: packed.pointer)
                l.packedWeights = packed
                steps[i].kind = .lstm(l)
            }
        }
    }

    /// Drops the packed copies of `freezeWeights` (the parameters may change again).
    public func thawWeights() {
        for (i, step) in steps.enumerated() {
            if case .dense(var d) = step.kind, d.packedWeight != nil {
                d.packedWeight = nil
                steps[i].kind = .dense(d)
            } else if case .conv(var c) = step.kind, c.packedWeights != nil {
                c.packedWeights = nil
                steps[i].kind = .conv(c)
            } else if case .lstm(var l) = step.kind, l.packedWeights != nil {
                l.packedWeights = nil
                steps[i].kind = .lstm(l)
            }
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
        let epilogue = GEMMEpilogue(bias: d.bias.map { UnsafePointer(parameters.pointer($0)) }, activation: d.activation)
        gemm(.none, m: rows, n: d.outputSize, k: d.inputSize, alpha: 1, a: x, lda: d.inputSize,
             packedB: packed.pointer, beta: 0, c: y, ldc: d.outputSize, epilogue: epilogue, pool: pool)
        return true
    }
}

extension Plan {
    /// Marks the dense steps that can apply a plain SGD step in their own backward
    /// (`denseBackwardSGD`, while `sgdLearningRate` is set): those that learn and have
    /// no l2 or contractive penalty (both add to the weight gradient). Returns the
    /// ranges of the parameter block the other steps still update through the
    /// gradient block (sorted, merged). The caller must only use this for SGD without
    /// momentum or clipping, where a layer's update needs nothing but its own gradient,
    /// and after `attachLoss` (which makes the training steps marked here).
    func foldSGDIntoBackward() -> [Range<Int>] {
        var folded: [Range<Int>] = []
        for (i, step) in trainingSteps.enumerated() {
            guard case .dense(var d) = step.kind, d.dPreactivation != nil,
                  d.penalty.l2 == 0, d.penalty.contractive == 0 else { continue }
            d.foldsSGD = true
            d.sgdBiasScratch = d.bias.map { FloatBuffer(count: $0.count) }
            trainingSteps[i].kind = .dense(d)
            folded.append(d.weight.offset..<(d.weight.offset + d.weight.count))
            if let b = d.bias { folded.append(b.offset..<(b.offset + b.count)) }
        }
        // The complement of the folded ranges in 0..<parameters.count.
        var rest: [Range<Int>] = []
        var start = 0
        for r in folded.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > start { rest.append(start..<r.lowerBound) }
            start = max(start, r.upperBound)
        }
        if start < parameters.count { rest.append(start..<parameters.count) }
        return rest
    }
}
