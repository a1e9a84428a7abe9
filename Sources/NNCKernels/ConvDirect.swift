/// Direct ("implicit GEMM") convolution forward for stride 1: the same
/// product as the im2col path of `conv2dForward`, without building the
/// im2col matrix or packing it.
///
/// The output is computed on a *wide* grid: every output row over all
/// `wp = inW + 2·padW` columns of the zero-padded image (columns ≥ outW are
/// garbage and dropped). On that grid the im2col entry for tap
/// q = (c, kh, kw) at wide position p is simply
///
///   padded[c·hp·wp + kh·wp + kw + p]
///
/// so a register tile of 8 output channels × 32 positions (AVX2: × 16) loads
/// its B values straight from the padded image (one offset per tap), and the
/// weights, packed once per call as [channel group][k][8], are broadcast.
///
/// Same sums as the GEMM path: each output starts from the bias, the sum over
/// k runs in im2col row order with a fresh accumulator per KC-deep slice, added
/// in as `gemmBlocked` adds it — so for more than `GEMMBlocking.fewRows`
/// output channels (the blocked GEMM's shapes) the results are bit-identical.
///
/// Many channels on a small image (LeNet's second conv at 64 channels: a
/// 10-wide output on a 14-wide grid, rounded to 32-position tiles, computes
/// 160 positions for 100) take the *channel-lane* tile instead: 32 output
/// channels (two vectors) × up to 12 consecutive outputs, the input broadcast
/// and the weights loaded ([block][k][32]). A tile runs on across a row end
/// (the positions after it are `wp − outW` further in the padded image), so a
/// 10-wide output takes 9 tiles per image, not 10 rows of 12. Its sums land
/// in a position-major buffer [wide position][channels], transposed once per
/// image into the wide result; per element the same operations in the same
/// order, so the same bits (`DirectConvLayout.channelLanes` picks the tiling).
///
/// `conv2dFusedForward` adds the epilogue of a fused conv step: the
/// activation and an optional max pool (pre-activation max; indices only when
/// training), reading the wide result while it is in cache.

private enum DirectTile {
    /// Output channels per register tile (rows of the tile).
    static let mr = 8
    #if NNC_AVX512
    typealias V = SIMD16<Float>
    #else
    typealias V = SIMD8<Float>
    #endif
    /// Positions per register tile: two vectors.
    static let nr = 2 * V.scalarCount
}

/// The channel-lane tile (AVX-512 only: 24 accumulators need 32 registers).
private enum LaneTile {
    /// Output channels per tile: two 16-lane vectors.
    static let channels = 32
    /// Consecutive outputs (row-major) per tile, across at most one row end.
    static let positions = 12

    /// The outputs of the tile that starts at output t: up to 12, and not past
    /// the end of the row after t's.
    static func count(at t: Int, outputs: Int, outWidth: Int) -> Int {
        min(positions, outputs - t, outWidth - t % outWidth + outWidth)
    }
}

/// The buffers of a direct convolution, carved from the caller's workspace.
struct DirectConvLayout {
    let g: Conv2DGeometry
    let chunks: Int

    /// Channel-lane tiles instead of wide ones (see the file comment).
    let channelLanes: Bool

    init(_ g: Conv2DGeometry, threads: Int) {
        self.g = g
        chunks = max(1, min(threads, g.batch))
        channelLanes = DirectConvLayout.prefersChannelLanes(g)
    }

    /// Channel lanes when they compute at most 0.9 of the lane-positions of the
    /// wide grid (outC rounded to 8 × outH·wp rounded to 32, against outC rounded
    /// to 32 × 12 per lane tile), over a patch deep enough that the
    /// per-slice stores and the final transpose are small beside the FMAs. Per
    /// FMA the lane tile runs at 0.92–0.94 of the wide one (conv + pool, batch
    /// 64, 5×5: 64 → 64 channels on 28×28 images, 0.86 of the wide grid's work,
    /// 34.7 against 38.2 ms; 32 → 32, 9.1 against 9.5 ms; on 14×14 images, 0.68
    /// of the work, 6.5 against 8.9 ms; 16 → 16 on 28×28, 1.71 of it, 4.4
    /// against 2.4 ms).
    static func prefersChannelLanes(_ g: Conv2DGeometry) -> Bool {
        guard hasChannelLaneTile, g.patchSize >= 64 else { return false }
        let wp = g.inWidth + 2 * g.padW
        let wide = roundUpDirect(g.outChannels, DirectTile.mr) * roundUpDirect(g.outHeight * wp, DirectTile.nr)
        let lanes = roundUpDirect(g.outChannels, LaneTile.channels) * LaneTile.positions * laneTiles(g)
        return 10 * lanes <= 9 * wide
    }

    /// How many lane tiles cover one image's outputs (`laneProduct`'s walk).
    static func laneTiles(_ g: Conv2DGeometry) -> Int {
        let outputs = g.outHeight * g.outWidth
        var t = 0, tiles = 0
        while t < outputs {
            t += LaneTile.count(at: t, outputs: outputs, outWidth: g.outWidth)
            tiles += 1
        }
        return tiles
    }

    /// Whether this build has the channel-lane tile (AVX-512).
    static var hasChannelLaneTile: Bool {
        #if NNC_AVX512
        true
        #else
        false
        #endif
    }

