/// 2-D convolution, NCHW, as cross-correlation (like every deep-learning
/// framework: the kernel is not flipped):
///
///   output[b, o, oh, ow] = bias[o] + Σ_{c, kh, kw} weight[o, c, kh, kw]
///                                     · input[b, c, oh·strideH − padH + kh, ow·strideW − padW + kw]
///
/// (input taken as 0 in the padding). Shapes:
///   input:  [N, inC, inH, inW]         weight: [outC, inC, kH, kW]
///   output: [N, outC, outH, outW]      bias:   [outC]
///
/// The fast path lowers each image to a GEMM through im2col (Im2Col.swift):
///   forward:  output_b[outC, outH·outW] = weight[outC, inC·kH·kW] · col_b
///   dWeight  += dOutput_b · col_bᵀ
///   dCol_b    = weightᵀ · dOutput_b, then col2im into dInput_b.
/// A 1×1 kernel with stride 1 and no padding needs no im2col: col_b is the image.
///
/// Backward convention (as in llm.c): parameter gradients (dWeight, dBias)
/// ACCUMULATE (+=) so they can sum over calls; the activation gradient
/// (dInput) is ASSIGNED (=).

/// The sizes of one convolution layer and batch.
public struct Conv2DGeometry: Sendable, Equatable {
    public var batch: Int
    public var inChannels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideH: Int
    public var strideW: Int
    public var padH: Int
    public var padW: Int

    public init(batch: Int, inChannels: Int, inHeight: Int, inWidth: Int,
                outChannels: Int, kernelHeight: Int, kernelWidth: Int,
                strideH: Int = 1, strideW: Int = 1, padH: Int = 0, padW: Int = 0) {
        self.batch = batch
        self.inChannels = inChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideH = strideH
        self.strideW = strideW
        self.padH = padH
        self.padW = padW
    }

    /// floor((inH + 2·padH − kH) / strideH) + 1
    public var outHeight: Int { (inHeight + 2 * padH - kernelHeight) / strideH + 1 }
    /// floor((inW + 2·padW − kW) / strideW) + 1
    public var outWidth: Int { (inWidth + 2 * padW - kernelWidth) / strideW + 1 }
    /// Weights per output channel, inC·kH·kW: the rows of the im2col matrix.
    public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    /// Pixels per output channel, outH·outW: the columns of the im2col matrix.
    public var outPlane: Int { outHeight * outWidth }
    /// Floats in input [N, inC, inH, inW].
    public var inputCount: Int { batch * inChannels * inHeight * inWidth }
    /// Floats in output [N, outC, outH, outW].
    public var outputCount: Int { batch * outChannels * outPlane }
    /// Floats in weight [outC, inC, kH, kW].
    public var weightCount: Int { outChannels * patchSize }

    /// Positive sizes and strides, non-negative padding, and a kernel that
    /// fits the padded input (at least one output pixel). The kernels require it.
    public var isValid: Bool {
        batch > 0 && inChannels > 0 && inHeight > 0 && inWidth > 0 && outChannels > 0
            && kernelHeight > 0 && kernelWidth > 0 && strideH > 0 && strideW > 0
            && padH >= 0 && padW >= 0
            && inHeight + 2 * padH >= kernelHeight && inWidth + 2 * padW >= kernelWidth
    }

    /// 1×1 kernel, stride 1, no padding: the image is its own im2col matrix.
    var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideH == 1 && strideW == 1 && padH == 0 && padW == 0
    }
}

/// Floats of workspace that `conv2dForward`/`conv2dBackward` need for this
/// geometry when run with a pool of `threads` threads (1 without a pool).
/// The runtime allocates it once per plan. 0 for an invalid geometry.
public func conv2dWorkspaceSize(geometry g: Conv2DGeometry, threads: Int) -> Int {
    guard g.isValid else { return 0 }
    return max(ConvSchedule(geometry: g, threads: threads).chunks * ConvSchedule.floatsPerChunk(g),
               conv2dDirectWorkspaceSize(g, threads: threads))
}

/// How a call spreads over threads, decided from the geometry and the thread
/// count only (so a thread count always gives the same bits): small per-image
/// GEMMs run single-threaded with images split into `chunks` parallel groups;
/// large ones run image after image with the GEMM itself split.
private struct ConvSchedule {
    let chunks: Int
    let splitGEMM: Bool

