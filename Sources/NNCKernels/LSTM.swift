#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `lstm` layer: the standard cell, forward over a batch of sequences
/// and backward by BPTT.
///
///   [i, f, g, o](t) = W_x x(t) + W_h h(t−1) + b      (4H pre-activations)
///   i = σ(·), f = σ(·), C̃ = g = tanh(·), o = σ(·)
///   C(t) = f ⊙ C(t−1) + i ⊙ C̃,   h(t) = o ⊙ tanh(C(t)),   h(−1) = C(−1) = 0
///
/// Gate order in every 4H block: i, f, g, o (PyTorch's). `forget_bias` is
/// not a kernel concern: the runtime adds it to b[H..<2H] at initialization
/// and the kernel just uses b.
///
/// Shapes: N batch, T steps, F input, H hidden. Input [N, T, F] and output
/// ([N, T, H] sequence or [N, H] last) are batch-major; the stored state is
/// time-major so each step's slab is contiguous.
///
/// Fused design: the input part of all four gates for all steps is ONE gemm
/// ([N·T, F]·[F, 4H]); each step is ONE gemm for the recurrent part of all
/// four gates ([N, H]·[H, 4H]) and ONE elementwise cell pass (SIMD8 sigmoid
/// and tanh, see `Vec8`). Backward: per step one elementwise pass and one
/// gemm for dh(t−1); dW_x, dW_h, db and dx are then single gemms (a column
/// sum for db) over all steps.
///
/// Lengths and truncation behave exactly as in `rnn` (Recurrent.swift):
/// padded steps carry h and C, output 0, and pass gradients unchanged;
/// truncation k cuts dh and dC at window starts t = k, 2k, ...
///
/// Parameter gradients ACCUMULATE (+=); dInput is ASSIGNED (=).
public struct LSTMShape: Sendable, Equatable {
    public var batch: Int
    public var steps: Int
    public var inputSize: Int
    public var hiddenSize: Int
    /// true: output [N, T, H]; false (`return: last`): output [N, H].
    public var returnSequence: Bool

    public init(batch: Int, steps: Int, inputSize: Int, hiddenSize: Int, returnSequence: Bool = true) {
        self.batch = batch
        self.steps = steps
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.returnSequence = returnSequence
    }

    public var gateSize: Int { 4 * hiddenSize }
    /// Floats of the layer output.
    public var outputCount: Int { batch * (returnSequence ? steps : 1) * hiddenSize }

    // Parameters: [W_x [4H, F] | W_h [4H, H] | b [4H]].
    public var inputWeightOffset: Int { 0 }
    public var recurrentWeightOffset: Int { gateSize * inputSize }
    public var biasOffset: Int { recurrentWeightOffset + gateSize * hiddenSize }
    public var parameterCount: Int { biasOffset + gateSize }

    public var parameterSlices: [ParameterSlice] {
        [
            ParameterSlice(name: "input_weight", offset: inputWeightOffset, shape: [gateSize, inputSize]),
            ParameterSlice(name: "recurrent_weight", offset: recurrentWeightOffset, shape: [gateSize, hiddenSize]),
            ParameterSlice(name: "bias", offset: biasOffset, shape: [gateSize]),
        ]
    }

    // Storage (time-major): x [T, N, F] | gates [T, N, 4H] (activated i, f, g, o)
    // | h [T+1, N, H] | C [T+1, N, H] (slot s = step s−1, slot 0 = 0) | packed W_hᵀ.
    var storageGatesOffset: Int { steps * batch * inputSize }
    public var storageHiddenOffset: Int { storageGatesOffset + steps * batch * gateSize }
    var storageCellOffset: Int { storageHiddenOffset + (steps + 1) * batch * hiddenSize }
    /// W_hᵀ packed once per forward call for the per-step products (when it fits one GEMM panel).
    var storagePackedOffset: Int { storageCellOffset + (steps + 1) * batch * hiddenSize }
    var packsForward: Bool { gemmCanPackB(n: gateSize) }
    /// Where W_hᵀ starts in `lstmPackWeights`' copy (after the packed W_xᵀ).
    var packedRecurrentOffset: Int { gemmPackedBSize(k: inputSize, n: gateSize) }
    /// Floats forward stores for backward: T·N·F + T·N·4H + 2·(T+1)·N·H, plus the packed W_hᵀ (H·4H).
    public var storageCount: Int {
        storagePackedOffset + (packsForward ? gemmPackedBSize(k: hiddenSize, n: gateSize) : 0)
    }

