/// The `rnn` layer (spec-v1), forward over a whole batch of sequences and
/// backward by BPTT:
///
///   a(t) = b + W r(t−1) + U x(t) [+ W_skip h(t−d)]
///   z(t) = act(a(t))                       act: tanh (default), relu, sigmoid, linear, arctan
///   h(t) = α h(t−1) + (1 − α) z(t)         α = leak (0: h = z)
///   o(t) = c + V h(t)                      optional output block
///
/// r = h (`feedback: hidden`, W: [H, H]) or r = o (`feedback: output`,
/// W: [H, O]; the block's pre-activation o is fed back). h(−1) = o(−1) = 0.
/// `skip: d` adds a SEPARATE weight matrix W_skip: [H, H] from h(t−d)
/// (absent while t < d). The kernel returns h, or o when there is an output
/// block; the block's activation (softmax in the classic form) is applied by
/// the runtime after it (and fused with the loss where possible).
///
/// Shapes: N batch, T steps, F input, H hidden, O output-block units, R the
/// width fed back (H or O). Input [N, T, F] and output are batch-major; the
/// state kept for backward is time-major ([T, N, ·]) so that each step's
/// slab is contiguous for its gemm and the weight gradients over all steps
/// are single gemms.
///
/// Fused design: U x(t) for all steps is ONE gemm ([N·T, F]·[F, H]); each
/// step is one gemm for the recurrent part (plus one for the skip term, and
/// one for o(t) with output feedback; otherwise o for all steps is one gemm
/// after the loop) and one elementwise pass. Backward: per step one elementwise pass and one
/// gemm for dh(t−1) (plus one per step for the skip, and for the output
/// block with output feedback); dU, dW, dW_skip, db (and dV, dc) are
/// accumulated once over all steps at the end.
///
/// Lengths: `lengths[n]` (nil: all T) is example n's number of valid steps
/// (clamped to 0...T). Past it, h (and o) are carried unchanged, the
/// sequence output is 0 and its incoming gradient is ignored, and no
/// parameter gradient arises; `return: last` gives the state at the last
/// valid step. So a padded example computes exactly what it would alone.
///
/// Truncated BPTT (`truncation` k > 0): the forward runs over the whole
/// sequence; the backward splits time into windows [0, k), [k, 2k), ... and
/// drops every gradient contribution from a step to an earlier window (the
/// recurrent, leak and skip paths into h(s) or o(s) with s in an earlier
/// window). This is k1 = k2 = k truncation with one parameter update per
/// batch. Carrying through padded steps is not a computation and is never
/// cut. k = 0 (or k ≥ T) is full BPTT.
///
/// Parameter gradients ACCUMULATE (+=); dInput is ASSIGNED (=).

/// One named tensor inside a layer's flat parameter buffer.
public struct ParameterSlice: Sendable, Equatable {
    public let name: String
    public let offset: Int
    public let shape: [Int]
    public var count: Int { shape.reduce(1, *) }
}

public enum RNNFeedback: String, Sendable, CaseIterable {
    case hidden, output
}

/// Sizes, options, and the layouts of the flat buffers of an `rnn` layer.
public struct RNNShape: Sendable, Equatable {
    public var batch: Int
    public var steps: Int
    public var inputSize: Int
    public var hiddenSize: Int
    /// Units of the output block o = c + V h; 0 for no block.
    public var outputSize: Int
    /// tanh, relu, sigmoid, linear or arctan.
    public var activation: Activation
    public var feedback: RNNFeedback
    /// α in [0, 1): leaky units; 0 for plain ones.
    public var leak: Float
    /// d ≥ 1 adds W_skip h(t − d); 0 for none.
    public var skip: Int
    /// true: output [N, T, ·]; false (`return: last`): output [N, ·].
    public var returnSequence: Bool

    public init(batch: Int, steps: Int, inputSize: Int, hiddenSize: Int, outputSize: Int = 0,
                activation: Activation = .tanh, feedback: RNNFeedback = .hidden, leak: Float = 0,
                skip: Int = 0, returnSequence: Bool = true) {
        precondition(activation.isElementwise && activation.isDifferentiable, "rnn activation must be elementwise and differentiable")
        precondition(feedback == .hidden || outputSize > 0, "feedback: output needs an output block")
        self.batch = batch
        self.steps = steps
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.outputSize = outputSize
        self.activation = activation
        self.feedback = feedback
        self.leak = leak
        self.skip = skip
        self.returnSequence = returnSequence
    }

    /// R: the width fed back through W (H, or O with output feedback).
    public var recurrentSize: Int { feedback == .output ? outputSize : hiddenSize }
    /// Units per step of the layer's output (O with an output block, else H).
    public var unitsPerStep: Int { outputSize > 0 ? outputSize : hiddenSize }
    /// Floats of the layer output: N·T·units (sequence) or N·units (last).
    public var outputCount: Int { batch * (returnSequence ? steps : 1) * unitsPerStep }