    init(geometry g: Conv2DGeometry, threads: Int) {
        let threads = max(1, threads)
        if threads == 1 {
            chunks = 1
            splitGEMM = false
        } else if g.batch == 1 || gemmSplitsAcrossThreads(m: g.outChannels, n: g.outPlane, k: g.patchSize) {
            chunks = 1
            splitGEMM = true
        } else {
            chunks = min(threads, g.batch)
            splitGEMM = false
        }
    }

    /// Per chunk: an im2col matrix [patchSize, outPlane] and, for backward, a
    /// partial dWeight [outC, patchSize] (used when chunks > 1).
    static func floatsPerChunk(_ g: Conv2DGeometry) -> Int {
        g.patchSize * g.outPlane + g.weightCount
    }
}

/// output = conv(input, weight) + bias (bias may be nil).
///   input: [N, inC, inH, inW], weight: [outC, inC, kH, kW], bias: [outC],
///   output: [N, outC, outH, outW] (assigned).
/// `workspace` holds at least `conv2dWorkspaceSize(geometry:threads:)` floats
/// for the pool's thread count.
public func conv2dForward(
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    geometry g: Conv2DGeometry,
    workspace: UnsafeMutableBufferPointer<Float>,
    pool: ThreadPool?
) {
    precondition(g.isValid, "conv2dForward: invalid geometry \(g)")
    // Stride 1: no im2col at all (ConvDirect.swift), the same bits.
    if conv2dForwardDirect(output: output, input: input, weight: weight, bias: bias, geometry: g,
                           workspace: workspace, pool: pool) { return }
    let schedule = ConvSchedule(geometry: g, threads: pool?.threadCount ?? 1)
    let perChunk = ConvSchedule.floatsPerChunk(g)
    precondition(workspace.count >= schedule.chunks * perChunk, "conv2dForward: workspace too small")
    guard let base = workspace.baseAddress else { return }
    var job = ConvJob(g: g, input: input, weight: weight, bias: bias, output: output, dOutput: nil, dInput: nil,
                      dWeight: nil, base: base, perChunk: perChunk, chunks: schedule.chunks,
                      gemmPool: schedule.splitGEMM ? pool : nil)
    if schedule.chunks == 1 {
        convForwardImages(job, images: 0..<g.batch, col: base)
    } else if let pool {
        // The chunks read their arguments from `job` (no closure: no allocation per call).
        withUnsafeMutablePointer(to: &job) { pointer in
            pool.parallelFor(schedule.chunks, context: UnsafeMutableRawPointer(pointer)) { context, chunk in
                let job = context.assumingMemoryBound(to: ConvJob.self).pointee
                convForwardImages(job, images: ThreadPool.chunkRange(chunk, of: job.chunks, count: job.g.batch),
                                  col: job.base + chunk * job.perChunk)
            }
        }
    }
}

/// The arguments of one conv2d call, shared by its parallel chunks.
private struct ConvJob {
    var g: Conv2DGeometry
    var input: UnsafePointer<Float>
    var weight: UnsafePointer<Float>
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>?
    var dOutput: UnsafePointer<Float>?
    var dInput: UnsafeMutablePointer<Float>?
    var dWeight: UnsafeMutablePointer<Float>?
    /// Workspace: `chunks` blocks of `perChunk` floats.
    var base: UnsafeMutablePointer<Float>
    var perChunk: Int
    var chunks: Int
    /// The pool for each image's gemm when one gemm is big enough to split.
    var gemmPool: ThreadPool?
}

/// One image as the GEMM's right operand [patch, plane]: the image itself for a
/// 1×1 kernel, else its im2col unfolding into `scratch`.
private func imageColumns(_ x: UnsafePointer<Float>, geometry g: Conv2DGeometry,
                          scratch: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
    guard !g.isPointwise else { return x }
    im2col(x, geometry: g, into: scratch)
    return UnsafePointer(scratch)
}

/// Forward over `images`, with `col` as the im2col scratch.
private func convForwardImages(_ job: ConvJob, images: Range<Int>, col: UnsafeMutablePointer<Float>) {
    let g = job.g
    guard let output = job.output else { return }
    let plane = g.outPlane, patch = g.patchSize
    let inImage = g.inChannels * g.inHeight * g.inWidth, outImage = g.outChannels * plane
    for b in images {
        let x = job.input + b * inImage
        let y = output + b * outImage
        let columns = imageColumns(x, geometry: g, scratch: col)
        // Start from the bias and let the GEMM add onto it (beta = 1).
        if let bias = job.bias {
            for o in 0..<g.outChannels { (y + o * plane).update(repeating: bias[o], count: plane) }
        }
        gemm(.none, .none, m: g.outChannels, n: plane, k: patch, alpha: 1,
             a: job.weight, lda: patch, b: columns, ldb: plane,
             beta: job.bias == nil ? 0 : 1, c: y, ldc: plane, pool: job.gemmPool)
    }
}