    // Workspace: dGates [T, N, 4H] | dh(t−1) [N, H] | dC(t−1) [N, H] | dx [T, N, F] | packed W_h.
    var workspaceHiddenOffset: Int { steps * batch * gateSize }
    var workspaceCellOffset: Int { workspaceHiddenOffset + batch * hiddenSize }
    var workspaceInputOffset: Int { workspaceCellOffset + batch * hiddenSize }
    /// W_h packed once per backward call for the per-step products.
    var workspacePackedOffset: Int { workspaceInputOffset + steps * batch * inputSize }
    var packsBackward: Bool { gemmCanPackB(n: hiddenSize) }
    /// Floats of scratch backward needs: T·N·4H + 2·N·H + T·N·F, plus the packed W_h (4H·H).
    public var workspaceCount: Int {
        workspacePackedOffset + (packsBackward ? gemmPackedBSize(k: gateSize, n: hiddenSize) : 0)
    }
}

// MARK: - Fused kernels

/// Floats of `lstmPackWeights`' copy: W_xᵀ then W_hᵀ in the GEMM's packed
/// layout; nil where the gates do not fit one packed panel (forward packs nothing then).
public func lstmPackedWeightsCount(_ shape: LSTMShape) -> Int? {
    guard shape.packsForward else { return nil }
    return shape.packedRecurrentOffset + gemmPackedBSize(k: shape.hiddenSize, n: shape.gateSize)
}

/// Packs W_xᵀ and W_hᵀ once for forward passes with fixed weights (a frozen
/// inference plan), so that `lstmForward(…packedWeights:)` packs nothing per call.
/// into: [lstmPackedWeightsCount(shape)] floats; the batch in `shape` does not matter.
public func lstmPackWeights(parameters: UnsafePointer<Float>, shape: LSTMShape, into: UnsafeMutablePointer<Float>) {
    guard shape.packsForward else { return }
    let f = shape.inputSize, h = shape.hiddenSize, g4 = shape.gateSize
    gemmPackB(.transposed, k: f, n: g4, b: parameters + shape.inputWeightOffset, ldb: f, into: into)
    gemmPackB(.transposed, k: h, n: g4, b: parameters + shape.recurrentWeightOffset, ldb: h,
              into: into + shape.packedRecurrentOffset)
}

/// Forward over the batch of sequences.
/// - output: [N, T, H] (sequence) or [N, H] (last).
/// - storage: [shape.storageCount], written here, read by `lstmBackward`.
/// - input: [N, T, F]; parameters: [shape.parameterCount]; lengths: [N] or nil.
/// - packedWeights: `lstmPackWeights`' copy of these parameters, or nil to pack
///   W_hᵀ into storage on this call. The same bits either way: W_hᵀ is used
///   packed in both, and the packed W_xᵀ only where the GEMM gives the bits of
///   the unpacked product (`gemmPackedPathIsExact`).
public func lstmForward(
    output: UnsafeMutablePointer<Float>,
    storage: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    parameters: UnsafePointer<Float>,
    lengths: UnsafePointer<Int32>?,
    shape: LSTMShape,
    packedWeights: UnsafePointer<Float>? = nil,
    pool: ThreadPool? = nil
) {
    let n = shape.batch, steps = shape.steps, f = shape.inputSize, h = shape.hiddenSize
    let g4 = shape.gateSize, nh = n * h
    let xs = storage, gates = storage + shape.storageGatesOffset
    let hs = storage + shape.storageHiddenOffset, cs = storage + shape.storageCellOffset
    let wx = parameters + shape.inputWeightOffset

    let packed = shape.packsForward ? packedWeights : nil
    batchToTimeMajor(xs, input, batch: n, steps: steps, width: f)
    if let packed, gemmPackedPathIsExact(.none, .transposed, m: steps * n, n: g4, k: f) {
        gemm(.none, m: steps * n, n: g4, k: f, alpha: 1, a: xs, lda: f, packedB: packed,
             beta: 0, c: gates, ldc: g4, pool: pool)
    } else {
        gemm(.none, .transposed, m: steps * n, n: g4, k: f, alpha: 1, a: xs, lda: f, b: wx, ldb: f,
             beta: 0, c: gates, ldc: g4, pool: pool)
    }
    hs.update(repeating: 0, count: nh)
    cs.update(repeating: 0, count: nh)
    var packedRecurrent: UnsafePointer<Float>?
    if let packed {
        packedRecurrent = packed + shape.packedRecurrentOffset
    } else if shape.packsForward {
        gemmPackB(.transposed, k: h, n: g4, b: parameters + shape.recurrentWeightOffset, ldb: h,
                  into: storage + shape.storagePackedOffset)
        packedRecurrent = UnsafePointer(storage + shape.storagePackedOffset)
    }
    var job = LSTMStepsJob(shape: shape, storage: storage, parameters: parameters, lengths: lengths, output: output,
                           dOutput: nil, workspace: nil, truncation: 0, bands: recurrentBands(batch: shape.batch, pool),
                           packedRecurrent: packedRecurrent)
    runLSTMSteps(&job, pool: pool, forward: true)
    if !shape.returnSequence {
        writeRecurrentOutput(output, states: hs, width: h, batch: n, steps: steps, returnSequence: false,
                             lengths: lengths)
    }
}