    var paddedHeight: Int { g.inHeight + 2 * g.padH }
    var paddedWidth: Int { g.inWidth + 2 * g.padW }
    var paddedPlane: Int { paddedHeight * paddedWidth }
    /// One padded image plus the slack that the last tile's loads read past it
    /// (the largest tap offset plus the rounding of the wide grid: < kW + nr).
    var paddedImage: Int { g.inChannels * paddedPlane + g.kernelWidth + DirectTile.nr }
    /// Wide positions per channel, rounded up to whole tiles.
    var widePositions: Int { roundUpDirect(g.outHeight * paddedWidth, DirectTile.nr) }
    /// Output channels per tile: 8 (wide) or 32 (channel lanes).
    var groupWidth: Int { channelLanes ? LaneTile.channels : DirectTile.mr }
    var channelGroups: Int { (g.outChannels + groupWidth - 1) / groupWidth }
    /// The channels of the lanes buffer: outC rounded up to whole groups.
    var paddedChannels: Int { channelGroups * groupWidth }
    /// Shared by all chunks: packed weights [group][patch][groupWidth], the tap
    /// offsets [patch] (Int32 bit patterns), then (channel lanes) the bias padded
    /// with zeros to `paddedChannels`.
    var shared: Int { paddedChannels * g.patchSize + g.patchSize + (channelLanes ? paddedChannels : 0) }
    /// Per chunk: a padded image, the wide output [outC][widePositions], slack for
    /// the pool epilogue's last 16-wide loads, then (channel lanes) the
    /// position-major sums [widePositions][paddedChannels] and a 2×2 pool's
    /// position-major maxima and their offsets (`lanePooled` floats each).
    var perChunk: Int {
        paddedImage + g.outChannels * widePositions + 2 * DirectTile.nr
            + (channelLanes ? widePositions * paddedChannels + 2 * lanePooled : 0)
    }
    /// Floats of a 2×2/2 pool's output of one image, position-major: [pooled position][paddedChannels].
    var lanePooled: Int { (g.outHeight / 2) * (g.outWidth / 2) * paddedChannels }
    var floats: Int { shared + chunks * perChunk }
}

@inline(__always)
private func roundUpDirect(_ x: Int, _ m: Int) -> Int { (x + m - 1) / m * m }

/// Whether `conv2dForward` takes the direct path for this geometry and thread
/// count: stride 1, not a 1×1 kernel (already a plain GEMM), more output
/// channels than the GEMM's few-rows path handles (so the same bits), and not a
/// single image that the GEMM would split across threads.
func conv2dDirectApplies(_ g: Conv2DGeometry, threads: Int) -> Bool {
    guard g.isValid, g.strideH == 1, g.strideW == 1, !g.isPointwise, g.outChannels > GEMMBlocking.fewRows,
          g.patchSize <= Int(Int32.max), g.inChannels * (g.inHeight + 2 * g.padH) * (g.inWidth + 2 * g.padW) <= Int(Int32.max)
    else { return false }
    if threads > 1 && g.batch < threads && gemmSplitsAcrossThreads(m: g.outChannels, n: g.outPlane, k: g.patchSize) {
        return false
    }
    return true
}

/// Floats of workspace the direct path needs (0 when it does not apply).
func conv2dDirectWorkspaceSize(_ g: Conv2DGeometry, threads: Int) -> Int {
    conv2dDirectApplies(g, threads: threads) ? DirectConvLayout(g, threads: threads).floats : 0
}

/// What runs after the wide product of one image.
private enum DirectEpilogue {
    /// The conv output with its bias, no activation (the `conv2dForward` contract).
    case plain
    /// Activation, then the image's output (no pooling).
    case activation(Activation)
    /// Max pool of the biased output, then the activation on the pooled values;
    /// with `indices`, where each maximum was ([N, C, pooledH, pooledW], offsets
    /// ih·outW + iw in the conv output plane, as `maxPool2dForward` writes them).
    case maxPool(Pool2DGeometry, Activation, indices: UnsafeMutablePointer<Int32>?)
}

/// The arguments of one direct call, shared by its parallel chunks.
private struct DirectJob {
    var layout: DirectConvLayout
    var input: UnsafePointer<Float>
    var bias: UnsafePointer<Float>?
    var output: UnsafeMutablePointer<Float>
    var epilogue: DirectEpilogue
    /// The packed weights, tap offsets and padded bias (`layout.shared` floats):
    /// packed by this call at the start of the workspace, or once by the caller.
    var packed: UnsafePointer<Float>
    /// Workspace: `layout.shared` floats, then `chunks` blocks of `perChunk`.
    var base: UnsafeMutablePointer<Float>
}