/// Gradients of `conv2dForward`.
///   dOutput: [N, outC, outH, outW], input: [N, inC, inH, inW], weight: [outC, inC, kH, kW]
///   dWeight: [outC, inC, kH, kW]  ACCUMULATED (+=)
///   dBias:   [outC]               ACCUMULATED (+=), skipped when nil
///   dInput:  [N, inC, inH, inW]   ASSIGNED (=), skipped when nil (first layer)
/// `workspace` as for `conv2dForward`.
public func conv2dBackward(
    dInput: UnsafeMutablePointer<Float>?,
    dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>?,
    dOutput: UnsafePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    geometry g: Conv2DGeometry,
    workspace: UnsafeMutableBufferPointer<Float>,
    pool: ThreadPool?
) {
    precondition(g.isValid, "conv2dBackward: invalid geometry \(g)")
    let schedule = ConvSchedule(geometry: g, threads: pool?.threadCount ?? 1)
    let perChunk = ConvSchedule.floatsPerChunk(g)
    precondition(workspace.count >= schedule.chunks * perChunk, "conv2dBackward: workspace too small")
    guard let base = workspace.baseAddress else { return }
    let plane = g.outPlane, patch = g.patchSize

    if let dBias {
        accumulateBiasGradient(dBias, dOutput: dOutput, batch: g.batch, channels: g.outChannels, plane: plane)
    }
    var job = ConvJob(g: g, input: input, weight: weight, bias: nil, output: nil, dOutput: dOutput, dInput: dInput,
                      dWeight: dWeight, base: base, perChunk: perChunk, chunks: schedule.chunks,
                      gemmPool: schedule.splitGEMM ? pool : nil)
    if schedule.chunks == 1 {
        convBackwardImages(job, images: 0..<g.batch, col: base, dW: dWeight)
        return
    }
    guard let pool else { return }
    // Each chunk sums its images into a private partial; the partials are
    // then added in chunk order, so the result depends only on the chunking.
    withUnsafeMutablePointer(to: &job) { pointer in
        pool.parallelFor(schedule.chunks, context: UnsafeMutableRawPointer(pointer)) { context, chunk in
            let job = context.assumingMemoryBound(to: ConvJob.self).pointee
            let col = job.base + chunk * job.perChunk
            let partial = col + job.g.patchSize * job.g.outPlane
            partial.update(repeating: 0, count: job.g.weightCount)
            convBackwardImages(job, images: ThreadPool.chunkRange(chunk, of: job.chunks, count: job.g.batch),
                               col: col, dW: partial)
        }
    }
    for chunk in 0..<schedule.chunks {
        let partial = base + chunk * perChunk + patch * plane
        for i in 0..<g.weightCount { dWeight[i] += partial[i] }
    }
}

/// Backward over `images`: dWeight contributions go to `dW`; dInput is written per image.
private func convBackwardImages(_ job: ConvJob, images: Range<Int>, col: UnsafeMutablePointer<Float>,
                                dW: UnsafeMutablePointer<Float>) {
    let g = job.g
    guard let dOutput = job.dOutput else { return }
    let plane = g.outPlane, patch = g.patchSize
    let inImage = g.inChannels * g.inHeight * g.inWidth, outImage = g.outChannels * plane
    for b in images {
        let x = job.input + b * inImage
        let dy = dOutput + b * outImage
        let columns = imageColumns(x, geometry: g, scratch: col)
        // dW[outC, patch] += dY_b[outC, plane] · col_bᵀ
        gemm(.none, .transposed, m: g.outChannels, n: patch, k: plane, alpha: 1,
             a: dy, lda: plane, b: columns, ldb: plane, beta: 1, c: dW, ldc: patch, pool: job.gemmPool)
        guard let dInput = job.dInput else { continue }
        let dx = dInput + b * inImage
        // dCol[patch, plane] = Wᵀ · dY_b; pointwise: dCol is dX itself.
        let dCol = g.isPointwise ? dx : col
        gemm(.transposed, .none, m: patch, n: plane, k: g.outChannels, alpha: 1,
             a: job.weight, lda: patch, b: dy, ldb: plane, beta: 0, c: dCol, ldc: plane, pool: job.gemmPool)
        if !g.isPointwise {
            dx.update(repeating: 0, count: inImage)
            col2imAccumulate(col, geometry: g, into: dx)
        }
    }
}