    // Parameters: [U | W | b | W_skip | V | c], each row-major.
    public var inputWeightOffset: Int { 0 }
    public var recurrentWeightOffset: Int { hiddenSize * inputSize }
    public var biasOffset: Int { recurrentWeightOffset + hiddenSize * recurrentSize }
    public var skipWeightOffset: Int { biasOffset + hiddenSize }
    public var outputWeightOffset: Int { skipWeightOffset + (skip > 0 ? hiddenSize * hiddenSize : 0) }
    public var outputBiasOffset: Int { outputWeightOffset + outputSize * hiddenSize }
    public var parameterCount: Int { outputBiasOffset + outputSize }

    /// The named tensors in the parameter buffer (for initialization and checkpoints).
    public var parameterSlices: [ParameterSlice] {
        var slices = [
            ParameterSlice(name: "input_weight", offset: inputWeightOffset, shape: [hiddenSize, inputSize]),
            ParameterSlice(name: "recurrent_weight", offset: recurrentWeightOffset, shape: [hiddenSize, recurrentSize]),
            ParameterSlice(name: "bias", offset: biasOffset, shape: [hiddenSize]),
        ]
        if skip > 0 {
            slices.append(ParameterSlice(name: "skip_weight", offset: skipWeightOffset, shape: [hiddenSize, hiddenSize]))
        }
        if outputSize > 0 {
            slices.append(ParameterSlice(name: "output_weight", offset: outputWeightOffset, shape: [outputSize, hiddenSize]))
            slices.append(ParameterSlice(name: "output_bias", offset: outputBiasOffset, shape: [outputSize]))
        }
        return slices
    }

    // Storage written by forward, read by backward (time-major):
    // x [T, N, F] | h [T+1, N, H] (slot s = h(s−1)) | z [T, N, H] | o [T+1, N, O].
    public var storageHiddenOffset: Int { steps * batch * inputSize }
    var storageActivationOffset: Int { storageHiddenOffset + (steps + 1) * batch * hiddenSize }
    var storageOutputOffset: Int { storageActivationOffset + steps * batch * hiddenSize }
    /// Then the per-step weights packed once per call for the step products
    /// (when each fits one GEMM panel): forward Wᵀ [R, H], W_skipᵀ, Vᵀ (output
    /// feedback); backward W, W_skip, V as they multiply the gradients.
    var storagePackedOffset: Int { storageOutputOffset + (outputSize > 0 ? (steps + 1) * batch * outputSize : 0) }
    var packsSteps: Bool { gemmCanPackB(n: hiddenSize) && (outputSize == 0 || gemmCanPackB(n: outputSize)) }
    var forwardPacked: RNNPackedWeights { RNNPackedWeights(self, forward: true) }
    var backwardPacked: RNNPackedWeights { RNNPackedWeights(self, forward: false) }
    /// Floats forward stores for backward.
    public var storageCount: Int { storagePackedOffset + (packsSteps ? forwardPacked.count : 0) }

    // Backward workspace: dh then da [T, N, H] | do [T, N, O] | dx [T, N, F] | packed weights.
    var workspaceOutputOffset: Int { steps * batch * hiddenSize }
    var workspaceInputOffset: Int { workspaceOutputOffset + steps * batch * outputSize }
    var workspacePackedOffset: Int { workspaceInputOffset + steps * batch * inputSize }
    /// Floats of scratch backward needs.
    public var workspaceCount: Int { workspacePackedOffset + (packsSteps ? backwardPacked.count : 0) }
}

/// Where each per-step weight sits in a packed block (offsets in floats from
/// its start; nil: that product does not run), and how big the block is.
/// Forward: Wᵀ (k = R, n = H), W_skipᵀ (k = n = H), Vᵀ with output feedback
/// (k = H, n = O). Backward: W (k = H, n = R), W_skip (k = n = H), V with
/// output feedback (k = O, n = H).
struct RNNPackedWeights {
    var recurrent = 0
    var skip: Int?
    var output: Int?
    var count: Int

    init(_ shape: RNNShape, forward: Bool) {
        let h = shape.hiddenSize, r = shape.recurrentSize, o = shape.outputSize
        count = forward ? gemmPackedBSize(k: r, n: h) : gemmPackedBSize(k: h, n: r)
        if shape.skip > 0 {
            skip = count
            count += gemmPackedBSize(k: h, n: h)
        }
        if shape.feedback == .output {
            output = count
            count += forward ? gemmPackedBSize(k: h, n: o) : gemmPackedBSize(k: o, n: h)
        }
    }
}

/// Valid steps of example n, clamped to 0...steps.
@inline(__always)
func sequenceLength(_ lengths: UnsafePointer<Int32>?, _ n: Int, steps: Int) -> Int {
    guard let lengths else { return steps }
    return min(max(Int(lengths[n]), 0), steps)
}

/// True when a gradient from step t to the earlier step s is cut by
/// truncation k (s lies in an earlier window).
@inline(__always)
func crossesWindow(from t: Int, to s: Int, truncation k: Int) -> Bool {
    k > 0 && s / k != t / k
}

// MARK: - Fused kernels

