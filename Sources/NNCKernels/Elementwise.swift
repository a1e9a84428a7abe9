/// Eight-lane Float helpers shared by the elementwise kernels: unaligned
/// loads and stores, and fast vectorized exp, sigmoid and tanh.
///
/// Built with `-target-cpu haswell` one `SIMD8<Float>` is one AVX register
/// and `addingProduct` a fused multiply-add. exp, sigmoid and tanh are
/// `@_transparent`: Swift's SIMD operations are lane loops at the SIL level,
/// so these bodies are large enough that the optimizer would otherwise call
/// them out of line (≈2× slower: the vector is split across two registers at
/// the call, constants are re-broadcast, and the FMA chains are only partly
/// re-vectorized).
///
/// The approximations are Cephes-style (range reduction plus a minimax
/// polynomial). Maximum errors measured over 4M-point sweeps, against libm in
/// Double, and checked by `ActivationTests.testFastMathErrorBounds`:
///
/// | function | max relative error |
/// |---|---|
/// | `exp` | 1.2e-7 on [−87, 88] |
/// | `sigmoid` | 1.9e-7 on [−87, 87] (below −87: < 1e-38 absolute) |
/// | `tanh` | 1.5e-7 everywhere (odd polynomial near 0: no cancellation) |
///
/// Tails shorter than eight lanes go through `loadPartial`/`storePartial` so
/// every element sees the same approximation (the tail is not a scalar path
/// with different rounding).
public enum Vec8 {
    public typealias V = SIMD8<Float>

    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    public static func load(_ p: UnsafeMutablePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    public static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// Loads `count` (< 8) floats; the other lanes hold `fill`.
    @inlinable @inline(__always)
    public static func loadPartial(_ p: UnsafePointer<Float>, _ count: Int, fill: Float = 0) -> V {
        var v = V(repeating: fill)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// Stores the first `count` (< 8) lanes.
    @inlinable @inline(__always)
    public static func storePartial(_ v: V, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        for i in 0..<count { p[i] = v[i] }
    }

    /// Loads `count` (1...8) lanes; lanes past `count` hold 0.
    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>, count: Int) -> V {
        count == 8 ? load(p) : loadPartial(p, count)
    }

    @inlinable @inline(__always)
    public static func load(_ p: UnsafeMutablePointer<Float>, count: Int) -> V {
        load(UnsafePointer(p), count: count)
    }

    /// Stores the first `count` (1...8) lanes.
    @inlinable @inline(__always)
    public static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count == 8 { store(v, p) } else { storePartial(v, p, count) }
    }