/// Backward (BPTT) from the gradient of the layer output.
/// - dInput: [N, T, F] or nil; ASSIGNED.
/// - dParameters: [shape.parameterCount]; ACCUMULATED.
/// - workspace: [shape.workspaceCount] scratch.
/// - dOutput: like the forward's output; storage, parameters, lengths: as in forward.
/// - truncation: k > 0 for truncated BPTT in windows of k steps; 0 for full.
public func lstmBackward(
    dInput: UnsafeMutablePointer<Float>?,
    dParameters: UnsafeMutablePointer<Float>,
    workspace: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    storage: UnsafePointer<Float>,
    parameters: UnsafePointer<Float>,
    lengths: UnsafePointer<Int32>?,
    shape: LSTMShape,
    truncation: Int = 0,
    pool: ThreadPool? = nil
) {
    let n = shape.batch, steps = shape.steps, f = shape.inputSize, h = shape.hiddenSize
    let g4 = shape.gateSize, nh = n * h, ng = n * g4
    guard steps > 0 else { return }
    let xs = storage, hs = storage + shape.storageHiddenOffset
    let wx = parameters + shape.inputWeightOffset
    let dwx = dParameters + shape.inputWeightOffset, dwh = dParameters + shape.recurrentWeightOffset
    let db = dParameters + shape.biasOffset
    let dGates = workspace, dhCarry = workspace + shape.workspaceHiddenOffset
    let dcCarry = workspace + shape.workspaceCellOffset, dxs = workspace + shape.workspaceInputOffset

    dhCarry.update(repeating: 0, count: nh)
    dcCarry.update(repeating: 0, count: nh)
    if shape.packsBackward {
        gemmPackB(.none, k: g4, n: h, b: parameters + shape.recurrentWeightOffset, ldb: h,
                  into: workspace + shape.workspacePackedOffset)
    }
    var job = LSTMStepsJob(shape: shape, storage: UnsafeMutablePointer(mutating: storage), parameters: parameters,
                           lengths: lengths, output: nil, dOutput: dOutput, workspace: workspace, truncation: truncation,
                           bands: recurrentBands(batch: shape.batch, pool))
    runLSTMSteps(&job, pool: pool, forward: false)
    gemm(.transposed, .none, m: g4, n: f, k: steps * n, alpha: 1, a: dGates, lda: g4, b: xs, ldb: f,
         beta: 1, c: dwx, ldc: f, pool: pool)
    if steps > 1 {
        // Step t pairs with h(t−1) = slot t; step 0's h(−1) = 0 adds nothing.
        gemm(.transposed, .none, m: g4, n: h, k: (steps - 1) * n, alpha: 1, a: dGates + ng, lda: g4,
             b: hs + nh, ldb: h, beta: 1, c: dwh, ldc: h, pool: pool)
    }
    addColumnSums(db, dGates, rows: steps * n, width: g4)
    if let dInput {
        gemm(.none, .none, m: steps * n, n: f, k: g4, alpha: 1, a: dGates, lda: g4, b: wx, ldb: f,
             beta: 0, c: dxs, ldc: f, pool: pool)
        timeToBatchMajor(dInput, dxs, batch: n, steps: steps, width: f)
    }
}

// MARK: - The recurrence over bands of examples

/// The step loop's arguments. The recurrence is sequential in time but
/// independent across examples, so with several threads each thread runs
/// the whole loop for its own band of examples (one hand-off per call
/// instead of one per step); the per-step products are then small and run
/// single-threaded. Row results do not depend on the banding.
private struct LSTMStepsJob {
    var shape: LSTMShape
    var storage: UnsafeMutablePointer<Float>
    var parameters: UnsafePointer<Float>
    var lengths: UnsafePointer<Int32>?
    var output: UnsafeMutablePointer<Float>?
    var dOutput: UnsafePointer<Float>?
    var workspace: UnsafeMutablePointer<Float>?
    var truncation: Int
    /// Bands of examples, each running the whole loop on one thread.
    var bands: Int
    /// Parts of the units, when every thread shares each forward step instead (`lstmForwardUnitParts`).
    var unitParts = 1
    /// Forward: W_hᵀ packed for the per-step products (in storage, or a frozen copy); nil: unpacked.
    var packedRecurrent: UnsafePointer<Float>? = nil
}