/// Forward over the batch of sequences.
/// - output: [N, T, units] (sequence) or [N, units] (last); units = shape.unitsPerStep.
/// - storage: [shape.storageCount], written here, read by `rnnBackward`.
/// - input: [N, T, F]; parameters: [shape.parameterCount]; lengths: [N] or nil.
public func rnnForward(
    output: UnsafeMutablePointer<Float>,
    storage: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    parameters: UnsafePointer<Float>,
    lengths: UnsafePointer<Int32>?,
    shape: RNNShape,
    pool: ThreadPool? = nil
) {
    let n = shape.batch, steps = shape.steps, f = shape.inputSize, h = shape.hiddenSize
    let o = shape.outputSize, r = shape.recurrentSize, nh = n * h, no = n * o
    let xs = storage, hs = storage + shape.storageHiddenOffset
    let zs = storage + shape.storageActivationOffset, os = storage + shape.storageOutputOffset
    let u = parameters + shape.inputWeightOffset, w = parameters + shape.recurrentWeightOffset
    let wSkip = parameters + shape.skipWeightOffset
    let v = parameters + shape.outputWeightOffset, c = parameters + shape.outputBiasOffset

    batchToTimeMajor(xs, input, batch: n, steps: steps, width: f)
    // U x(t) for every step at once: [T·N, F]·Uᵀ.
    gemm(.none, .transposed, m: steps * n, n: h, k: f, alpha: 1, a: xs, lda: f, b: u, ldb: f,
         beta: 0, c: zs, ldc: h, pool: pool)
    hs.update(repeating: 0, count: nh)
    if o > 0 { os.update(repeating: 0, count: no) }
    let writeHiddenSequence = o == 0 && shape.returnSequence
    if shape.packsSteps {
        let packed = storage + shape.storagePackedOffset, at = shape.forwardPacked
        gemmPackB(.transposed, k: r, n: h, b: w, ldb: r, into: packed + at.recurrent)
        if let skip = at.skip { gemmPackB(.transposed, k: h, n: h, b: wSkip, ldb: h, into: packed + skip) }
        if let out = at.output { gemmPackB(.transposed, k: h, n: o, b: v, ldb: h, into: packed + out) }
    }
    var job = RNNStepsJob(shape: shape, storage: storage, parameters: parameters, lengths: lengths,
                          sequenceOutput: writeHiddenSequence ? output : nil, workspace: nil,
                          truncation: 0, bands: recurrentBands(batch: n, pool))
    job.run(pool: pool, forward: true)
    if o > 0 && shape.feedback == .hidden {
        gemm(.none, .transposed, m: steps * n, n: o, k: h, alpha: 1, a: hs + nh, lda: h, b: v, ldb: h,
             beta: 0, c: os + no, ldc: o, pool: pool)
        addRowVector(os + no, c, rows: steps * n, width: o)
    }
    if !writeHiddenSequence {
        writeRecurrentOutput(output, states: o > 0 ? os : hs, width: shape.unitsPerStep, batch: n, steps: steps,
                             returnSequence: shape.returnSequence, lengths: lengths)
    }
}