    /// √|x|, exact (IEEE). Clearing the sign bit first lets LLVM prove the
    /// argument non-negative, so the lane loop becomes one vsqrtps instead of
    /// eight sqrtf calls guarded for errno (≈5× faster).
    @_transparent
    public static func squareRootOfMagnitude(_ x: V) -> V {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7fff_ffff, to: V.self).squareRoot()
    }

    /// e^x. Saturates at e^88 ≈ 1.65e38 for x ≥ 88 and flushes to 0 below
    /// −87.3 (where e^x leaves the normal Float range). NaN propagates.
    @_transparent
    public static func exp(_ x: V) -> V {
        let underflow = x .< V(repeating: -87.3)
        var x = x.replacing(with: V(repeating: 88), where: x .> V(repeating: 88))
        x.replace(with: V(repeating: -87.3), where: underflow)
        // n = round(x / ln 2) by the 1.5·2^23 trick: the integer lands in the
        // low mantissa bits of t.
        let magic = V(repeating: 12_582_912)
        let t = magic.addingProduct(x, V(repeating: 1.442_695_040_888_963_4))
        let n = t - magic
        // r = x − n·ln 2 in two parts (Cody–Waite): n·C1 is exact (C1 has 9
        // significant bits), so r keeps full precision without an FMA.
        let r = x - n * V(repeating: 0.693_359_375) + n * V(repeating: 2.121_944_400_546_905_8e-4)
        // e^r on [−ln2/2, ln2/2] (Cephes expf minimax coefficients).
        var p = V(repeating: 1.987_569_150_0e-4)
        p = V(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
        p = V(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = V(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = V(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        let er = (r + 1).addingProduct(p, r * r)
        // 2^n built from its exponent bits.
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: V.self)
        return (er * scale).replacing(with: 0, where: underflow)
    }

    /// 1 / (1 + e^−x).
    @_transparent
    public static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// tanh x: an odd polynomial for |x| < 0.625 (no cancellation near 0),
    /// 1 − 2/(e^{2|x|} + 1) with the sign of x beyond (Cephes tanhf).
    @_transparent
    public static func tanh(_ x: V) -> V {
        let signBit = SIMD8<UInt32>(repeating: 0x8000_0000)
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let ax = unsafeBitCast(bits & ~signBit, to: V.self)
        let large = 1 - 2 / (exp(ax + ax) + 1)
        let signedLarge = unsafeBitCast(unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & signBit), to: V.self)
        let z = x * x
        var p = V(repeating: -5.704_988_727_45e-3)
        p = V(repeating: 2.063_908_879_54e-2).addingProduct(p, z)
        p = V(repeating: -5.373_971_555_31e-2).addingProduct(p, z)
        p = V(repeating: 1.333_144_220_36e-1).addingProduct(p, z)
        p = V(repeating: -3.333_328_194_22e-1).addingProduct(p, z)
        let small = x.addingProduct(p * z, x)
        return signedLarge.replacing(with: small, where: ax .< V(repeating: 0.625))
    }
}

/// Sixteen-lane twins of `Vec8`'s exp, sigmoid and tanh (one zmm register
/// with AVX-512), for the recurrent cells. The same operations in the same
/// order, so each lane gives the same bits as `Vec8` (checked by
/// `ActivationTests.testSixteenLaneMathMatchesEightLaneBitForBit`); keep the
/// two in step.
public enum Vec16 {
    public typealias V = SIMD16<Float>

    @inlinable @inline(__always)
    public static func load(_ p: UnsafePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    public static func load(_ p: UnsafeMutablePointer<Float>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    @inlinable @inline(__always)
    public static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
    }

    /// e^x. Saturates at e^88 ≈ 1.65e38 for x ≥ 88 and flushes to 0 below
    /// −87.3 (where e^x leaves the normal Float range). NaN propagates.
    @_transparent
    public static func exp(_ x: V) -> V {
        let underflow = x .< V(repeating: -87.3)
        var x = x.replacing(with: V(repeating: 88), where: x .> V(repeating: 88))
        x.replace(with: V(repeating: -87.3), where: underflow)
        // n = round(x / ln 2) by the 1.5·2^23 trick: the integer lands in the
        // low mantissa bits of t.
        let magic = V(repeating: 12_582_912)
        let t = magic.addingProduct(x, V(repeating: 1.442_695_040_888_963_4))
        let n = t - magic
        // r = x − n·ln 2 in two parts (Cody–Waite): n·C1 is exact (C1 has 9
        // significant bits), so r keeps full precision without an FMA.
        let r = x - n * V(repeating: 0.693_359_375) + n * V(repeating: 2.121_944_400_546_905_8e-4)
        // e^r on [−ln2/2, ln2/2] (Cephes expf minimax coefficients).
        var p = V(repeating: 1.987_569_150_0e-4)
        p = V(repeating: 1.398_199_950_7e-3).addingProduct(p, r)
        p = V(repeating: 8.333_451_907_3e-3).addingProduct(p, r)
        p = V(repeating: 4.166_579_589_4e-2).addingProduct(p, r)
        p = V(repeating: 1.666_666_545_9e-1).addingProduct(p, r)
        p = V(repeating: 5.000_000_120_1e-1).addingProduct(p, r)
        let er = (r + 1).addingProduct(p, r * r)
        // 2^n built from its exponent bits.
        let ni = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: V.self)
        return (er * scale).replacing(with: 0, where: underflow)
    }

    /// 1 / (1 + e^−x).
    @_transparent
    public static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// tanh x: an odd polynomial for |x| < 0.625 (no cancellation near 0),
    /// 1 − 2/(e^{2|x|} + 1) with the sign of x beyond (Cephes tanhf).
    @_transparent
    public static func tanh(_ x: V) -> V {
        let signBit = SIMD16<UInt32>(repeating: 0x8000_0000)
        let bits = unsafeBitCast(x, to: SIMD16<UInt32>.self)
        let ax = unsafeBitCast(bits & ~signBit, to: V.self)
        let large = 1 - 2 / (exp(ax + ax) + 1)
        let signedLarge = unsafeBitCast(unsafeBitCast(large, to: SIMD16<UInt32>.self) | (bits & signBit), to: V.self)
        let z = x * x
        var p = V(repeating: -5.704_988_727_45e-3)
        p = V(repeating: 2.063_908_879_54e-2).addingProduct(p, z)
        p = V(repeating: -5.373_971_555_31e-2).addingProduct(p, z)
        p = V(repeating: 1.333_144_220_36e-1).addingProduct(p, z)
        p = V(repeating: -3.333_328_194_22e-1).addingProduct(p, z)
        let small = x.addingProduct(p * z, x)
        return signedLarge.replacing(with: small, where: ax .< V(repeating: 0.625))
    }
}

// MARK: - Buffer passes shared by the kernels

/// Copies a batch-major [N, T, W] tensor into time-major [T, N, W].
/// dst: [T, N, W]; src: [N, T, W].
@inline(__always)
func batchToTimeMajor(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                      batch: Int, steps: Int, width: Int) {
    for n in 0..<batch {
        for t in 0..<steps {
            (dst + (t * batch + n) * width).update(from: src + (n * steps + t) * width, count: width)
        }
    }
}

/// Copies a time-major [T, N, W] tensor into batch-major [N, T, W].
/// dst: [N, T, W]; src: [T, N, W].
@inline(__always)
func timeToBatchMajor(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                      batch: Int, steps: Int, width: Int) {
    for n in 0..<batch {
        for t in 0..<steps {
            (dst + (n * steps + t) * width).update(from: src + (t * batch + n) * width, count: width)
        }
    }
}

/// sums[j] += Σ_r m[r, j] (column sums, e.g. a bias gradient), row by row
/// so that m streams once and `sums` stays in L1.
/// sums: [width]; m: [rows, width].
func addColumnSums(_ sums: UnsafeMutablePointer<Float>, _ m: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = m + r * width
        var j = 0
        while j + 8 <= width { Vec8.store(Vec8.load(sums + j) + Vec8.load(row + j), sums + j); j += 8 }
        while j < width { sums[j] += row[j]; j += 1 }
    }
}