private func runLSTMSteps(_ job: inout LSTMStepsJob, pool: ThreadPool?, forward: Bool) {
    if forward, let pool, let parts = lstmForwardUnitParts(job.shape, pool) {
        job.unitParts = parts
        withUnsafeMutablePointer(to: &job) { pointer in
            pool.parallelSteps(pointer.pointee.shape.steps, parts: parts, context: UnsafeMutableRawPointer(pointer)) {
                context, step, part in
                lstmForwardStepPart(context.assumingMemoryBound(to: LSTMStepsJob.self).pointee, step: step, part: part)
            }
        }
        return
    }
    guard job.bands > 1, let pool else {
        let stepPool = recurrentStepPool(pool)
        if forward { lstmForwardSteps(job, rows: 0..<job.shape.batch, pool: stepPool) }
        else { lstmBackwardSteps(job, rows: 0..<job.shape.batch, pool: stepPool) }
        return
    }
    withUnsafeMutablePointer(to: &job) { pointer in
        let context = UnsafeMutableRawPointer(pointer)
        if forward {
            pool.parallelFor(pointer.pointee.bands, context: context) { context, band in
                let job = context.assumingMemoryBound(to: LSTMStepsJob.self).pointee
                lstmForwardSteps(job, rows: ThreadPool.chunkRange(band, of: job.bands, count: job.shape.batch), pool: nil)
            }
        } else {
            pool.parallelFor(pointer.pointee.bands, context: context) { context, band in
                let job = context.assumingMemoryBound(to: LSTMStepsJob.self).pointee
                lstmBackwardSteps(job, rows: ThreadPool.chunkRange(band, of: job.bands, count: job.shape.batch), pool: nil)
            }
        }
    }
}

/// The band's view of the layer output: [rows, T, H] (sequence) or [rows, H] (last).
private func outputOffset(_ shape: LSTMShape, _ r0: Int) -> Int {
    r0 * (shape.returnSequence ? shape.steps : 1) * shape.hiddenSize
}

/// Forward recurrence for examples `rows`: per step the recurrent product of
/// all four gates and one cell pass (the input part is already in the gates).
private func lstmForwardSteps(_ job: LSTMStepsJob, rows: Range<Int>, pool: ThreadPool?) {
    let shape = job.shape, n = shape.batch, h = shape.hiddenSize, g4 = shape.gateSize
    let nh = n * h, ng = n * g4, r0 = rows.lowerBound
    var band = shape
    band.batch = rows.count
    guard band.batch > 0 else { return }
    let gates = job.storage + shape.storageGatesOffset + r0 * g4
    let hs = job.storage + shape.storageHiddenOffset + r0 * h, cs = job.storage + shape.storageCellOffset + r0 * h
    let wh = job.parameters + shape.recurrentWeightOffset, b = job.parameters + shape.biasOffset
    let output = shape.returnSequence ? job.output.map { $0 + outputOffset(shape, r0) } : nil
    let lengths = job.lengths.map { $0 + r0 }
    for t in 0..<shape.steps {
        if t > 0, let packed = job.packedRecurrent {
            gemm(.none, m: band.batch, n: g4, k: h, alpha: 1, a: hs + t * nh, lda: h,
                 packedB: packed, beta: 1, c: gates + t * ng, ldc: g4, pool: pool)
        } else if t > 0 {
            gemm(.none, .transposed, m: band.batch, n: g4, k: h, alpha: 1, a: hs + t * nh, lda: h, b: wh, ldb: h,
                 beta: 1, c: gates + t * ng, ldc: g4, pool: pool)
        }
        lstmCellForward(gates + t * ng, hNext: hs + (t + 1) * nh, cNext: cs + (t + 1) * nh,
                        hPrevious: hs + t * nh, cPrevious: cs + t * nh, bias: b, step: t,
                        sequenceOutput: output, lengths: lengths, shape: band)
    }
}

/// How many parts a forward step splits into by units, so that all threads
/// share each step (`ThreadPool.parallelSteps`), or nil to split by examples
/// or not at all. For a batch too small to split into bands of examples (a few
/// rows, batch-1 inference) whose per-step product is worth sharing, with the
/// units in whole 16-column slivers of the packed W_hᵀ (H a multiple of 16).
func lstmForwardUnitParts(_ shape: LSTMShape, _ pool: ThreadPool) -> Int? {
    let h = shape.hiddenSize, nr = GEMMBlocking.nr
    guard pool.threadCount > 1, !pool.isBackingOff, shape.packsForward, gemmPackedTakesFewRows(m: shape.batch),
          h % nr == 0, shape.batch * shape.gateSize * h >= GEMMBlocking.fewRowsParallelWork else { return nil }
    let parts = min(pool.threadCount, h / nr)
    return parts > 1 ? parts : nil
}