/// Backward (BPTT) from the gradient of the layer output.
/// - dInput: [N, T, F] or nil; ASSIGNED.
/// - dParameters: [shape.parameterCount]; ACCUMULATED.
/// - workspace: [shape.workspaceCount] scratch.
/// - dOutput: like the forward's output; storage, parameters, lengths: as given to / written by forward.
/// - truncation: k > 0 for truncated BPTT in windows of k steps; 0 for full.
public func rnnBackward(
    dInput: UnsafeMutablePointer<Float>?,
    dParameters: UnsafeMutablePointer<Float>,
    workspace: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    storage: UnsafePointer<Float>,
    parameters: UnsafePointer<Float>,
    lengths: UnsafePointer<Int32>?,
    shape: RNNShape,
    truncation: Int = 0,
    pool: ThreadPool? = nil
) {
    let n = shape.batch, steps = shape.steps, f = shape.inputSize, h = shape.hiddenSize
    let o = shape.outputSize, r = shape.recurrentSize, nh = n * h, no = n * o
    guard steps > 0 else { return }
    let xs = storage, hs = storage + shape.storageHiddenOffset, os = storage + shape.storageOutputOffset
    let u = parameters + shape.inputWeightOffset, w = parameters + shape.recurrentWeightOffset
    let wSkip = parameters + shape.skipWeightOffset, v = parameters + shape.outputWeightOffset
    let du = dParameters + shape.inputWeightOffset, dw = dParameters + shape.recurrentWeightOffset
    let db = dParameters + shape.biasOffset, dwSkip = dParameters + shape.skipWeightOffset
    let dv = dParameters + shape.outputWeightOffset, dc = dParameters + shape.outputBiasOffset
    let dhs = workspace, dos = workspace + shape.workspaceOutputOffset
    let dxs = workspace + shape.workspaceInputOffset

    // Seed the output gradient, time-major, in dh (no block) or do.
    dhs.update(repeating: 0, count: steps * nh)
    if o > 0 { dos.update(repeating: 0, count: steps * no) }
    readRecurrentOutputGradient(o > 0 ? dos : dhs, dOutput, width: shape.unitsPerStep, batch: n, steps: steps,
                                returnSequence: shape.returnSequence, lengths: lengths)
    if o > 0 && shape.feedback == .hidden {
        // do(t) is final already: the block's gradients over all steps at once.
        gemm(.transposed, .none, m: o, n: h, k: steps * n, alpha: 1, a: dos, lda: o, b: hs + nh, ldb: h,
             beta: 1, c: dv, ldc: h, pool: pool)
        addColumnSums(dc, dos, rows: steps * n, width: o)
        gemm(.none, .none, m: steps * n, n: h, k: o, alpha: 1, a: dos, lda: o, b: v, ldb: h,
             beta: 1, c: dhs, ldc: h, pool: pool)
    }
    if shape.packsSteps {
        let packed = workspace + shape.workspacePackedOffset, at = shape.backwardPacked
        gemmPackB(.none, k: h, n: r, b: w, ldb: r, into: packed + at.recurrent)
        if let skip = at.skip { gemmPackB(.none, k: h, n: h, b: wSkip, ldb: h, into: packed + skip) }
        if let out = at.output { gemmPackB(.none, k: o, n: h, b: v, ldb: h, into: packed + out) }
    }
    var job = RNNStepsJob(shape: shape, storage: UnsafeMutablePointer(mutating: storage), parameters: parameters,
                          lengths: lengths, sequenceOutput: nil, workspace: workspace,
                          truncation: truncation, bands: recurrentBands(batch: n, pool))
    job.run(pool: pool, forward: false)
    // dhs holds da(t) for every step: the weight gradients in one gemm each.
    let das = UnsafePointer(dhs)
    if steps > 1 {
        let fedBack = shape.feedback == .hidden ? hs + nh : os + no
        gemm(.transposed, .none, m: h, n: r, k: (steps - 1) * n, alpha: 1, a: das + nh, lda: h, b: fedBack, ldb: r,
             beta: 1, c: dw, ldc: r, pool: pool)
    }
    if o > 0 && shape.feedback == .output {
        gemm(.transposed, .none, m: o, n: h, k: steps * n, alpha: 1, a: dos, lda: o, b: hs + nh, ldb: h,
             beta: 1, c: dv, ldc: h, pool: pool)
        addColumnSums(dc, dos, rows: steps * n, width: o)
    }
    gemm(.transposed, .none, m: h, n: f, k: steps * n, alpha: 1, a: das, lda: h, b: xs, ldb: f,
         beta: 1, c: du, ldc: f, pool: pool)
    addColumnSums(db, das, rows: steps * n, width: h)
    if shape.skip > 0 && steps > shape.skip {
        let d = shape.skip
        gemm(.transposed, .none, m: h, n: h, k: (steps - d) * n, alpha: 1, a: das + d * nh, lda: h, b: hs + nh, ldb: h,
             beta: 1, c: dwSkip, ldc: h, pool: pool)
    }
    if let dInput {
        gemm(.none, .none, m: steps * n, n: f, k: h, alpha: 1, a: das, lda: h, b: u, ldb: f,
             beta: 0, c: dxs, ldc: f, pool: pool)
        timeToBatchMajor(dInput, dxs, batch: n, steps: steps, width: f)
    }
}

// MARK: - The recurrence over bands of examples

/// Bands of examples for a recurrent step loop: two per thread when each gets
/// at least 8 examples (a step's product is too small to split well itself).
/// Two, so that when one core is busy elsewhere the caller takes the slow
/// worker's second band instead of waiting for it; one while the pool backs
/// off (a band of 32 rows runs faster on one core than four bands of 8).
func recurrentBands(batch: Int, _ pool: ThreadPool?) -> Int {
    guard let pool, pool.threadCount > 1, !pool.isBackingOff else { return 1 }
    return max(1, min(2 * pool.threadCount, batch / 8))
}

/// The pool a one-band step loop passes to its per-step products: none while
/// the pool backs off (every product on this thread).
func recurrentStepPool(_ pool: ThreadPool?) -> ThreadPool? {
    pool?.isBackingOff == true ? nil : pool
}

/// The step loop's arguments. The recurrence is sequential in time but
/// independent across examples, so with several threads each runs the whole
/// loop for its own band of examples (one hand-off per call instead of one
/// per product). The per-step products use the packed weights, whose results
/// do not depend on the number of rows, so no row depends on the banding.
private struct RNNStepsJob {
    var shape: RNNShape
    var storage: UnsafeMutablePointer<Float>
    var parameters: UnsafePointer<Float>
    var lengths: UnsafePointer<Int32>?
    var sequenceOutput: UnsafeMutablePointer<Float>?
    var workspace: UnsafeMutablePointer<Float>?
    var truncation: Int
    var bands: Int

    mutating func run(pool: ThreadPool?, forward: Bool) {
        guard bands > 1, let pool else {
            let stepPool = recurrentStepPool(pool)
            if forward { rnnForwardSteps(self, rows: 0..<shape.batch, pool: stepPool) }
            else { rnnBackwardSteps(self, rows: 0..<shape.batch, pool: stepPool) }
            return
        }
        withUnsafeMutablePointer(to: &self) { pointer in
            let context = UnsafeMutableRawPointer(pointer)
            if forward {
                pool.parallelFor(pointer.pointee.bands, context: context) { context, band in
                    let job = context.assumingMemoryBound(to: RNNStepsJob.self).pointee
                    rnnForwardSteps(job, rows: ThreadPool.chunkRange(band, of: job.bands, count: job.shape.batch), pool: nil)
                }
            } else {
                pool.parallelFor(pointer.pointee.bands, context: context) { context, band in
                    let job = context.assumingMemoryBound(to: RNNStepsJob.self).pointee
                    rnnBackwardSteps(job, rows: ThreadPool.chunkRange(band, of: job.bands, count: job.shape.batch), pool: nil)
                }
            }
        }
    }
}