/// output = conv(input, weight) + bias on the direct path (caller checked
/// `conv2dDirectApplies` and the workspace size).
private func conv2dDirect(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                          weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          geometry g: Conv2DGeometry, epilogue: DirectEpilogue, packedWeights: UnsafePointer<Float>?,
                          workspace base: UnsafeMutablePointer<Float>, pool: ThreadPool?) {
    let layout = DirectConvLayout(g, threads: pool?.threadCount ?? 1)
    if packedWeights == nil { packDirectWeights(weight, bias: bias, layout, into: base) }
    var job = DirectJob(layout: layout, input: input, bias: bias, output: output, epilogue: epilogue,
                        packed: packedWeights ?? UnsafePointer(base), base: base)
    guard let pool, layout.chunks > 1 else {
        directImages(job, images: 0..<g.batch, chunk: 0)
        return
    }
    withUnsafeMutablePointer(to: &job) { pointer in
        pool.parallelFor(layout.chunks, context: UnsafeMutableRawPointer(pointer)) { context, chunk in
            let job = context.assumingMemoryBound(to: DirectJob.self).pointee
            directImages(job, images: ThreadPool.chunkRange(chunk, of: job.layout.chunks, count: job.layout.g.batch),
                         chunk: chunk)
        }
    }
}

/// Packs weight [outC, patch] as [group][q][groupWidth] (zero rows past outC),
/// the tap offsets q = (c, kh, kw) → c·hp·wp + kh·wp + kw after it, and for
/// channel lanes the bias (or zeros) padded to whole groups.
private func packDirectWeights(_ weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, _ layout: DirectConvLayout,
                               into dst: UnsafeMutablePointer<Float>) {
    let g = layout.g, mr = layout.groupWidth, patch = g.patchSize
    for group in 0..<layout.channelGroups {
        let out = dst + group * patch * mr
        for r in 0..<mr {
            let o = group * mr + r
            if o < g.outChannels {
                let row = weight + o * patch
                for q in 0..<patch { out[q * mr + r] = row[q] }
            } else {
                for q in 0..<patch { out[q * mr + r] = 0 }
            }
        }
    }
    let offsets = dst + layout.channelGroups * mr * patch
    var q = 0
    for c in 0..<g.inChannels {
        for kh in 0..<g.kernelHeight {
            for kw in 0..<g.kernelWidth {
                let offset = c * layout.paddedPlane + kh * layout.paddedWidth + kw
                offsets[q] = Float(bitPattern: UInt32(truncatingIfNeeded: offset))
                q += 1
            }
        }
    }
    if layout.channelLanes {
        let padded = offsets + patch
        for o in 0..<layout.paddedChannels { padded[o] = o < g.outChannels ? bias?[o] ?? 0 : 0 }
    }
}

/// The direct product and the epilogue for `images`, in chunk `chunk`'s scratch.
private func directImages(_ job: DirectJob, images: Range<Int>, chunk: Int) {
    let layout = job.layout, g = layout.g
    let mr = DirectTile.mr, nr = DirectTile.nr, patch = g.patchSize
    let packed = job.packed
    let offsets = packed + layout.paddedChannels * patch
    let padded = job.base + layout.shared + chunk * layout.perChunk
    let wide = padded + layout.paddedImage
    let positions = layout.widePositions
    let inImage = g.inChannels * g.inHeight * g.inWidth
    for b in images {
        padImage(job.input + b * inImage, layout, into: padded)
        if layout.channelLanes {
            let sums = wide + g.outChannels * positions + 2 * nr
            laneProduct(job, padded: UnsafePointer(padded), offsets: offsets, sums: sums)
            if case .maxPool(let p, let activation, let indices) = job.epilogue, p.isSquare2 {
                // Pooled from the position-major sums (16 channels per vector), then only the
                // pooled quarter is transposed.
                let pooled = sums + positions * layout.paddedChannels
                laneMaxPool2x2(job, image: b, sums: UnsafePointer(sums), pooled: pooled,
                               offsets: pooled + layout.lanePooled,
                               activation: activation, indices: indices)
            } else {
                transposeBlock(UnsafePointer(sums), ldc: layout.paddedChannels, rows: 0..<(g.outHeight * layout.paddedWidth),
                               cols: 0..<g.outChannels, to: wide, ldt: positions)
                directEpilogue(job, image: b, wide: UnsafePointer(wide), channels: 0..<g.outChannels)
            }
            continue
        }
        var pc = 0
        while pc < patch {
            let kc = min(GEMMBlocking.kc, patch - pc)
            for group in 0..<layout.channelGroups {
                let rows = min(mr, g.outChannels - group * mr)
                let weights = packed + (group * patch + pc) * mr
                let out = wide + group * mr * positions
                let bias = pc == 0 ? job.bias.map { $0 + group * mr } : nil
                var p = 0
                while p < positions {
                    directTile(UnsafePointer(padded) + p, offsets: offsets + pc, weights: weights, kc: kc,
                               out: out + p, ldo: positions, rows: rows, first: pc == 0, bias: bias)
                    p += nr
                }
                // The group's channels are done after the last slice: their epilogue runs
                // now, while their wide rows are in cache (a 64-channel image's wide result
                // is 860 KB at 56 × 56; a group's, 107 KB).
                if pc + kc == patch {
                    directEpilogue(job, image: b, wide: UnsafePointer(wide), channels: (group * mr)..<(group * mr + rows))
                }
            }
            pc += kc
        }
    }
}