/// Part `part` of forward step t when the units split in `job.unitParts` parts:
/// the four gates' recurrent columns for the part's units, then their cell
/// pass. Every unit's values are those of `lstmForwardSteps` (a column's
/// sums do not depend on the slivers computed with it).
private func lstmForwardStepPart(_ job: LSTMStepsJob, step t: Int, part: Int) {
    let shape = job.shape, n = shape.batch, h = shape.hiddenSize, g4 = shape.gateSize
    let nh = n * h, ng = n * g4, nr = GEMMBlocking.nr
    let slivers = ThreadPool.chunkRange(part, of: job.unitParts, count: h / nr)
    let gates = job.storage + shape.storageGatesOffset + t * ng
    let hs = job.storage + shape.storageHiddenOffset, cs = job.storage + shape.storageCellOffset
    // packedRecurrent is set: lstmForwardUnitParts splits only shapes that pack forward.
    if t > 0, let packed = job.packedRecurrent {
        for gate in 0..<4 {
            let first = gate * (h / nr)
            gemmFewRowsPacked(m: n, n: g4, k: h, alpha: 1, a: hs + t * nh, lda: h,
                              packedB: packed, beta: 1, c: gates, ldc: g4,
                              slivers: (first + slivers.lowerBound)..<(first + slivers.upperBound))
        }
    }
    lstmCellForward(gates, hNext: hs + (t + 1) * nh, cNext: cs + (t + 1) * nh, hPrevious: hs + t * nh,
                    cPrevious: cs + t * nh, bias: job.parameters + shape.biasOffset, step: t,
                    sequenceOutput: shape.returnSequence ? job.output : nil, lengths: job.lengths, shape: shape,
                    units: (slivers.lowerBound * nr)..<(slivers.upperBound * nr))
}

/// Backward recurrence for examples `rows`: per step one cell pass and the
/// product that carries dh to the previous step.
private func lstmBackwardSteps(_ job: LSTMStepsJob, rows: Range<Int>, pool: ThreadPool?) {
    let shape = job.shape, n = shape.batch, h = shape.hiddenSize, g4 = shape.gateSize
    let nh = n * h, ng = n * g4, r0 = rows.lowerBound
    var band = shape
    band.batch = rows.count
    guard band.batch > 0, let workspace = job.workspace, let dOutput = job.dOutput else { return }
    let gates = job.storage + shape.storageGatesOffset + r0 * g4
    let cs = job.storage + shape.storageCellOffset + r0 * h
    let wh = job.parameters + shape.recurrentWeightOffset
    let dGates = workspace + r0 * g4
    let dhCarry = workspace + shape.workspaceHiddenOffset + r0 * h
    let dcCarry = workspace + shape.workspaceCellOffset + r0 * h
    let dOut = dOutput + outputOffset(shape, r0)
    let lengths = job.lengths.map { $0 + r0 }
    for t in stride(from: shape.steps - 1, through: 0, by: -1) {
        let cut = crossesWindow(from: t, to: t - 1, truncation: job.truncation)
        lstmCellBackward(dGates + t * ng, dhCarry: dhCarry, dcCarry: dcCarry, dOutput: dOut,
                         gates: gates + t * ng, cNow: cs + (t + 1) * nh, cPrevious: cs + t * nh,
                         step: t, cut: cut, lengths: lengths, shape: band)
        if t > 0 && !cut && shape.packsBackward {
            gemm(.none, m: band.batch, n: h, k: g4, alpha: 1, a: dGates + t * ng, lda: g4,
                 packedB: workspace + shape.workspacePackedOffset, beta: 1, c: dhCarry, ldc: h)
        } else if t > 0 && !cut {
            gemm(.none, .none, m: band.batch, n: h, k: g4, alpha: 1, a: dGates + t * ng, lda: g4, b: wh, ldb: h,
                 beta: 1, c: dhCarry, ldc: h, pool: pool)
        }
    }
}

