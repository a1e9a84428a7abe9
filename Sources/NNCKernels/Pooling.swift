/// 2-D max and average pooling, NCHW, without padding.
///
///   input: [N, C, inH, inW]  →  output: [N, C, outH, outW]
///   outH = floor((inH − windowH) / strideH) + 1 (likewise W): windows that
///   do not fit are dropped. The stride may differ from the window (overlapping
///   or gapped windows).
///
/// Backward passes ASSIGN (=) dInput: positions no window covers get 0, and
/// positions covered by several windows get the sum of their contributions.
/// Planes (one channel of one image) are independent, so the work is split
/// over planes and results do not depend on the thread count.

/// The sizes of one pooling layer and batch.
public struct Pool2DGeometry: Sendable, Equatable {
    public var batch: Int
    public var channels: Int
    public var inHeight: Int
    public var inWidth: Int
    public var windowHeight: Int
    public var windowWidth: Int
    public var strideH: Int
    public var strideW: Int

    public init(batch: Int, channels: Int, inHeight: Int, inWidth: Int,
                windowHeight: Int, windowWidth: Int, strideH: Int, strideW: Int) {
        self.batch = batch
        self.channels = channels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.windowHeight = windowHeight
        self.windowWidth = windowWidth
        self.strideH = strideH
        self.strideW = strideW
    }

    /// Square window `size` moved by `stride` in both directions.
    public init(batch: Int, channels: Int, inHeight: Int, inWidth: Int, size: Int, stride: Int) {
        self.init(batch: batch, channels: channels, inHeight: inHeight, inWidth: inWidth,
                  windowHeight: size, windowWidth: size, strideH: stride, strideW: stride)
    }

    /// floor((inH − windowH) / strideH) + 1
    public var outHeight: Int { (inHeight - windowHeight) / strideH + 1 }
    /// floor((inW − windowW) / strideW) + 1
    public var outWidth: Int { (inWidth - windowWidth) / strideW + 1 }
    /// A 2×2 window moved by 2: the vector paths' case.
    public var isSquare2: Bool { windowHeight == 2 && windowWidth == 2 && strideH == 2 && strideW == 2 }
    /// Planes: one per channel of each image.
    public var planes: Int { batch * channels }
    /// Floats in input [N, C, inH, inW].
    public var inputCount: Int { planes * inHeight * inWidth }
    /// Floats in output [N, C, outH, outW].
    public var outputCount: Int { planes * outHeight * outWidth }

    /// Positive sizes and strides and a window that fits the input. The
    /// kernels require it.
    public var isValid: Bool {
        batch > 0 && channels > 0 && inHeight > 0 && inWidth > 0
            && windowHeight > 0 && windowWidth > 0 && strideH > 0 && strideW > 0
            && windowHeight <= inHeight && windowWidth <= inWidth
    }
}

/// The arguments of one pooling call, shared by its parallel chunks.
private struct PoolJob {
    enum Kind { case maxForward, maxBackward, avgForward, avgBackward }
    var kind: Kind
    var g: Pool2DGeometry
    /// Forward: input → output (and indices for max). Backward: dOutput (here `input`) → dInput (here `output`).
    var input: UnsafePointer<Float>
    var output: UnsafeMutablePointer<Float>
    var indices: UnsafeMutablePointer<Int32>?
    var chunks: Int
}

/// Runs the job over all planes, split across `pool` when the layer is big
/// enough to pay for a hand-off (about 64K input floats). The chunks read
/// their arguments from the job (no closure: no allocation per call).
private func runPool(_ job: PoolJob, pool: ThreadPool?) {
    let g = job.g
    guard let pool, pool.threadCount > 1, g.planes > 1, g.inputCount >= 1 << 16 else {
        poolPlanes(job, 0..<g.planes)
        return
    }
    var job = job
    job.chunks = min(pool.threadCount, g.planes)
    withUnsafeMutablePointer(to: &job) { pointer in
        pool.parallelFor(pointer.pointee.chunks, context: UnsafeMutableRawPointer(pointer)) { context, chunk in
            let job = context.assumingMemoryBound(to: PoolJob.self).pointee
            poolPlanes(job, ThreadPool.chunkRange(chunk, of: job.chunks, count: job.g.planes))
        }
    }
}