/// One padded image's product on channel-lane tiles: per KC slice, per group of
/// 32 channels, per output row, tiles of up to 12 positions into `sums`
/// [widePositions][paddedChannels] (valid positions only).
private func laneProduct(_ job: DirectJob, padded: UnsafePointer<Float>, offsets: UnsafePointer<Float>,
                         sums: UnsafeMutablePointer<Float>) {
    #if NNC_AVX512
    let layout = job.layout, g = layout.g, patch = g.patchSize, width = LaneTile.channels
    let packed = job.packed, ldo = layout.paddedChannels, wp = layout.paddedWidth
    let bias = offsets + patch
    let outW = g.outWidth, outputs = g.outHeight * outW, gap = wp - outW
    var pc = 0
    while pc < patch {
        let kc = min(GEMMBlocking.kc, patch - pc)
        for group in 0..<layout.channelGroups {
            let weights = packed + (group * patch + pc) * width
            // Tiles of up to 12 consecutive outputs t (row-major), across at most one
            // row end: the first `split` in output row t / outW, the rest at the start of the next.
            var t = 0
            while t < outputs {
                let split = outW - t % outW, count = LaneTile.count(at: t, outputs: outputs, outWidth: outW)
                let p = t / outW * wp + t % outW
                let tile = LaneTileArguments(x: padded + p, offsets: offsets + pc, weights: weights, kc: kc,
                                             out: sums + p * ldo + group * width, ldo: ldo, count: count, gap: gap,
                                             first: pc == 0, bias: bias + group * width)
                // `split` as a type: each case is the kernel with its row end resolved when
                // compiled (a split read at run time cost a select per broadcast).
                switch min(split, LaneTile.positions) {
                case 1: laneTile(tile, RowSplit<1>())
                case 2: laneTile(tile, RowSplit<2>())
                case 3: laneTile(tile, RowSplit<3>())
                case 4: laneTile(tile, RowSplit<4>())
                case 5: laneTile(tile, RowSplit<5>())
                case 6: laneTile(tile, RowSplit<6>())
                case 7: laneTile(tile, RowSplit<7>())
                case 8: laneTile(tile, RowSplit<8>())
                case 9: laneTile(tile, RowSplit<9>())
                case 10: laneTile(tile, RowSplit<10>())
                case 11: laneTile(tile, RowSplit<11>())
                default: laneTile(tile, RowSplit<12>())
                }
                t += count
            }
        }
        pc += kc
    }
    #endif
}

/// Image b's 2×2/2 max pool (then the activation) from the lane tiles' sums
/// [wide position][paddedChannels]: per pooled position, 16 channels at a time,
/// the window in `maxPool2dForward`'s order (top left, top right, bottom left,
/// bottom right; the first maximum, a NaN wins) into `pooled` [pooled
/// position][paddedChannels], the maxima's offsets in the conv output plane
/// into `offsets` (same layout) when training; both are then transposed into
/// the image's [outC][pooledH·pooledW] output and indices.
private func laneMaxPool2x2(_ job: DirectJob, image b: Int, sums: UnsafePointer<Float>, pooled: UnsafeMutablePointer<Float>,
                            offsets: UnsafeMutablePointer<Float>, activation: Activation,
                            indices: UnsafeMutablePointer<Int32>?) {
    #if NNC_AVX512
    typealias V = SIMD16<Float>
    typealias I = SIMD16<Int32>
    let layout = job.layout, g = layout.g, ldo = layout.paddedChannels, wp = layout.paddedWidth, outW = g.outWidth
    let pooledH = g.outHeight / 2, pooledW = outW / 2, pooledPlane = pooledH * pooledW
    let vectors = ldo / V.scalarCount, stride = V.scalarCount * MemoryLayout<Float>.stride
    for ph in 0..<pooledH {
        for pw in 0..<pooledW {
            let topLeft = UnsafeRawPointer(sums + (2 * ph * wp + 2 * pw) * ldo)
            let topRight = topLeft + ldo * MemoryLayout<Float>.stride
            let bottomLeft = topLeft + wp * ldo * MemoryLayout<Float>.stride
            let bottomRight = bottomLeft + ldo * MemoryLayout<Float>.stride
            let out = UnsafeMutableRawPointer(pooled + (ph * pooledW + pw) * ldo)
            let argmaxOut = UnsafeMutableRawPointer(offsets + (ph * pooledW + pw) * ldo)
            let base = Int32(truncatingIfNeeded: 2 * ph * outW + 2 * pw)
            for v in 0..<vectors {
                let offset = v * stride
                var best = topLeft.loadUnaligned(fromByteOffset: offset, as: V.self)
                var argmax = I(repeating: base)
                laneMaxPoolConsider(topRight.loadUnaligned(fromByteOffset: offset, as: V.self), base &+ 1,
                                    &best, &argmax)
                laneMaxPoolConsider(bottomLeft.loadUnaligned(fromByteOffset: offset, as: V.self),
                                    base &+ Int32(truncatingIfNeeded: outW), &best, &argmax)
                laneMaxPoolConsider(bottomRight.loadUnaligned(fromByteOffset: offset, as: V.self),
                                    base &+ Int32(truncatingIfNeeded: outW + 1), &best, &argmax)
                out.storeBytes(of: best, toByteOffset: offset, as: V.self)
                if indices != nil { argmaxOut.storeBytes(of: argmax, toByteOffset: offset, as: I.self) }
            }
        }
    }
    let plane = b * g.outChannels * pooledPlane
    transposeBlock(UnsafePointer(pooled), ldc: ldo, rows: 0..<pooledPlane, cols: 0..<g.outChannels,
                   to: job.output + plane, ldt: pooledPlane)
    if let indices {
        // The offsets were stored as Int32 bytes into this Float workspace: read them as Int32.
        offsets.withMemoryRebound(to: Int32.self, capacity: layout.lanePooled) { offsets in
            transposeBlock(UnsafePointer(offsets), ldc: ldo, rows: 0..<pooledPlane, cols: 0..<g.outChannels,
                           to: indices + plane, ldt: pooledPlane)
        }
    }
    applyActivation(activation, job.output + plane, job.output + plane, count: g.outChannels * pooledPlane)
    #endif
}