/// One step's cell pass. gates: [N, 4H], in: pre-activations without b;
/// out: i, f, g, o. hNext, cNext, hPrevious, cPrevious: [N, H]; bias: [4H];
/// sequenceOutput: the layer output [N, T, H] when returning the sequence;
/// units: the hidden units to compute (all when nil).
private func lstmCellForward(
    _ gates: UnsafeMutablePointer<Float>,
    hNext: UnsafeMutablePointer<Float>, cNext: UnsafeMutablePointer<Float>,
    hPrevious: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>,
    bias: UnsafePointer<Float>, step t: Int,
    sequenceOutput: UnsafeMutablePointer<Float>?,
    lengths: UnsafePointer<Int32>?, shape: LSTMShape, units: Range<Int>? = nil
) {
    let h = shape.hiddenSize, steps = shape.steps
    let units = units ?? 0..<h, u0 = units.lowerBound
    for n in 0..<shape.batch {
        // Pointers start at the first unit: unit u0 + j is at offset j (gate blocks h apart).
        let g = gates + n * 4 * h + u0
        let hn = hNext + n * h + u0, cn = cNext + n * h + u0, hp = hPrevious + n * h + u0, cp = cPrevious + n * h + u0
        let out = sequenceOutput.map { $0 + (n * steps + t) * h + u0 }
        let bias = bias + u0, count = units.count
        guard t < sequenceLength(lengths, n, steps: steps) else {
            hn.update(from: hp, count: count)
            cn.update(from: cp, count: count)
            out?.update(repeating: 0, count: count)
            continue
        }
        // Full vectors with constant lane counts (the partial-load branches
        // fold away), then the tail.
        @inline(__always) func cell(_ j: Int, _ lanes: Int) {
            let i = Vec8.sigmoid(Vec8.load(g + j, count: lanes) + Vec8.load(bias + j, count: lanes))
            let f = Vec8.sigmoid(Vec8.load(g + h + j, count: lanes) + Vec8.load(bias + h + j, count: lanes))
            let c̃ = Vec8.tanh(Vec8.load(g + 2 * h + j, count: lanes) + Vec8.load(bias + 2 * h + j, count: lanes))
            let o = Vec8.sigmoid(Vec8.load(g + 3 * h + j, count: lanes) + Vec8.load(bias + 3 * h + j, count: lanes))
            let c = (i * c̃).addingProduct(f, Vec8.load(cp + j, count: lanes))
            let hv = o * Vec8.tanh(c)
            Vec8.store(i, g + j, count: lanes)
            Vec8.store(f, g + h + j, count: lanes)
            Vec8.store(c̃, g + 2 * h + j, count: lanes)
            Vec8.store(o, g + 3 * h + j, count: lanes)
            Vec8.store(c, cn + j, count: lanes)
            Vec8.store(hv, hn + j, count: lanes)
            if let out { Vec8.store(hv, out + j, count: lanes) }
        }
        var j = 0
        #if NNC_AVX512
        // Sixteen lanes at a time (the same bits per lane as the eight-lane cell).
        while j + 16 <= count {
            typealias W = Vec16
            let i = W.sigmoid(W.load(g + j) + W.load(bias + j))
            let f = W.sigmoid(W.load(g + h + j) + W.load(bias + h + j))
            let c̃ = W.tanh(W.load(g + 2 * h + j) + W.load(bias + 2 * h + j))
            let o = W.sigmoid(W.load(g + 3 * h + j) + W.load(bias + 3 * h + j))
            let c = (i * c̃).addingProduct(f, W.load(cp + j))
            let hv = o * W.tanh(c)
            W.store(i, g + j); W.store(f, g + h + j); W.store(c̃, g + 2 * h + j); W.store(o, g + 3 * h + j)
            W.store(c, cn + j)
            W.store(hv, hn + j)
            if let out { W.store(hv, out + j) }
            j += 16
        }
        #endif
        while j + 8 <= count { cell(j, 8); j += 8 }
        if j < count { cell(j, count - j) }
    }
}