private func poolPlanes(_ job: PoolJob, _ planes: Range<Int>) {
    let g = job.g
    let inPlane = g.inHeight * g.inWidth, outH = g.outHeight, outW = g.outWidth, outPlane = outH * outW
    let scale = 1 / Float(g.windowHeight * g.windowWidth)
    for plane in planes {
        switch job.kind {
        case .maxForward:
            guard let indices = job.indices else { return }
            let x = job.input + plane * inPlane
            let y = job.output + plane * outPlane
            let index = indices + plane * outPlane
            for oh in 0..<outH {
                // LeNet's 2×2/2 pool: 8 outputs at a time, then the general loop for the rest.
                let vectorEnd = g.isSquare2 ? maxPool2x2Row(x, g, oh: oh, y + oh * outW, index + oh * outW) : 0
                for ow in vectorEnd..<outW {
                    let start = oh * g.strideH * g.inWidth + ow * g.strideW
                    var best = x[start]
                    var bestAt = start
                    for kh in 0..<g.windowHeight {
                        let row = start + kh * g.inWidth
                        for kw in 0..<g.windowWidth {
                            let v = x[row + kw]
                            if v > best || (v.isNaN && !best.isNaN) {
                                best = v
                                bestAt = row + kw
                            }
                        }
                    }
                    y[oh * outW + ow] = best
                    index[oh * outW + ow] = Int32(truncatingIfNeeded: bestAt)
                }
            }
        case .maxBackward:
            guard let indices = job.indices else { return }
            let dx = job.output + plane * inPlane
            let dy = job.input + plane * outPlane
            let index = indices + plane * outPlane
            dx.update(repeating: 0, count: inPlane)
            for o in 0..<outPlane { dx[Int(index[o])] += dy[o] }
        case .avgForward:
            let x = job.input + plane * inPlane
            let y = job.output + plane * outPlane
            for oh in 0..<outH {
                for ow in 0..<outW {
                    let start = oh * g.strideH * g.inWidth + ow * g.strideW
                    var sum: Float = 0
                    for kh in 0..<g.windowHeight {
                        let row = x + start + kh * g.inWidth
                        for kw in 0..<g.windowWidth { sum += row[kw] }
                    }
                    y[oh * outW + ow] = sum * scale
                }
            }
        case .avgBackward:
            let dx = job.output + plane * inPlane
            let dy = job.input + plane * outPlane
            dx.update(repeating: 0, count: inPlane)
            for oh in 0..<outH {
                for ow in 0..<outW {
                    let share = dy[oh * outW + ow] * scale
                    let start = oh * g.strideH * g.inWidth + ow * g.strideW
                    for kh in 0..<g.windowHeight {
                        let row = dx + start + kh * g.inWidth
                        for kw in 0..<g.windowWidth { row[kw] += share }
                    }
                }
            }
        }
    }
}

// MARK: - Max pooling

/// The even and odd lanes of the 16 floats at p, or of the 32 or the 8
/// (explicit lanes: one shuffle each, where `SIMD16.evenHalf` and `oddHalf`
/// were calls).
@inline(__always)
func evenOddLanes(_ p: UnsafePointer<Float>) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
    let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    return (SIMD8(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14]), SIMD8(v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15]))
}

@inline(__always)
func evenOddLanes(_ p: UnsafePointer<Float>) -> (even: SIMD16<Float>, odd: SIMD16<Float>) {
    let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    let b = UnsafeRawPointer(p + 16).loadUnaligned(as: SIMD16<Float>.self)
    return (SIMD16(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14]),
            SIMD16(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15], b[1], b[3], b[5], b[7], b[9], b[11], b[13], b[15]))
}

@inline(__always)
func evenOddLanes(_ p: UnsafePointer<Float>) -> (even: SIMD4<Float>, odd: SIMD4<Float>) {
    let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    return (SIMD4(v[0], v[2], v[4], v[6]), SIMD4(v[1], v[3], v[5], v[7]))
}

/// Where a window value v replaces the running maximum: greater, or a NaN over
/// a number (the first maximum wins ties; NaN propagates). As two compares:
/// not (v ≤ best) is v > best or either one NaN; best == best drops the cases
/// where best is NaN.
/// (Concrete overloads: a generic form ran through witness tables, 15× slower.)
@inline(__always)
func maxPoolTakes(_ v: SIMD8<Float>, over best: SIMD8<Float>) -> SIMDMask<SIMD8<Int32>> {
    .!(v .<= best) .& (best .== best)
}

@inline(__always)
func maxPoolTakes(_ v: SIMD4<Float>, over best: SIMD4<Float>) -> SIMDMask<SIMD4<Int32>> {
    .!(v .<= best) .& (best .== best)
}

@inline(__always)
func maxPoolTakes(_ v: SIMD16<Float>, over best: SIMD16<Float>) -> SIMDMask<SIMD16<Int32>> {
    .!(v .<= best) .& (best .== best)
}