/// A tile's row end as a type: the first `n` positions lie in this output row.
private struct RowSplit<let n: Int> {}

/// The operands of one `laneTile` call (see there).
private struct LaneTileArguments {
    let x: UnsafePointer<Float>, offsets: UnsafePointer<Float>, weights: UnsafePointer<Float>, kc: Int
    let out: UnsafeMutablePointer<Float>, ldo: Int, count: Int, gap: Int
    let first: Bool, bias: UnsafePointer<Float>
}

#if NNC_AVX512
/// One channel-lane tile: 32 channels × `count` (≤ 12) consecutive outputs from
/// a KC-deep slice, the first `split` of them in one output row and the rest in
/// the next, `gap` (wp − outW) further in the padded image. x: the padded image
/// at the first output; weights: the slice's packed [kc][32]; out: the first
/// output's 32 sums (wide-position stride ldo). first: out = sum + bias, as the
/// wide tile's first slice; else out = sum + out. Positions past `count` are
/// computed from in-bounds reads and not stored (the last tile's reach is at
/// most outH·wp + 10 past the image start plus a tap offset, inside the slack).
@inline(__always)
private func laneTile<let split: Int>(_ arguments: LaneTileArguments, _: RowSplit<split>) {
    let (x, offsets, weights, kc) = (arguments.x, arguments.offsets, arguments.weights, arguments.kc)
    let (out, ldo, count, gap) = (arguments.out, arguments.ldo, arguments.count, arguments.gap)
    let (first, bias) = (arguments.first, arguments.bias)
    typealias V = SIMD16<Float>
    let half = V.scalarCount * MemoryLayout<Float>.stride
    var a0 = V(), b0 = V(), a1 = V(), b1 = V(), a2 = V(), b2 = V(), a3 = V(), b3 = V()
    var a4 = V(), b4 = V(), a5 = V(), b5 = V(), a6 = V(), b6 = V(), a7 = V(), b7 = V()
    var a8 = V(), b8 = V(), a9 = V(), b9 = V(), a10 = V(), b10 = V(), a11 = V(), b11 = V()
    var w = UnsafeRawPointer(weights)
    for q in 0..<kc {
        let xq = x + Int(Int32(bitPattern: offsets[q].bitPattern)), xr = xq + gap
        let lo = w.loadUnaligned(as: V.self), hi = w.loadUnaligned(fromByteOffset: half, as: V.self)
        // Position j: xq[j] in this row, xr[j] (gap further) past the row end.
        @inline(__always) func at(_ j: Int) -> V { V(repeating: j < split ? xq[j] : xr[j]) }
        var s = at(0); a0.addProduct(s, lo); b0.addProduct(s, hi)
        s = at(1); a1.addProduct(s, lo); b1.addProduct(s, hi)
        s = at(2); a2.addProduct(s, lo); b2.addProduct(s, hi)
        s = at(3); a3.addProduct(s, lo); b3.addProduct(s, hi)
        s = at(4); a4.addProduct(s, lo); b4.addProduct(s, hi)
        s = at(5); a5.addProduct(s, lo); b5.addProduct(s, hi)
        s = at(6); a6.addProduct(s, lo); b6.addProduct(s, hi)
        s = at(7); a7.addProduct(s, lo); b7.addProduct(s, hi)
        s = at(8); a8.addProduct(s, lo); b8.addProduct(s, hi)
        s = at(9); a9.addProduct(s, lo); b9.addProduct(s, hi)
        s = at(10); a10.addProduct(s, lo); b10.addProduct(s, hi)
        s = at(11); a11.addProduct(s, lo); b11.addProduct(s, hi)
        w += 2 * half
    }
    let biasLo = UnsafeRawPointer(bias).loadUnaligned(as: V.self)
    let biasHi = UnsafeRawPointer(bias).loadUnaligned(fromByteOffset: half, as: V.self)
    @inline(__always) func put(_ lo: V, _ hi: V, _ i: Int) {
        guard i < count else { return }
        let d = UnsafeMutableRawPointer(out + (i < split ? i : i + gap) * ldo)
        let previousLo = first ? biasLo : UnsafeRawPointer(d).loadUnaligned(as: V.self)
        let previousHi = first ? biasHi : UnsafeRawPointer(d).loadUnaligned(fromByteOffset: half, as: V.self)
        d.storeBytes(of: lo + previousLo, as: V.self)
        d.storeBytes(of: hi + previousHi, toByteOffset: half, as: V.self)
    }
    put(a0, b0, 0); put(a1, b1, 1); put(a2, b2, 2); put(a3, b3, 3)
    put(a4, b4, 4); put(a5, b5, 5); put(a6, b6, 6); put(a7, b7, 7)
    put(a8, b8, 8); put(a9, b9, 9); put(a10, b10, 10); put(a11, b11, 11)
}
#endif