/// m[r, j] += v[j] for every row. m: [rows, width]; v: [width].
func addRowVector(_ m: UnsafeMutablePointer<Float>, _ v: UnsafePointer<Float>, rows: Int, width: Int) {
    for r in 0..<rows {
        let row = m + r * width
        var j = 0
        while j + 8 <= width {
            Vec8.store(Vec8.load(row + j) + Vec8.load(v + j), row + j)
            j += 8
        }
        while j < width { row[j] += v[j]; j += 1 }
    }
}

/// x[i] += value over `count` floats.
func addScalar(_ value: Float, to x: UnsafeMutablePointer<Float>, count: Int) {
    let v = Vec8.V(repeating: value)
    var i = 0
    while i + 8 <= count { Vec8.store(Vec8.load(x + i) + v, x + i); i += 8 }
    while i < count { x[i] += value; i += 1 }
}

/// Whether every one of `count` floats is finite (no NaN, no ±infinity).
/// Sixteen lanes at a time, without a branch per element: x·0 is 0 for a
/// finite x and NaN otherwise, so the sum of those products stays 0 exactly
/// when every value is finite (the trainer checks every parameter after each
/// update). Four independent sums, so the FMAs do not wait on each other.
public func allFinite(_ values: UnsafePointer<Float>, count: Int) -> Bool {
    typealias V = SIMD16<Float>
    let zero = V()
    var s0 = V(), s1 = V(), s2 = V(), s3 = V()
    let raw = UnsafeRawPointer(values)
    var i = 0
    while i + 64 <= count {
        s0 = s0.addingProduct(raw.loadUnaligned(fromByteOffset: i * 4, as: V.self), zero)
        s1 = s1.addingProduct(raw.loadUnaligned(fromByteOffset: i * 4 + 64, as: V.self), zero)
        s2 = s2.addingProduct(raw.loadUnaligned(fromByteOffset: i * 4 + 128, as: V.self), zero)
        s3 = s3.addingProduct(raw.loadUnaligned(fromByteOffset: i * 4 + 192, as: V.self), zero)
        i += 64
    }
    while i + 16 <= count {
        s0 = s0.addingProduct(raw.loadUnaligned(fromByteOffset: i * 4, as: V.self), zero)
        i += 16
    }
    var tail = ((s0 + s1) + (s2 + s3)).sum()
    while i < count { tail += values[i] * 0; i += 1 }
    return tail == 0
}

/// `allFinite` with the values split over `pool`'s threads (a large block: the
/// trainer's parameters); the same answer.
public func allFinite(_ values: UnsafePointer<Float>, count: Int, pool: ThreadPool?) -> Bool {
    guard let pool, pool.threadCount > 1, count >= FiniteJob.splitFrom else { return allFinite(values, count: count) }
    let chunks = pool.threadCount
    // One answer per chunk, on the stack (no allocation per call).
    return withUnsafeTemporaryAllocation(of: Bool.self, capacity: chunks) { answers in
        guard let base = answers.baseAddress else { return allFinite(values, count: count) }
        var job = FiniteJob(values: values, count: count, chunks: chunks, answers: base)
        withUnsafeMutablePointer(to: &job) { pointer in
            pool.parallelFor(chunks, context: UnsafeMutableRawPointer(pointer)) { context, chunk in
                let job = context.assumingMemoryBound(to: FiniteJob.self).pointee
                let range = ThreadPool.chunkRange(chunk, of: job.chunks, count: job.count)
                job.answers[chunk] = allFinite(job.values + range.lowerBound, count: range.count)
            }
        }
        return UnsafeBufferPointer(start: base, count: chunks).allSatisfy { $0 }
    }
}

/// The arguments of a parallel `allFinite`; chunk c writes answers[c].
private struct FiniteJob {
    var values: UnsafePointer<Float>
    var count: Int
    var chunks: Int
    var answers: UnsafeMutablePointer<Bool>
    /// Below this many floats (≈ 10 µs of reading) one thread is faster.
    static let splitFrom = 1 << 16
}