/// dBias[o] += Σ_{b, pixel} dOutput[b, o, pixel], summed in a fixed order.
private func accumulateBiasGradient(_ dBias: UnsafeMutablePointer<Float>, dOutput: UnsafePointer<Float>,
                                    batch: Int, channels: Int, plane: Int) {
    let vectorEnd = plane / 8 * 8
    for o in 0..<channels {
        var lanes = SIMD8<Float>()
        var tail: Float = 0
        for b in 0..<batch {
            let row = dOutput + (b * channels + o) * plane
            let raw = UnsafeRawPointer(row)
            var offset = 0
            while offset < vectorEnd * 4 {
                lanes += raw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                offset += 32
            }
            for j in vectorEnd..<plane { tail += row[j] }
        }
        dBias[o] += lanes.sum() + tail
    }
}

// MARK: - Naive reference

/// Direct six-loop convolution, accumulating in Double: the test oracle for
/// `conv2dForward` (same contract, no workspace).
public func conv2dForwardReference(
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?,
    geometry g: Conv2DGeometry
) {
    precondition(g.isValid, "conv2dForwardReference: invalid geometry \(g)")
    let outH = g.outHeight, outW = g.outWidth
    for b in 0..<g.batch {
        for o in 0..<g.outChannels {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    var sum = Double(bias?[o] ?? 0)
                    for c in 0..<g.inChannels {
                        for kh in 0..<g.kernelHeight {
                            let ih = oh * g.strideH - g.padH + kh
                            if ih < 0 || ih >= g.inHeight { continue }
                            for kw in 0..<g.kernelWidth {
                                let iw = ow * g.strideW - g.padW + kw
                                if iw < 0 || iw >= g.inWidth { continue }
                                let x = input[((b * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw]
                                let w = weight[((o * g.inChannels + c) * g.kernelHeight + kh) * g.kernelWidth + kw]
                                sum += Double(x) * Double(w)
                            }
                        }
                    }
                    output[((b * g.outChannels + o) * outH + oh) * outW + ow] = Float(sum)
                }
            }
        }
    }
}

/// Direct backward, accumulating in Double: the test oracle for
/// `conv2dBackward` (same contract: dWeight, dBias +=; dInput =).
public func conv2dBackwardReference(
    dInput: UnsafeMutablePointer<Float>?,
    dWeight: UnsafeMutablePointer<Float>,
    dBias: UnsafeMutablePointer<Float>?,
    dOutput: UnsafePointer<Float>,
    input: UnsafePointer<Float>,
    weight: UnsafePointer<Float>,
    geometry g: Conv2DGeometry
) {
    precondition(g.isValid, "conv2dBackwardReference: invalid geometry \(g)")
    let outH = g.outHeight, outW = g.outWidth
    var dW = [Double](repeating: 0, count: g.weightCount)
    var dB = [Double](repeating: 0, count: g.outChannels)
    var dX = [Double](repeating: 0, count: g.inputCount)
    for b in 0..<g.batch {
        for o in 0..<g.outChannels {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    let dy = Double(dOutput[((b * g.outChannels + o) * outH + oh) * outW + ow])
                    dB[o] += dy
                    for c in 0..<g.inChannels {
                        for kh in 0..<g.kernelHeight {
                            let ih = oh * g.strideH - g.padH + kh
                            if ih < 0 || ih >= g.inHeight { continue }
                            for kw in 0..<g.kernelWidth {
                                let iw = ow * g.strideW - g.padW + kw
                                if iw < 0 || iw >= g.inWidth { continue }
                                let xi = ((b * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw
                                let wi = ((o * g.inChannels + c) * g.kernelHeight + kh) * g.kernelWidth + kw
                                dW[wi] += dy * Double(input[xi])
                                dX[xi] += dy * Double(weight[wi])
                            }
                        }
                    }
                }
            }
        }
    }
    for i in 0..<g.weightCount { dWeight[i] += Float(dW[i]) }
    if let dBias {
        for o in 0..<g.outChannels { dBias[o] += Float(dB[o]) }
    }
    if let dInput {
        for i in 0..<g.inputCount { dInput[i] = Float(dX[i]) }
    }
}