/// One step product for a band: C[m, n] = op(A)·op(B) + beta·C, with op(B)
/// packed (`packed` non-nil) or as stored (`b`, `transB`, `ldb`).
@inline(__always)
private func stepProduct(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                         packed: UnsafePointer<Float>?, b: UnsafePointer<Float>, transB: Transpose, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, pool: ThreadPool?) {
    if let packed {
        gemm(.none, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, packedB: packed, beta: beta, c: c, ldc: ldc, pool: pool)
    } else {
        gemm(.none, transB, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, pool: pool)
    }
}

/// Forward recurrence for examples `rows` (the input part U x(t) is already in z).
private func rnnForwardSteps(_ job: RNNStepsJob, rows: Range<Int>, pool: ThreadPool?) {
    let shape = job.shape, n = shape.batch, steps = shape.steps, h = shape.hiddenSize
    let o = shape.outputSize, r = shape.recurrentSize, nh = n * h, no = n * o, r0 = rows.lowerBound
    var band = shape
    band.batch = rows.count
    guard band.batch > 0 else { return }
    let storage = job.storage, parameters = job.parameters
    let hs = storage + shape.storageHiddenOffset + r0 * h
    let zs = storage + shape.storageActivationOffset + r0 * h, os = storage + shape.storageOutputOffset + r0 * o
    let w = parameters + shape.recurrentWeightOffset, b = parameters + shape.biasOffset
    let wSkip = parameters + shape.skipWeightOffset
    let v = parameters + shape.outputWeightOffset, c = parameters + shape.outputBiasOffset
    let packed = shape.packsSteps ? UnsafePointer(storage + shape.storagePackedOffset) : nil
    let at = shape.forwardPacked
    let sequenceOutput = job.sequenceOutput.map { $0 + r0 * steps * h }
    let lengths = job.lengths.map { $0 + r0 }
    for t in 0..<steps {
        let a = zs + t * nh
        if t > 0 {
            let fedBack = shape.feedback == .hidden ? hs + t * nh : os + t * no
            stepProduct(m: band.batch, n: h, k: r, a: fedBack, lda: r, packed: packed.map { $0 + at.recurrent },
                        b: w, transB: .transposed, ldb: r, beta: 1, c: a, ldc: h, pool: pool)
        }
        if shape.skip > 0 && t >= shape.skip {
            stepProduct(m: band.batch, n: h, k: h, a: hs + (t - shape.skip + 1) * nh, lda: h,
                        packed: packed.flatMap { p in at.skip.map { p + $0 } },
                        b: wSkip, transB: .transposed, ldb: h, beta: 1, c: a, ldc: h, pool: pool)
        }
        rnnCellForward(a, hNext: hs + (t + 1) * nh, hPrevious: hs + t * nh, bias: b, step: t,
                       sequenceOutput: sequenceOutput, lengths: lengths, shape: band)
        if o > 0 && shape.feedback == .output {
            stepProduct(m: band.batch, n: o, k: h, a: hs + (t + 1) * nh, lda: h,
                        packed: packed.flatMap { p in at.output.map { p + $0 } },
                        b: v, transB: .transposed, ldb: h, beta: 0, c: os + (t + 1) * no, ldc: o, pool: pool)
            addRowVector(os + (t + 1) * no, c, rows: band.batch, width: o)
        }
    }
}

/// Backward recurrence for examples `rows`: per step do(t) (output feedback),
/// the cell pass (dh becomes da) and the products that carry da to earlier steps.
private func rnnBackwardSteps(_ job: RNNStepsJob, rows: Range<Int>, pool: ThreadPool?) {
    let shape = job.shape, n = shape.batch, steps = shape.steps, h = shape.hiddenSize
    let o = shape.outputSize, nh = n * h, no = n * o, r0 = rows.lowerBound
    var band = shape
    band.batch = rows.count
    guard band.batch > 0, let workspace = job.workspace else { return }
    let parameters = job.parameters
    let zs = UnsafePointer(job.storage) + shape.storageActivationOffset + r0 * h
    let w = parameters + shape.recurrentWeightOffset, wSkip = parameters + shape.skipWeightOffset
    let v = parameters + shape.outputWeightOffset
    let dhs = workspace + r0 * h, dos = workspace + shape.workspaceOutputOffset + r0 * o
    let packed = shape.packsSteps ? UnsafePointer(workspace + shape.workspacePackedOffset) : nil
    let at = shape.backwardPacked
    let lengths = job.lengths.map { $0 + r0 }
    for t in stride(from: steps - 1, through: 0, by: -1) {
        let dh = dhs + t * nh
        if o > 0 && shape.feedback == .output {
            // do(t) is complete now that step t + 1 has fed its part back.
            stepProduct(m: band.batch, n: h, k: o, a: dos + t * no, lda: o,
                        packed: packed.flatMap { p in at.output.map { p + $0 } },
                        b: v, transB: .none, ldb: h, beta: 1, c: dh, ldc: h, pool: pool)
        }
        let cut = crossesWindow(from: t, to: t - 1, truncation: job.truncation)
        rnnCellBackward(dh, dhPrevious: t > 0 ? dh - nh : nil, activations: zs + t * nh, step: t,
                        cutLeak: cut, lengths: lengths, shape: band)
        // dh now holds da(t).
        if t > 0 && !cut {
            if shape.feedback == .hidden {
                stepProduct(m: band.batch, n: h, k: h, a: dh, lda: h, packed: packed.map { $0 + at.recurrent },
                            b: w, transB: .none, ldb: h, beta: 1, c: dh - nh, ldc: h, pool: pool)
            } else {
                stepProduct(m: band.batch, n: o, k: h, a: dh, lda: h, packed: packed.map { $0 + at.recurrent },
                            b: w, transB: .none, ldb: o, beta: 1, c: dos + (t - 1) * no, ldc: o, pool: pool)
            }
        }
        let d = shape.skip
        if d > 0 && t >= d && !crossesWindow(from: t, to: t - d, truncation: job.truncation) {
            stepProduct(m: band.batch, n: h, k: h, a: dh, lda: h, packed: packed.flatMap { p in at.skip.map { p + $0 } },
                        b: wSkip, transB: .none, ldb: h, beta: 1, c: dhs + (t - d) * nh, ldc: h, pool: pool)
        }
    }
}