/// Output row `oh` of a 2×2, stride-2 max pool of one plane, 8 outputs at a
/// time, then 4: the same comparisons in the same window order as the general loop
/// (so the same values and indices, NaN included). Returns the first output
/// column it did not write (the general loop does the rest).
///   x: the plane [inH, inW]; y, index: the output row [outW]
@inline(__always)
private func maxPool2x2Row(_ x: UnsafePointer<Float>, _ g: Pool2DGeometry, oh: Int,
                           _ y: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int32>) -> Int {
    typealias V = SIMD8<Float>
    typealias I = SIMD8<Int32>
    let outW = g.outWidth, w = g.inWidth
    let lanes = I(0, 2, 4, 6, 8, 10, 12, 14)
    var ow = 0
    while ow + 8 <= outW {   // reads x[2·oh·w + 2·ow ..< +16] and the row below: inside the plane
        let start = 2 * oh * w + 2 * ow
        let top: (even: V, odd: V) = evenOddLanes(x + start), bottom: (even: V, odd: V) = evenOddLanes(x + start + w)
        let base = I(repeating: Int32(truncatingIfNeeded: start)) &+ lanes
        var best = top.even
        var at = base
        @inline(__always) func consider(_ v: V, _ offset: Int32) {
            let take = maxPoolTakes(v, over: best)
            best.replace(with: v, where: take)
            at.replace(with: base &+ I(repeating: offset), where: take)
        }
        consider(top.odd, 1)
        consider(bottom.even, Int32(truncatingIfNeeded: w))
        consider(bottom.odd, Int32(truncatingIfNeeded: w + 1))
        UnsafeMutableRawPointer(y + ow).storeBytes(of: best, as: V.self)
        UnsafeMutableRawPointer(index + ow).storeBytes(of: at, as: I.self)
        ow += 8
    }
    if ow + 4 <= outW {   // 4 more (conv2's 5-wide rows, conv1's 14 = 8 + 4 + 2): reads x[start ..< +8], two rows
        typealias V4 = SIMD4<Float>
        typealias I4 = SIMD4<Int32>
        let start = 2 * oh * w + 2 * ow
        let top: (even: V4, odd: V4) = evenOddLanes(x + start), bottom: (even: V4, odd: V4) = evenOddLanes(x + start + w)
        let base = I4(repeating: Int32(truncatingIfNeeded: start)) &+ I4(0, 2, 4, 6)
        var best = top.even
        var at = base
        @inline(__always) func consider(_ v: V4, _ offset: Int32) {
            let take = maxPoolTakes(v, over: best)
            best.replace(with: v, where: take)
            at.replace(with: base &+ I4(repeating: offset), where: take)
        }
        consider(top.odd, 1)
        consider(bottom.even, Int32(truncatingIfNeeded: w))
        consider(bottom.odd, Int32(truncatingIfNeeded: w + 1))
        UnsafeMutableRawPointer(y + ow).storeBytes(of: best, as: V4.self)
        UnsafeMutableRawPointer(index + ow).storeBytes(of: at, as: I4.self)
        ow += 4
    }
    return ow
}

/// output = the maximum of each window; indices = where it was, as the
/// offset ih·inW + iw within its input plane (the first maximum on ties; a
/// NaN in a window wins, so NaN propagates).
///   input: [N, C, inH, inW]; output, indices: [N, C, outH, outW]
public func maxPool2dForward(
    output: UnsafeMutablePointer<Float>,
    indices: UnsafeMutablePointer<Int32>,
    input: UnsafePointer<Float>,
    geometry g: Pool2DGeometry,
    pool: ThreadPool?
) {
    precondition(g.isValid, "maxPool2dForward: invalid geometry \(g)")
    runPool(PoolJob(kind: .maxForward, g: g, input: input, output: output, indices: indices, chunks: 1), pool: pool)
}

/// dInput = Σ over windows of dOutput routed to the window's maximum (from
/// `indices` of `maxPool2dForward`). ASSIGNED.
///   dOutput, indices: [N, C, outH, outW]; dInput: [N, C, inH, inW]
public func maxPool2dBackward(
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    indices: UnsafePointer<Int32>,
    geometry g: Pool2DGeometry,
    pool: ThreadPool?
) {
    precondition(g.isValid, "maxPool2dBackward: invalid geometry \(g)")
    runPool(PoolJob(kind: .maxBackward, g: g, input: dOutput, output: dInput, indices: UnsafeMutablePointer(mutating: indices),
                    chunks: 1), pool: pool)
}

// MARK: - Average pooling

/// output = the mean of each window.
///   input: [N, C, inH, inW]; output: [N, C, outH, outW]
public func avgPool2dForward(
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    geometry g: Pool2DGeometry,
    pool: ThreadPool?
) {
    precondition(g.isValid, "avgPool2dForward: invalid geometry \(g)")
    runPool(PoolJob(kind: .avgForward, g: g, input: input, output: output, indices: nil, chunks: 1), pool: pool)
}