/// One step's cell backward. Reads dh = dhCarry + dOutput(t) and dC = dcCarry;
/// writes the gate pre-activation gradients dGates [N, 4H], dcCarry = dC ⊙ f
/// (0 when cut) and dhCarry = 0, to which the caller's gemm adds dGates·W_h.
/// Padded examples: dGates = 0, dh and dC carried unchanged.
/// gates: [N, 4H] activated; cNow, cPrevious, dhCarry, dcCarry: [N, H];
/// dOutput: the layer output gradient ([N, T, H] or [N, H]).
private func lstmCellBackward(
    _ dGates: UnsafeMutablePointer<Float>,
    dhCarry: UnsafeMutablePointer<Float>, dcCarry: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    gates: UnsafePointer<Float>, cNow: UnsafePointer<Float>, cPrevious: UnsafePointer<Float>,
    step t: Int, cut: Bool,
    lengths: UnsafePointer<Int32>?, shape: LSTMShape
) {
    let h = shape.hiddenSize, steps = shape.steps
    let keepCell = Vec8.V(repeating: cut ? 0 : 1)
    for n in 0..<shape.batch {
        let dg = dGates + n * 4 * h, g = gates + n * 4 * h
        let dhn = dhCarry + n * h, dcn = dcCarry + n * h, c = cNow + n * h, cp = cPrevious + n * h
        let active = t < sequenceLength(lengths, n, steps: steps)
        // The output gradient of this step: every valid step (sequence), or step T−1 (last).
        let dOut: UnsafePointer<Float>? = shape.returnSequence
            ? (active ? dOutput + (n * steps + t) * h : nil)
            : (t == steps - 1 ? dOutput + n * h : nil)
        guard active else {
            if let dOut { addInPlace(dhn, dOut, count: h) }
            dg.update(repeating: 0, count: 4 * h)
            continue
        }
        @inline(__always) func cell(_ j: Int, _ lanes: Int) {
            var dh = Vec8.load(dhn + j, count: lanes)
            if let dOut { dh += Vec8.load(dOut + j, count: lanes) }
            let i = Vec8.load(g + j, count: lanes), f = Vec8.load(g + h + j, count: lanes)
            let c̃ = Vec8.load(g + 2 * h + j, count: lanes), o = Vec8.load(g + 3 * h + j, count: lanes)
            let tc = Vec8.tanh(Vec8.load(c + j, count: lanes))
            let dc = Vec8.load(dcn + j, count: lanes).addingProduct(dh * o, 1 - tc * tc)
            Vec8.store(dc * i * (1 - i) * c̃, dg + j, count: lanes)
            Vec8.store(dc * Vec8.load(cp + j, count: lanes) * f * (1 - f), dg + h + j, count: lanes)
            Vec8.store(dc * i * (1 - c̃ * c̃), dg + 2 * h + j, count: lanes)
            Vec8.store(dh * tc * o * (1 - o), dg + 3 * h + j, count: lanes)
            Vec8.store(dc * f * keepCell, dcn + j, count: lanes)
            Vec8.store(Vec8.V(), dhn + j, count: lanes)
        }
        var j = 0
        #if NNC_AVX512
        // Sixteen lanes at a time (the same operations per lane as the eight-lane cell).
        let keepCell16 = Vec16.V(repeating: cut ? 0 : 1)
        while j + 16 <= h {
            typealias W = Vec16
            var dh = W.load(dhn + j)
            if let dOut { dh += W.load(dOut + j) }
            let i = W.load(g + j), f = W.load(g + h + j), c̃ = W.load(g + 2 * h + j), o = W.load(g + 3 * h + j)
            let tc = W.tanh(W.load(c + j))
            let dc = W.load(dcn + j).addingProduct(dh * o, 1 - tc * tc)
            W.store(dc * i * (1 - i) * c̃, dg + j)
            W.store(dc * W.load(cp + j) * f * (1 - f), dg + h + j)
            W.store(dc * i * (1 - c̃ * c̃), dg + 2 * h + j)
            W.store(dh * tc * o * (1 - o), dg + 3 * h + j)
            W.store(dc * f * keepCell16, dcn + j)
            W.store(W.V(), dhn + j)
            j += 16
        }
        #endif
        while j + 8 <= h { cell(j, 8); j += 8 }
        if j < h { cell(j, h - j) }
    }
}

// MARK: - Naive reference (test oracle): per example, per step, per gate, in Double

/// What the reference forward computed, batch-major, in Double.
public struct LSTMReferenceTape: Sendable {
    /// [N, T, H] each: the activated gates at valid steps (0 past the length).
    public var input: [Double], forget: [Double], candidate: [Double], output: [Double]
    /// [N, T+1, H] each: slot s holds the value at step s−1; slot 0 is 0.
    public var hidden: [Double], cell: [Double]
    /// The layer output, laid out as `lstmForward`'s.
    public var layerOutput: [Double]
}

/// Reference forward, unfused: each gate its own loops. Allocates.
/// input: [N, T, F]; parameters: [shape.parameterCount]; lengths: [N] or nil.
public func lstmForwardReference(input x: [Float], parameters: [Float], lengths: [Int32]?,
                                 shape: LSTMShape) -> LSTMReferenceTape {
    let bN = shape.batch, sT = shape.steps, sF = shape.inputSize, sH = shape.hiddenSize
    let p = parameters.map(Double.init)
    var tape = LSTMReferenceTape(
        input: .init(repeating: 0, count: bN * sT * sH), forget: .init(repeating: 0, count: bN * sT * sH),
        candidate: .init(repeating: 0, count: bN * sT * sH), output: .init(repeating: 0, count: bN * sT * sH),
        hidden: .init(repeating: 0, count: bN * (sT + 1) * sH), cell: .init(repeating: 0, count: bN * (sT + 1) * sH),
        layerOutput: .init(repeating: 0, count: shape.outputCount))
    // Pre-activation of gate `gate` (0 i, 1 f, 2 g, 3 o), unit j.
    func preactivation(_ gate: Int, _ j: Int, _ n: Int, _ t: Int, _ hPrev: [Double], _ hBase: Int) -> Double {
        let row = gate * sH + j
        var a = p[shape.biasOffset + row]
        for i in 0..<sF { a += p[shape.inputWeightOffset + row * sF + i] * Double(x[(n * sT + t) * sF + i]) }
        for k in 0..<sH { a += p[shape.recurrentWeightOffset + row * sH + k] * hPrev[hBase + k] }
        return a
    }
    for n in 0..<bN {
        let length = referenceLength(lengths, n, sT)
        for t in 0..<sT {
            let prev = (n * (sT + 1) + t) * sH, now = prev + sH, at = (n * sT + t) * sH
            guard t < length else {
                for j in 0..<sH {
                    tape.hidden[now + j] = tape.hidden[prev + j]
                    tape.cell[now + j] = tape.cell[prev + j]
                }
                continue
            }
            let hPrev = tape.hidden
            for j in 0..<sH { tape.input[at + j] = 1 / (1 + exp(-preactivation(0, j, n, t, hPrev, prev))) }
            for j in 0..<sH { tape.forget[at + j] = 1 / (1 + exp(-preactivation(1, j, n, t, hPrev, prev))) }
            for j in 0..<sH { tape.candidate[at + j] = tanh(preactivation(2, j, n, t, hPrev, prev)) }
            for j in 0..<sH { tape.output[at + j] = 1 / (1 + exp(-preactivation(3, j, n, t, hPrev, prev))) }
            for j in 0..<sH {
                tape.cell[now + j] = tape.forget[at + j] * tape.cell[prev + j] + tape.input[at + j] * tape.candidate[at + j]
                tape.hidden[now + j] = tape.output[at + j] * tanh(tape.cell[now + j])
            }
            if shape.returnSequence {
                for j in 0..<sH { tape.layerOutput[(n * sT + t) * sH + j] = tape.hidden[now + j] }
            }
        }
        if !shape.returnSequence {
            for j in 0..<sH { tape.layerOutput[n * sH + j] = tape.hidden[(n * (sT + 1) + sT) * sH + j] }
        }
    }
    return tape
}