/// One step's elementwise pass: z = act(a + b) in place, h = α h_prev + (1 − α) z;
/// examples past their length carry h. a: [N, H] (in: U x + W r [+ W_skip h];
/// out: z); hNext, hPrevious: [N, H]; bias: [H]; sequenceOutput: the layer
/// output [N, T, H] when h is written straight into it, else nil.
private func rnnCellForward(
    _ a: UnsafeMutablePointer<Float>,
    hNext: UnsafeMutablePointer<Float>, hPrevious: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, step t: Int,
    sequenceOutput: UnsafeMutablePointer<Float>?,
    lengths: UnsafePointer<Int32>?, shape: RNNShape
) {
    let h = shape.hiddenSize, steps = shape.steps, act = shape.activation
    let alpha = Vec8.V(repeating: shape.leak), keep = Vec8.V(repeating: 1 - shape.leak)
    let leaky = shape.leak != 0
    for n in 0..<shape.batch {
        let z = a + n * h, hp = hPrevious + n * h, hn = hNext + n * h
        let out = sequenceOutput.map { $0 + (n * steps + t) * h }
        guard t < sequenceLength(lengths, n, steps: steps) else {
            hn.update(from: hp, count: h)
            out?.update(repeating: 0, count: h)
            continue
        }
        // Full vectors with a constant lane count, then the tail.
        @inline(__always) func cell(_ j: Int, _ lanes: Int) {
            let zv = activationValue(act, Vec8.load(z + j, count: lanes) + Vec8.load(bias + j, count: lanes))
            Vec8.store(zv, z + j, count: lanes)
            let hv = leaky ? (keep * zv).addingProduct(alpha, Vec8.load(hp + j, count: lanes)) : zv
            Vec8.store(hv, hn + j, count: lanes)
            if let out { Vec8.store(hv, out + j, count: lanes) }
        }
        var j = 0
        #if NNC_AVX512
        // Sixteen lanes at a time (the same bits per lane as the eight-lane cell).
        let alpha16 = Vec16.V(repeating: shape.leak), keep16 = Vec16.V(repeating: 1 - shape.leak)
        while j + 16 <= h {
            let zv = activationValue(act, Vec16.load(z + j) + Vec16.load(bias + j))
            Vec16.store(zv, z + j)
            let hv = leaky ? (keep16 * zv).addingProduct(alpha16, Vec16.load(hp + j)) : zv
            Vec16.store(hv, hn + j)
            if let out { Vec16.store(hv, out + j) }
            j += 16
        }
        #endif
        while j + 8 <= h { cell(j, 8); j += 8 }
        if j < h { cell(j, h - j) }
    }
}

/// One step's elementwise backward: da = (1 − α) act'(z) ⊙ dh written over
/// dh, and α dh added to dh(t−1) (unless cut). Examples past their length:
/// da = 0 and dh(t−1) += dh (carry). dh, dhPrevious, activations: [N, H].
private func rnnCellBackward(
    _ dh: UnsafeMutablePointer<Float>, dhPrevious: UnsafeMutablePointer<Float>?,
    activations z: UnsafePointer<Float>, step t: Int, cutLeak: Bool,
    lengths: UnsafePointer<Int32>?, shape: RNNShape
) {
    let h = shape.hiddenSize, act = shape.activation
    let alpha = Vec8.V(repeating: shape.leak), keep = Vec8.V(repeating: 1 - shape.leak)
    let passLeak = shape.leak != 0 && !cutLeak
    for n in 0..<shape.batch {
        let d = dh + n * h, zr = z + n * h
        let previous = dhPrevious.map { $0 + n * h }
        guard t < sequenceLength(lengths, n, steps: shape.steps) else {
            if let previous { addInPlace(previous, d, count: h) }
            d.update(repeating: 0, count: h)
            continue
        }
        @inline(__always) func cell(_ j: Int, _ lanes: Int) {
            let g = Vec8.load(d + j, count: lanes)
            if passLeak, let previous {
                Vec8.store(Vec8.load(previous + j, count: lanes).addingProduct(alpha, g), previous + j, count: lanes)
            }
            let da = keep * g * activationDerivative(act, output: Vec8.load(zr + j, count: lanes))
            Vec8.store(da, d + j, count: lanes)
        }
        var j = 0
        while j + 8 <= h { cell(j, 8); j += 8 }
        if j < h { cell(j, h - j) }
    }
}