/// dInput = Σ over the windows covering each position of dOutput / window
/// area. ASSIGNED.
///   dOutput: [N, C, outH, outW]; dInput: [N, C, inH, inW]
public func avgPool2dBackward(
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    geometry g: Pool2DGeometry,
    pool: ThreadPool?
) {
    precondition(g.isValid, "avgPool2dBackward: invalid geometry \(g)")
    runPool(PoolJob(kind: .avgBackward, g: g, input: dOutput, output: dInput, indices: nil, chunks: 1), pool: pool)
}

// MARK: - Naive references

/// Reference max pooling on plain [N][C][H][W] indexing, with the same
/// tie and NaN rules and index convention as `maxPool2dForward`.
public func maxPool2dForwardReference(
    output: UnsafeMutablePointer<Float>,
    indices: UnsafeMutablePointer<Int32>,
    input: UnsafePointer<Float>,
    geometry g: Pool2DGeometry
) {
    precondition(g.isValid, "maxPool2dForwardReference: invalid geometry \(g)")
    let outH = g.outHeight, outW = g.outWidth
    for p in 0..<g.planes {
        for oh in 0..<outH {
            for ow in 0..<outW {
                var best = -Float.infinity
                var bestAt = -1
                for ih in (oh * g.strideH)..<(oh * g.strideH + g.windowHeight) {
                    for iw in (ow * g.strideW)..<(ow * g.strideW + g.windowWidth) {
                        let v = input[(p * g.inHeight + ih) * g.inWidth + iw]
                        if bestAt < 0 || v > best || (v.isNaN && !best.isNaN) {
                            best = v
                            bestAt = ih * g.inWidth + iw
                        }
                    }
                }
                output[(p * outH + oh) * outW + ow] = best
                indices[(p * outH + oh) * outW + ow] = Int32(bestAt)
            }
        }
    }
}

/// Reference max-pool backward that finds each window's maximum again from
/// `input` (rather than trusting indices). dInput ASSIGNED.
public func maxPool2dBackwardReference(
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    input: UnsafePointer<Float>,
    geometry g: Pool2DGeometry
) {
    precondition(g.isValid, "maxPool2dBackwardReference: invalid geometry \(g)")
    let outH = g.outHeight, outW = g.outWidth
    var output = [Float](repeating: 0, count: g.outputCount)
    var indices = [Int32](repeating: 0, count: g.outputCount)
    maxPool2dForwardReference(output: &output, indices: &indices, input: input, geometry: g)
    dInput.update(repeating: 0, count: g.inputCount)
    for p in 0..<g.planes {
        for o in 0..<(outH * outW) {
            dInput[p * g.inHeight * g.inWidth + Int(indices[p * outH * outW + o])] += dOutput[p * outH * outW + o]
        }
    }
}

/// Reference average pooling, accumulating in Double.
public func avgPool2dForwardReference(
    output: UnsafeMutablePointer<Float>,
    input: UnsafePointer<Float>,
    geometry g: Pool2DGeometry
) {
    precondition(g.isValid, "avgPool2dForwardReference: invalid geometry \(g)")
    let outH = g.outHeight, outW = g.outWidth
    let area = Double(g.windowHeight * g.windowWidth)
    for p in 0..<g.planes {
        for oh in 0..<outH {
            for ow in 0..<outW {
                var sum = 0.0
                for ih in (oh * g.strideH)..<(oh * g.strideH + g.windowHeight) {
                    for iw in (ow * g.strideW)..<(ow * g.strideW + g.windowWidth) {
                        sum += Double(input[(p * g.inHeight + ih) * g.inWidth + iw])
                    }
                }
                output[(p * outH + oh) * outW + ow] = Float(sum / area)
            }
        }
    }
}

/// Reference average-pool backward, gathering for each input position the
/// windows that cover it (the fast version scatters). dInput ASSIGNED.
public func avgPool2dBackwardReference(
    dInput: UnsafeMutablePointer<Float>,
    dOutput: UnsafePointer<Float>,
    geometry g: Pool2DGeometry
) {
    precondition(g.isValid, "avgPool2dBackwardReference: invalid geometry \(g)")
    let outH = g.outHeight, outW = g.outWidth
    let area = Double(g.windowHeight * g.windowWidth)
    for p in 0..<g.planes {
        for ih in 0..<g.inHeight {
            for iw in 0..<g.inWidth {
                var sum = 0.0
                for oh in 0..<outH where oh * g.strideH <= ih && ih < oh * g.strideH + g.windowHeight {
                    for ow in 0..<outW where ow * g.strideW <= iw && iw < ow * g.strideW + g.windowWidth {
                        sum += Double(dOutput[(p * outH + oh) * outW + ow])
                    }
                }
                dInput[(p * g.inHeight + ih) * g.inWidth + iw] = Float(sum / area)
            }
        }
    }
}