/// Reference backward, unfused, one example at a time. Returns dInput
/// [N, T, F] and dParameters [parameterCount] (fresh, not accumulated).
/// dOutput: like the layer output. Allocates.
public func lstmBackwardReference(dOutput: [Float], tape: LSTMReferenceTape, input x: [Float], parameters: [Float],
                                  lengths: [Int32]?, shape: LSTMShape,
                                  truncation: Int = 0) -> (dInput: [Double], dParameters: [Double]) {
    let bN = shape.batch, sT = shape.steps, sF = shape.inputSize, sH = shape.hiddenSize
    let p = parameters.map(Double.init)
    var dp = [Double](repeating: 0, count: shape.parameterCount)
    var dx = [Double](repeating: 0, count: bN * sT * sF)
    for n in 0..<bN {
        let length = referenceLength(lengths, n, sT)
        var dh = [[Double]](repeating: [Double](repeating: 0, count: sH), count: sT)
        var dc = [[Double]](repeating: [Double](repeating: 0, count: sH), count: sT)
        if shape.returnSequence {
            for t in 0..<length { for j in 0..<sH { dh[t][j] += Double(dOutput[(n * sT + t) * sH + j]) } }
        } else {
            for j in 0..<sH { dh[sT - 1][j] += Double(dOutput[n * sH + j]) }
        }
        for t in stride(from: sT - 1, through: 0, by: -1) {
            let prev = (n * (sT + 1) + t) * sH, now = prev + sH, at = (n * sT + t) * sH
            guard t < length else {
                if t > 0 { for j in 0..<sH { dh[t - 1][j] += dh[t][j]; dc[t - 1][j] += dc[t][j] } }
                continue
            }
            let passes = t > 0 && !crossesWindow(from: t, to: t - 1, truncation: truncation)
            // Pre-activation gradients per gate.
            var da = [[Double]](repeating: [Double](repeating: 0, count: sH), count: 4)
            for j in 0..<sH {
                let i = tape.input[at + j], f = tape.forget[at + j], g = tape.candidate[at + j], o = tape.output[at + j]
                let tc = tanh(tape.cell[now + j])
                let dcj = dc[t][j] + dh[t][j] * o * (1 - tc * tc)
                da[0][j] = dcj * g * i * (1 - i)
                da[1][j] = dcj * tape.cell[prev + j] * f * (1 - f)
                da[2][j] = dcj * i * (1 - g * g)
                da[3][j] = dh[t][j] * tc * o * (1 - o)
                if passes { dc[t - 1][j] += dcj * f }
            }
            for gate in 0..<4 {
                for j in 0..<sH {
                    let row = gate * sH + j, d = da[gate][j]
                    dp[shape.biasOffset + row] += d
                    for i in 0..<sF {
                        dp[shape.inputWeightOffset + row * sF + i] += d * Double(x[(n * sT + t) * sF + i])
                        dx[(n * sT + t) * sF + i] += p[shape.inputWeightOffset + row * sF + i] * d
                    }
                    for k in 0..<sH {
                        dp[shape.recurrentWeightOffset + row * sH + k] += d * tape.hidden[prev + k]
                        if passes { dh[t - 1][k] += p[shape.recurrentWeightOffset + row * sH + k] * d }
                    }
                }
            }
        }
    }
    return (dx, dp)
}