/// y += x. Both: [count].
@inline(__always)
func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count { Vec8.store(Vec8.load(y + i) + Vec8.load(x + i), y + i); i += 8 }
    while i < count { y[i] += x[i]; i += 1 }
}

/// The layer output from the time-major states [T+1, N, width] (slot s = step s−1):
/// sequence → out [N, T, width] (0 past each length); last → out [N, width] = slot T.
func writeRecurrentOutput(
    _ out: UnsafeMutablePointer<Float>, states: UnsafePointer<Float>, width: Int,
    batch: Int, steps: Int, returnSequence: Bool, lengths: UnsafePointer<Int32>?
) {
    for n in 0..<batch {
        if !returnSequence {
            (out + n * width).update(from: states + (steps * batch + n) * width, count: width)
            continue
        }
        let length = sequenceLength(lengths, n, steps: steps)
        for t in 0..<steps {
            let row = out + (n * steps + t) * width
            if t < length {
                row.update(from: states + ((t + 1) * batch + n) * width, count: width)
            } else {
                row.update(repeating: 0, count: width)
            }
        }
    }
}

/// The output gradient, time-major, into a zeroed dStates [T, N, width]:
/// sequence → dOutput [N, T, width] at the valid steps; last → dOutput [N, width] at step T−1.
func readRecurrentOutputGradient(
    _ dStates: UnsafeMutablePointer<Float>, _ dOutput: UnsafePointer<Float>, width: Int,
    batch: Int, steps: Int, returnSequence: Bool, lengths: UnsafePointer<Int32>?
) {
    for n in 0..<batch {
        if !returnSequence {
            (dStates + ((steps - 1) * batch + n) * width).update(from: dOutput + n * width, count: width)
            continue
        }
        for t in 0..<sequenceLength(lengths, n, steps: steps) {
            (dStates + (t * batch + n) * width).update(from: dOutput + (n * steps + t) * width, count: width)
        }
    }
}

// MARK: - Naive reference (test oracle): per example, per step, per unit, in Double

/// What the reference forward computed, batch-major, in Double.
public struct RNNReferenceTape: Sendable {
    /// [N, T+1, H]: slot s holds h(s−1); slot 0 is 0.
    public var hidden: [Double]
    /// [N, T, H]: z(t) = act(a(t)) at valid steps, 0 past the length.
    public var activations: [Double]
    /// [N, T+1, O]: slot s holds o(s−1).
    public var outputs: [Double]
    /// The layer output, laid out as `rnnForward`'s.
    public var layerOutput: [Double]
}

/// Reference forward, unfused, straight from the equations. Allocates.
/// input: [N, T, F]; parameters: [shape.parameterCount]; lengths: [N] or nil.
public func rnnForwardReference(input: [Float], parameters: [Float], lengths: [Int32]?,
                                shape: RNNShape) -> RNNReferenceTape {
    let bN = shape.batch, sT = shape.steps, sF = shape.inputSize, sH = shape.hiddenSize
    let sO = shape.outputSize, sR = shape.recurrentSize, d = shape.skip, alpha = Double(shape.leak)
    let p = parameters.map(Double.init)
    var hidden = [Double](repeating: 0, count: bN * (sT + 1) * sH)
    var activations = [Double](repeating: 0, count: bN * sT * sH)
    var outputs = [Double](repeating: 0, count: bN * (sT + 1) * sO)
    var layerOutput = [Double](repeating: 0, count: shape.outputCount)
    let units = shape.unitsPerStep
    for n in 0..<bN {
        let length = referenceLength(lengths, n, sT)
        for t in 0..<sT {
            let hPrev = (n * (sT + 1) + t) * sH, hNow = hPrev + sH
            let oNow = (n * (sT + 1) + t + 1) * sO
            if t < length {
                for j in 0..<sH {
                    var a = p[shape.biasOffset + j]
                    for i in 0..<sF {
                        a += p[shape.inputWeightOffset + j * sF + i] * Double(input[(n * sT + t) * sF + i])
                    }
                    for k in 0..<sR {
                        let fedBack = shape.feedback == .hidden ? hidden[hPrev + k] : outputs[oNow - sO + k]
                        a += p[shape.recurrentWeightOffset + j * sR + k] * fedBack
                    }
                    if d > 0 && t >= d {
                        let hSkip = (n * (sT + 1) + t - d + 1) * sH
                        for k in 0..<sH { a += p[shape.skipWeightOffset + j * sH + k] * hidden[hSkip + k] }
                    }
                    let z = activationReference(shape.activation, a)
                    activations[(n * sT + t) * sH + j] = z
                    hidden[hNow + j] = alpha * hidden[hPrev + j] + (1 - alpha) * z
                }
            } else {
                for j in 0..<sH { hidden[hNow + j] = hidden[hPrev + j] }
            }
            for q in 0..<sO {
                var value = p[shape.outputBiasOffset + q]
                for k in 0..<sH { value += p[shape.outputWeightOffset + q * sH + k] * hidden[hNow + k] }
                outputs[oNow + q] = value
            }
            if shape.returnSequence && t < length {
                for q in 0..<units {
                    layerOutput[(n * sT + t) * units + q] = sO > 0 ? outputs[oNow + q] : hidden[hNow + q]
                }
            }
        }
        if !shape.returnSequence {
            for q in 0..<units {
                layerOutput[n * units + q] = sO > 0
                    ? outputs[(n * (sT + 1) + sT) * sO + q] : hidden[(n * (sT + 1) + sT) * sH + q]
            }
        }
    }
    return RNNReferenceTape(hidden: hidden, activations: activations, outputs: outputs, layerOutput: layerOutput)
}