#if NNC_AVX512
/// One window value of `laneMaxPool2x2`: where it takes over the running
/// maximum, it and its offset `at` replace `best` and `argmax`.
@inline(__always)
private func laneMaxPoolConsider(_ value: SIMD16<Float>, _ at: Int32, _ best: inout SIMD16<Float>,
                                 _ argmax: inout SIMD16<Int32>) {
    let take = maxPoolTakes(value, over: best)
    best.replace(with: value, where: take)
    argmax.replace(with: SIMD16(repeating: at), where: take)
}
#endif

/// Copies image [inC, inH, inW] into the zero-padded [inC, hp, wp] (+ zero slack).
private func padImage(_ x: UnsafePointer<Float>, _ layout: DirectConvLayout, into dst: UnsafeMutablePointer<Float>) {
    let g = layout.g, wp = layout.paddedWidth
    if g.padH == 0 && g.padW == 0 {
        dst.update(from: x, count: g.inChannels * g.inHeight * g.inWidth)
        (dst + g.inChannels * layout.paddedPlane).update(repeating: 0, count: layout.paddedImage - g.inChannels * layout.paddedPlane)
        return
    }
    dst.update(repeating: 0, count: layout.paddedImage)
    for c in 0..<g.inChannels {
        let src = x + c * g.inHeight * g.inWidth
        let plane = dst + c * layout.paddedPlane + g.padH * wp + g.padW
        for h in 0..<g.inHeight { (plane + h * wp).update(from: src + h * g.inWidth, count: g.inWidth) }
    }
}

/// One register tile: rows × nr wide outputs from a KC-deep slice.
///   x: the padded image at the tile's first position; offsets: the slice's tap offsets;
///   weights: the slice's packed [kc][mr]; out: row 0 of the tile (row stride ldo).
/// first: out = sum (+ bias), as the GEMM's first slice; else out = sum + out.
@inline(__always)
private func directTile(_ x: UnsafePointer<Float>, offsets: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                        kc: Int, out: UnsafeMutablePointer<Float>, ldo: Int, rows: Int, first: Bool,
                        bias: UnsafePointer<Float>?) {
    typealias V = DirectTile.V
    let half = V.scalarCount * MemoryLayout<Float>.stride
    var a0 = V(), b0 = V(), a1 = V(), b1 = V(), a2 = V(), b2 = V(), a3 = V(), b3 = V()
    var a4 = V(), b4 = V(), a5 = V(), b5 = V(), a6 = V(), b6 = V(), a7 = V(), b7 = V()
    let raw = UnsafeRawPointer(x)
    var w = weights
    for q in 0..<kc {
        let offset = Int(Int32(bitPattern: offsets[q].bitPattern)) * MemoryLayout<Float>.stride
        let lo = raw.loadUnaligned(fromByteOffset: offset, as: V.self)
        let hi = raw.loadUnaligned(fromByteOffset: offset + half, as: V.self)
        var s = V(repeating: w[0]); a0.addProduct(s, lo); b0.addProduct(s, hi)
        s = V(repeating: w[1]); a1.addProduct(s, lo); b1.addProduct(s, hi)
        s = V(repeating: w[2]); a2.addProduct(s, lo); b2.addProduct(s, hi)
        s = V(repeating: w[3]); a3.addProduct(s, lo); b3.addProduct(s, hi)
        s = V(repeating: w[4]); a4.addProduct(s, lo); b4.addProduct(s, hi)
        s = V(repeating: w[5]); a5.addProduct(s, lo); b5.addProduct(s, hi)
        s = V(repeating: w[6]); a6.addProduct(s, lo); b6.addProduct(s, hi)
        s = V(repeating: w[7]); a7.addProduct(s, lo); b7.addProduct(s, hi)
        w += DirectTile.mr
    }
    @inline(__always) func put(_ lo: V, _ hi: V, _ r: Int) {
        guard r < rows else { return }
        let d = UnsafeMutableRawPointer(out + r * ldo)
        var l = lo, h = hi
        if !first {
            l = lo + UnsafeRawPointer(d).loadUnaligned(as: V.self)
            h = hi + UnsafeRawPointer(d).loadUnaligned(fromByteOffset: half, as: V.self)
        } else if let bias {
            let v = V(repeating: bias[r])
            l = lo + v
            h = hi + v
        }
        d.storeBytes(of: l, as: V.self)
        d.storeBytes(of: h, toByteOffset: half, as: V.self)
    }
    put(a0, b0, 0); put(a1, b1, 1); put(a2, b2, 2); put(a3, b3, 3)
    put(a4, b4, 4); put(a5, b5, 5); put(a6, b6, 6); put(a7, b7, 7)
}