/// Reference backward, unfused, one example at a time, from the equations.
/// Returns dInput [N, T, F] and dParameters [parameterCount] (fresh, not
/// accumulated). dOutput: like the layer output. Allocates.
public func rnnBackwardReference(dOutput: [Float], tape: RNNReferenceTape, input: [Float], parameters: [Float],
                                 lengths: [Int32]?, shape: RNNShape,
                                 truncation: Int = 0) -> (dInput: [Double], dParameters: [Double]) {
    let bN = shape.batch, sT = shape.steps, sF = shape.inputSize, sH = shape.hiddenSize
    let sO = shape.outputSize, sR = shape.recurrentSize, d = shape.skip, alpha = Double(shape.leak)
    let p = parameters.map(Double.init)
    var dp = [Double](repeating: 0, count: shape.parameterCount)
    var dx = [Double](repeating: 0, count: bN * sT * sF)
    let units = shape.unitsPerStep
    for n in 0..<bN {
        let length = referenceLength(lengths, n, sT)
        // dh[t], do[t]: gradients w.r.t. h(t), o(t) of this example.
        var dh = [[Double]](repeating: [Double](repeating: 0, count: sH), count: sT)
        var dout = [[Double]](repeating: [Double](repeating: 0, count: sO), count: sT)
        func seed(_ t: Int, _ q: Int, _ g: Double) {
            if sO > 0 { dout[t][q] += g } else { dh[t][q] += g }
        }
        if shape.returnSequence {
            for t in 0..<length { for q in 0..<units { seed(t, q, Double(dOutput[(n * sT + t) * units + q])) } }
        } else {
            for q in 0..<units { seed(sT - 1, q, Double(dOutput[n * units + q])) }
        }
        for t in stride(from: sT - 1, through: 0, by: -1) {
            let hNow = (n * (sT + 1) + t + 1) * sH, hPrev = hNow - sH
            let oPrev = (n * (sT + 1) + t) * sO
            if sO > 0 {
                for q in 0..<sO {
                    dp[shape.outputBiasOffset + q] += dout[t][q]
                    for k in 0..<sH {
                        dp[shape.outputWeightOffset + q * sH + k] += dout[t][q] * tape.hidden[hNow + k]
                        dh[t][k] += p[shape.outputWeightOffset + q * sH + k] * dout[t][q]
                    }
                }
            }
            guard t < length else {
                if t > 0 { for k in 0..<sH { dh[t - 1][k] += dh[t][k] } }
                continue
            }
            let cut = crossesWindow(from: t, to: t - 1, truncation: truncation)
            for j in 0..<sH {
                let z = tape.activations[(n * sT + t) * sH + j]
                let da = dh[t][j] * (1 - alpha) * activationDerivativeReference(shape.activation, output: z)
                if t > 0 && !cut { dh[t - 1][j] += alpha * dh[t][j] }
                dp[shape.biasOffset + j] += da
                for i in 0..<sF {
                    dp[shape.inputWeightOffset + j * sF + i] += da * Double(input[(n * sT + t) * sF + i])
                    dx[(n * sT + t) * sF + i] += p[shape.inputWeightOffset + j * sF + i] * da
                }
                for k in 0..<sR {
                    let fedBack = shape.feedback == .hidden ? tape.hidden[hPrev + k] : tape.outputs[oPrev + k]
                    dp[shape.recurrentWeightOffset + j * sR + k] += da * fedBack
                    if t > 0 && !cut {
                        let g = p[shape.recurrentWeightOffset + j * sR + k] * da
                        if shape.feedback == .hidden { dh[t - 1][k] += g } else { dout[t - 1][k] += g }
                    }
                }
                if d > 0 && t >= d {
                    let hSkip = (n * (sT + 1) + t - d + 1) * sH
                    let passes = !crossesWindow(from: t, to: t - d, truncation: truncation)
                    for k in 0..<sH {
                        dp[shape.skipWeightOffset + j * sH + k] += da * tape.hidden[hSkip + k]
                        if passes { dh[t - d][k] += p[shape.skipWeightOffset + j * sH + k] * da }
                    }
                }
            }
        }
    }
    return (dx, dp)
}

/// Valid steps of example n for the references.
func referenceLength(_ lengths: [Int32]?, _ n: Int, _ steps: Int) -> Int {
    guard let lengths, n < lengths.count else { return steps }
    return min(max(Int(lengths[n]), 0), steps)
}