/// Writes image b's output of `channels` from its wide result [outC][widePositions].
/// Channels run in ascending order (within a call and from call to call): a pooled
/// row's vector stores may run on into the next channel's plane, which is written later.
private func directEpilogue(_ job: DirectJob, image b: Int, wide: UnsafePointer<Float>, channels: Range<Int>) {
    let layout = job.layout, g = layout.g
    let wp = layout.paddedWidth, outH = g.outHeight, outW = g.outWidth
    switch job.epilogue {
    case .plain, .activation:
        var activation = Activation.linear
        if case .activation(let a) = job.epilogue { activation = a }
        let y = job.output + b * g.outChannels * g.outPlane
        for o in channels {
            let src = wide + o * layout.widePositions
            for oh in 0..<outH {
                applyActivation(activation, y + (o * outH + oh) * outW, src + oh * wp, count: outW)
            }
        }
    case .maxPool(let p, let activation, let indices):
        let pooledH = p.outHeight, pooledW = p.outWidth, pooledPlane = pooledH * pooledW
        for o in channels {
            let src = wide + o * layout.widePositions
            if p.isSquare2 {
                let plane = (b * g.outChannels + o) * pooledPlane, imageEnd = (b + 1) * g.outChannels * pooledPlane
                maxPool2x2WidePlane(src, rowStride: wp, planeWidth: outW, pooledHeight: pooledH, pooledWidth: pooledW,
                                    activation: activation, writable: imageEnd - plane, into: job.output + plane,
                                    indices: indices.map { $0 + plane })
                continue
            }
            for ph in 0..<pooledH {
                let offset = (b * g.outChannels + o) * pooledPlane + ph * pooledW
                let row = job.output + offset, at = indices.map { $0 + offset }
                for pw in 0..<pooledW {
                    // The general loop of maxPool2dForward: the first maximum, a NaN wins.
                    let start = ph * p.strideH * wp + pw * p.strideW
                    let planeStart = ph * p.strideH * outW + pw * p.strideW
                    var best = src[start], bestAt = planeStart
                    for kh in 0..<p.windowHeight {
                        for kw in 0..<p.windowWidth {
                            let v = src[start + kh * wp + kw]
                            if v > best || (v.isNaN && !best.isNaN) {
                                best = v
                                bestAt = planeStart + kh * outW + kw
                            }
                        }
                    }
                    row[pw] = best
                    at?[pw] = Int32(truncatingIfNeeded: bestAt)
                }
                applyActivation(activation, row, row, count: pooledW)
            }
        }
    }
}

/// One channel's 2×2/2 max pool over its wide rows (`rowStride` apart, the
/// first at x), then the activation, into the pooled plane y
/// [pooledHeight][pooledWidth]: per pooled row, 16 values at a time (AVX2: 8)
/// with `maxPool2x2Row`'s result (the first maximum in window order; a NaN
/// wins), and, with `indices`, the offset of each maximum in the conv output
/// plane [outH][planeWidth].
///
/// The window is reduced as a tree, each row's pair and then the rows (the
/// same choice as the chain: a NaN or a strictly greater value from the bottom
/// pair replaces the top pair's), two dependent compares instead of three.
/// The last group's lanes past `pooledWidth` read the wide grid's garbage
/// columns (or the slack); their stores run on into the next pooled row
/// (rewritten after this one, on this thread) while `writable` (floats from y
/// to the end of the image's pooled output) leaves room, else stop at
/// `pooledWidth` (a lane-by-lane store cost as much as the row's comparisons).
/// One call per plane, and (inference) the activation on each vector before
/// its store: per row, a call and a separate activation pass cost as much as
/// the row's vector steps.
private func maxPool2x2WidePlane(_ x: UnsafePointer<Float>, rowStride: Int, planeWidth: Int, pooledHeight: Int,
                                 pooledWidth: Int, activation: Activation, writable: Int,
                                 into y: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>?) {
    #if NNC_AVX512
    typealias V = SIMD16<Float>
    typealias I = SIMD16<Int32>
    #else
    typealias V = SIMD8<Float>
    typealias I = SIMD8<Int32>
    #endif
    let width = V.scalarCount
    // `room`: floats from the row's start to the end of the image's pooled output.
    @inline(__always) func store<T: SIMD>(_ value: T, _ pw: Int, _ row: UnsafeMutablePointer<T.Scalar>, _ room: Int) {
        if pw + width <= room {
            UnsafeMutableRawPointer(row + pw).storeBytes(of: value, as: T.self)
        } else {
            for l in 0..<min(width, pooledWidth - pw) { row[pw + l] = value[l] }
        }
    }
    guard let indices else {
        for ph in 0..<pooledHeight {
            let top = x + 2 * ph * rowStride, bottom = top + rowStride
            let row = y + ph * pooledWidth, room = writable - ph * pooledWidth
            var pw = 0
            while pw < pooledWidth {
                let t: (even: V, odd: V) = evenOddLanes(top + 2 * pw)
                let u: (even: V, odd: V) = evenOddLanes(bottom + 2 * pw)
                var upper = t.even, lower = u.even
                upper.replace(with: t.odd, where: maxPoolTakes(t.odd, over: upper))
                lower.replace(with: u.odd, where: maxPoolTakes(u.odd, over: lower))
                upper.replace(with: lower, where: maxPoolTakes(lower, over: upper))
                store(activationValue(activation, upper), pw, row, room)
                pw += width
            }
        }
        return
    }
    var lanes = I()
    for l in 0..<width { lanes[l] = Int32(truncatingIfNeeded: 2 * l) }
    let below = I(repeating: Int32(truncatingIfNeeded: planeWidth))
    for ph in 0..<pooledHeight {
        let top = x + 2 * ph * rowStride, bottom = top + rowStride
        let row = y + ph * pooledWidth, rowIndices = indices + ph * pooledWidth, room = writable - ph * pooledWidth
        let planeRow = 2 * ph * planeWidth
        var pw = 0
        while pw < pooledWidth {
            let t: (even: V, odd: V) = evenOddLanes(top + 2 * pw)
            let u: (even: V, odd: V) = evenOddLanes(bottom + 2 * pw)
            let base = I(repeating: Int32(truncatingIfNeeded: planeRow + 2 * pw)) &+ lanes
            var upper = t.even, lower = u.even
            var upperAt = base, lowerAt = base &+ below
            var take = maxPoolTakes(t.odd, over: upper)
            upper.replace(with: t.odd, where: take)
            upperAt.replace(with: base &+ 1, where: take)
            take = maxPoolTakes(u.odd, over: lower)
            lower.replace(with: u.odd, where: take)
            lowerAt.replace(with: lowerAt &+ 1, where: take)
            take = maxPoolTakes(lower, over: upper)
            upper.replace(with: lower, where: take)
            upperAt.replace(with: lowerAt, where: take)
            store(upper, pw, row, room)
            store(upperAt, pw, rowIndices, room)
            pw += width
        }
    }
    // Training: the activation as a pass over the plane (in the loop above, the switch and
    // the index blends spilled registers).
    applyActivation(activation, y, y, count: pooledHeight * pooledWidth)
}

// MARK: - Entry points

/// The direct path of `conv2dForward` (same contract); false when it does not apply.
func conv2dForwardDirect(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                         weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         geometry g: Conv2DGeometry, workspace: UnsafeMutableBufferPointer<Float>,
                         pool: ThreadPool?) -> Bool {
    let threads = pool?.threadCount ?? 1
    guard conv2dDirectApplies(g, threads: threads), let base = workspace.baseAddress,
          workspace.count >= DirectConvLayout(g, threads: threads).floats else { return false }
    conv2dDirect(output: output, input: input, weight: weight, bias: bias, geometry: g, epilogue: .plain,
                 packedWeights: nil, workspace: base, pool: pool)
    return true
}

/// Floats of `conv2dPackDirectWeights`'s output for this geometry (any batch).
public func conv2dPackedDirectWeightsSize(geometry g: Conv2DGeometry) -> Int {
    DirectConvLayout(g, threads: 1).shared
}

/// Packs weight [outC, patch] (and bias [outC] or nil) once in the direct
/// path's layout, for `conv2dFusedForward(packedWeights:)` while they do not
/// change (inference with fixed weights): a call then skips its packing (at
/// batch 1, 64 channels × 1600 taps, a third of the call). into:
/// `conv2dPackedDirectWeightsSize` floats.
public func conv2dPackDirectWeights(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                    geometry g: Conv2DGeometry, into dst: UnsafeMutablePointer<Float>) {
    packDirectWeights(weight, bias: bias, DirectConvLayout(g, threads: 1), into: dst)
}

/// A conv step with its epilogue in one pass:
///   output = act(conv(input) + bias)                     (maxPool nil), [N, outC, outH, outW]
///   output = act(maxpool(conv(input) + bias))            [N, outC, pooledH, pooledW]
/// The same values as `conv2dForward`, then `maxPool2dForward`, then
/// `activationForward` (max pooling commutes with the non-decreasing
/// activations; softmax is not offered here). `poolIndices` (training: the
/// pool's backward needs them), when given, receives `maxPool2dForward`'s
/// indices; the conv output itself is never written. Returns false, doing
/// nothing, when the direct path does not apply (the caller runs the separate
/// kernels). `workspace`: `conv2dWorkspaceSize`. `packedWeights`: weight and
/// bias packed by `conv2dPackDirectWeights` for this geometry, or nil to pack
/// them here.
public func conv2dFusedForward(output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>,
                               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               geometry g: Conv2DGeometry, activation: Activation, maxPool: Pool2DGeometry?,
                               poolIndices: UnsafeMutablePointer<Int32>? = nil,
                               packedWeights: UnsafePointer<Float>? = nil,
                               workspace: UnsafeMutableBufferPointer<Float>, pool: ThreadPool?) -> Bool {
    let threads = pool?.threadCount ?? 1
    guard activation != .softmax, conv2dDirectApplies(g, threads: threads), let base = workspace.baseAddress,
          workspace.count >= DirectConvLayout(g, threads: threads).floats else { return false }
    var epilogue = DirectEpilogue.activation(activation)
    if let p = maxPool {
        guard p.isValid, p.batch == g.batch, p.channels == g.outChannels, p.inHeight == g.outHeight,
              p.inWidth == g.outWidth else { return false }
        epilogue = .maxPool(p, activation, indices: poolIndices)
    }
    conv2dDirect(output: output, input: input, weight: weight, bias: bias, geometry: g, epilogue: epilogue,
                 packedWeights: packedWeights, workspace: base, pool: pool)
    return true
}
