#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// General matrix multiply, the engine under dense, conv and recurrent layers.
///
///   C[m, n] = alpha * op(A)[m, k] · op(B)[k, n] + beta * C[m, n]
///
/// Row-major. op(X) is X or Xᵀ. `lda`, `ldb`, `ldc` are the row strides of the
/// matrices as stored (A is [m, k] stored, or [k, m] stored when transposed).
/// beta == 0 overwrites C without reading it (C may hold NaN garbage).
///
/// How the fast path works (Goto/BLIS): C is computed in mr×16 register tiles
/// (AVX2: 6×16, 12 `SIMD8<Float>` accumulators; AVX-512: 12×16, 12
/// `SIMD16<Float>`). For each KC-deep slice of k, a panel of op(B) is packed
/// into 16-column slivers and blocks of op(A) into mr-row slivers (alpha folded in), both zero-padded to whole tiles, so one
/// micro-kernel serves every transposition and every edge. (AVX-512, alpha 1, A stored [m, k]: whole
/// 12-row slivers are read in place, row stride lda, and only a block's last rows are packed, unless
/// the slivers' lines alias in L1: `aSliverThrashesL1`.) The sum for each
/// C element runs over k in the same order whatever the blocking of m and n,
/// so results are bit-identical for any thread count.
///
/// Two shapes skip packing, chosen by size alone (so still thread-count
/// independent): with m <= 4 rows `gemmFewRows` streams B, and a small C
/// (m·n <= 1024) over a long k with A·Bᵀ, both contiguous along k, is a grid of
/// dot products (`gemmDotProducts`). Packing buffers live in a per-thread
/// workspace reused across calls, so steady-state calls do not allocate.

public enum Transpose: Sendable {
    case none
    case transposed
}

/// Naive reference: the test oracle and the fallback. Accumulates in Double.
public func gemmReference(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let av = transA == .none ? a[i * lda + p] : a[p * lda + i]
                let bv = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                sum += Double(av) * Double(bv)
            }
            let prior = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * sum + prior)
        }
    }
}

/// The fast GEMM (same contract as `gemmReference`). `pool` splits the work
/// over threads when the product is large enough to pay for it; smaller
/// products run on the calling thread only.
public func gemm(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    split: GEMMSplit = .largerSide,
    epilogue: GEMMEpilogue? = nil,
    pool: ThreadPool? = nil
) {
    guard m > 0, n > 0 else { return }
    if k == 0 || alpha == 0 {
        scaleMatrix(c, rows: m, cols: n, ldc: ldc, beta: beta)
        epilogue?.apply(c, ldc: ldc, rows: 0..<m, cols: 0..<n)
        return
    }
    let problem = GEMMProblem(transA: transA, transB: transB, k: k, alpha: alpha,
                              a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
    // A few rows (batch-1 inference, a recurrent step) do too little work per
    // element of B to pay for packing it: stream B instead. A small C over a
    // long k with both operands contiguous along k (conv weight gradients)
    // is a grid of dot products: no packing at all.
    let fewRows = m <= GEMMBlocking.fewRows
    let dotProducts = transA == .none && transB == .transposed && m * n <= GEMMBlocking.dotProductCells
        && k >= GEMMBlocking.dotProductMinDepth
    let path = GEMMPath(dotProducts: dotProducts, fewRows: fewRows)
    let threads = pool?.threadCount ?? 1
    // (A pool backing off runs jobs inline: then one unsplit product, not its tasks one after another.)
    guard let pool, threads > 1, gemmSplitsAcrossThreads(m: m, n: n, k: k), !pool.isBackingOff else {
        gemmCompute(problem, rows: 0..<m, cols: 0..<n, path: path)
        epilogue?.apply(c, ldc: ldc, rows: 0..<m, cols: 0..<n)
        return
    }
    // One task per thread. (Measured: more, smaller tasks cost more in duplicate
    // packing and hand-offs than they gain in balance, even with one core busy
    // elsewhere; a worker slow to wake simply leaves its task to the caller.)
    let splitColumns: Bool, span: Int
    switch split {
    case .largerSide:
        splitColumns = n >= m
        span = splitColumns ? GEMMSplit.bandWidth(n, threads: threads)
                            : roundUp((m + threads - 1) / threads, GEMMBlocking.rowQuantum)
    case .columns:
        splitColumns = true
        span = GEMMSplit.bandWidth(n, threads: threads)
    case .rowsAsColumns:
        splitColumns = false
        span = GEMMSplit.bandWidth(m, threads: threads)
    }
    let tasks = splitColumns ? (n + span - 1) / span : (m + span - 1) / span
    // A softmax needs whole rows: after a split by columns it runs on the caller, after the job.
    let wholeRowsOnly = splitColumns && epilogue?.needsWholeRows == true
    // The tasks read their arguments from this block (no closure: no allocation per call).
    var task = GEMMTask(problem: problem, m: m, n: n, path: path, splitColumns: splitColumns, span: span,
                        epilogue: wholeRowsOnly ? nil : epilogue)
    withUnsafeMutablePointer(to: &task) { pointer in
        pool.parallelFor(tasks, context: UnsafeMutableRawPointer(pointer)) { context, t in runGEMMTask(context, t) }
    }
    if wholeRowsOnly { epilogue?.apply(c, ldc: ldc, rows: 0..<m, cols: 0..<n) }
}

/// How a product large enough to split is cut over the threads: one band of C
/// per thread, task t (claimed first by thread t, the caller taking 0).
public enum GEMMSplit: Sendable {
    /// The larger of C's sides, in bands of whole 16-column slivers or of `rowQuantum` rows.
    case largerSide
    /// C's columns, in bands of `bandWidth` (whole 16-column slivers).
    case columns
    /// C's rows, cut exactly where `.columns` cuts as many columns. A dense
    /// layer's forward (C [batch, units], by `.columns`) and its weight update
    /// (C = W [units, inputs], by this) then touch on each thread the same rows
    /// of W, which stay in that core's cache instead of moving between cores
    /// (measured ~190 ns a cache line between this VM's two vCPUs at times).
    case rowsAsColumns

    /// The width of each thread's band of `count` columns (or rows, for `.rowsAsColumns`).
    static func bandWidth(_ count: Int, threads: Int) -> Int {
        roundUp((count + threads - 1) / threads, GEMMBlocking.nr)
    }
}

/// y = act(y + b) on a block of C, applied by the thread that computed the
/// block, right after it (the block is still in that core's cache, and the
/// pass runs in parallel instead of on the caller afterwards). With
/// `transposedOutput`, the block is then copied transposed there: C[i, j] to
/// T[j, i] (a product computed with units as rows, wanted with units as
/// columns; the bias is then per row of C).
public struct GEMMEpilogue {
    /// [n] added to every row of C, or [m] to every column with `transposedOutput`; nil: none.
    public var bias: UnsafePointer<Float>?
    public var activation: Activation
    /// T [n, m], rows `transposedStride` apart; nil: C itself is the output.
    public var transposedOutput: UnsafeMutablePointer<Float>?
    public var transposedStride: Int

    public init(bias: UnsafePointer<Float>?, activation: Activation,
                transposedOutput: UnsafeMutablePointer<Float>? = nil, transposedStride: Int = 0) {
        precondition(transposedOutput == nil || activation != .softmax, "a transposed block has no whole rows")
        self.bias = bias
        self.activation = activation
        self.transposedOutput = transposedOutput
        self.transposedStride = transposedStride
    }

    /// Softmax normalizes whole rows, so a block narrower than C cannot apply it.
    var needsWholeRows: Bool { activation == .softmax }

    func apply(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Range<Int>, cols: Range<Int>) {
        guard !rows.isEmpty, !cols.isEmpty else { return }
        guard let t = transposedOutput else {
            biasActivationForward(activation, output: c + rows.lowerBound * ldc + cols.lowerBound,
                                  bias: bias.map { $0 + cols.lowerBound }, rows: rows.count, width: cols.count,
                                  rowStride: ldc)
            return
        }
        for i in rows {
            let row = c + i * ldc + cols.lowerBound
            if let bias { addScalar(bias[i], to: row, count: cols.count) }
            applyActivation(activation, row, row, count: cols.count)
        }
        transposeBlock(c, ldc: ldc, rows: rows, cols: cols, to: t, ldt: transposedStride)
    }
}

/// T[j, i] = C[i, j] over a block, in 16×16 tiles: each tile touches 16 lines of
/// C and 16 of T, so strides that are powers of two (a row of 256 floats is
/// 1 KB) do not evict each other from L1's few sets, as a row-at-a-time copy
/// measured (4× slower).
func transposeBlock<Element>(_ c: UnsafePointer<Element>, ldc: Int, rows: Range<Int>, cols: Range<Int>,
                             to t: UnsafeMutablePointer<Element>, ldt: Int) {
    var i0 = rows.lowerBound
    while i0 < rows.upperBound {
        let i1 = min(i0 + 16, rows.upperBound)
        var j0 = cols.lowerBound
        while j0 < cols.upperBound {
            let j1 = min(j0 + 16, cols.upperBound)
            for j in j0..<j1 {
                let dst = t + j * ldt
                for i in i0..<i1 { dst[i] = c[i * ldc + j] }
            }
            j0 = j1
        }
        i0 = i1
    }
}

/// Which kernel runs a product (chosen from its shape alone).
private struct GEMMPath {
    var dotProducts: Bool
    var fewRows: Bool
}

/// The product over a block of C's rows and columns, on the calling thread.
private func gemmCompute(_ problem: GEMMProblem, rows: Range<Int>, cols: Range<Int>, path: GEMMPath) {
    if path.dotProducts {
        gemmDotProducts(problem, rows: rows, cols: cols)
        return
    }
    let scratch = GEMMScratch.forCurrentThread()
    if path.fewRows {
        gemmFewRows(problem, rows: rows, cols: cols, scratch: scratch)
    } else {
        gemmBlocked(problem, rows: rows, cols: cols, scratch: scratch)
    }
}

/// One thread's share of a split product: task t covers a band of columns
/// (or rows) `span` wide.
private struct GEMMTask {
    var problem: GEMMProblem
    var m: Int
    var n: Int
    var path: GEMMPath
    var splitColumns: Bool
    var span: Int
    var epilogue: GEMMEpilogue?
}

private func runGEMMTask(_ context: UnsafeMutableRawPointer, _ t: Int) {
    let task = context.assumingMemoryBound(to: GEMMTask.self).pointee
    let band = (t * task.span)..<min(task.splitColumns ? task.n : task.m, (t + 1) * task.span)
    let rows = task.splitColumns ? 0..<task.m : band, cols = task.splitColumns ? band : 0..<task.n
    gemmCompute(task.problem, rows: rows, cols: cols, path: task.path)
    task.epilogue?.apply(task.problem.c, ldc: task.problem.ldc, rows: rows, cols: cols)
}

// MARK: - A packed right operand reused across calls

/// Floats `gemmPackB` writes for op(B) [k, n].
public func gemmPackedBSize(k: Int, n: Int) -> Int { roundUp(n, GEMMBlocking.nr) * k }

/// Whether op(B) with n columns can be packed once for `gemm(…packedB:…)` (n ≤ `prepackedColumns`).
public func gemmCanPackB(n: Int) -> Bool { n > 0 && n <= GEMMBlocking.prepackedColumns }

/// Packs op(B) [k, n] (B stored [k, n], or [n, k] when transposed) in the
/// micro-kernel's layout, once, for many products with it — a recurrent
/// weight matrix used at every time step. dst: `gemmPackedBSize(k:n:)` floats.
public func gemmPackB(_ transB: Transpose, k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int,
                      into dst: UnsafeMutablePointer<Float>) {
    precondition(gemmCanPackB(n: n) && k >= 0, "gemmPackB: n must be in 1...\(GEMMBlocking.prepackedColumns)")
    let p = GEMMProblem(transA: .none, transB: transB, k: k, alpha: 1, a: b, lda: 0, b: b, ldb: ldb,
                        beta: 0, c: dst, ldc: 0)
    let panelWidth = roundUp(n, GEMMBlocking.nr)
    var pc = 0
    while pc < k {
        let kc = min(GEMMBlocking.kc, k - pc)
        packB(p, depth: pc..<(pc + kc), cols: 0..<n, into: dst + pc * panelWidth)
        pc += kc
    }
}

/// C[m, n] = alpha · op(A) · op(B) + beta · C with op(B) packed by `gemmPackB`
/// (same k and n). `pool` splits a large product's rows over threads (bands of
/// `rowQuantum` rows; a row's sums do not depend on its band), a few rows' columns (whole slivers);
/// without it, single-threaded (for small products inside parallel work).
public func gemm(
    _ transA: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    packedB: UnsafePointer<Float>,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    epilogue: GEMMEpilogue? = nil,
    pool: ThreadPool? = nil
) {
    guard m > 0, n > 0 else { return }
    if k == 0 || alpha == 0 {
        scaleMatrix(c, rows: m, cols: n, ldc: ldc, beta: beta)
        epilogue?.apply(c, ldc: ldc, rows: 0..<m, cols: 0..<n)
        return
    }
    precondition(gemmCanPackB(n: n), "gemm(packedB:): n must be in 1...\(GEMMBlocking.prepackedColumns)")
    let problem = GEMMProblem(transA: transA, transB: .none, k: k, alpha: alpha, a: a, lda: lda,
                              b: packedB, ldb: n, beta: beta, c: c, ldc: ldc)
    // A few rows split by 16-column slivers (batch-1 inference: task t is claimed
    // first by thread t, the caller taking 0, so each core keeps re-reading its
    // own part of B from its own L2, call after call); more rows by bands of `rowQuantum` rows.
    // A column's or a row's sums do not depend on the split: the same bits at any
    // thread count.
    let fewRows = m <= GEMMBlocking.fewRows
    let rowQuantum = GEMMBlocking.rowQuantum
    let units = fewRows ? roundUp(n, GEMMBlocking.nr) / GEMMBlocking.nr : (m + rowQuantum - 1) / rowQuantum
    let threads = pool?.threadCount ?? 1
    let worthSplitting = fewRows ? m * n * k >= GEMMBlocking.fewRowsParallelWork && units >= 2 * threads
                                 : m > GEMMBlocking.mr && gemmSplitsAcrossThreads(m: m, n: n, k: k)
    guard let pool, threads > 1, worthSplitting, !pool.isBackingOff else {
        let scratch = GEMMScratch.forCurrentThread()
        if fewRows {
            gemmFewRowsPacked(problem, rows: m, n: n, slivers: 0..<units, packedB: packedB, scratch: scratch)
        } else {
            gemmBlocked(problem, rows: 0..<m, cols: 0..<n, scratch: scratch, prepackedB: packedB)
        }
        epilogue?.apply(c, ldc: ldc, rows: 0..<m, cols: 0..<n)
        return
    }
    let bands = min(threads, units)
    // Slivers are bands of columns: a softmax then runs on the caller, after the job.
    let wholeRowsOnly = fewRows && epilogue?.needsWholeRows == true
    var task = PackedGEMMTask(problem: problem, packedB: packedB, m: m, n: n, fewRows: fewRows, units: units,
                              bands: bands, epilogue: wholeRowsOnly ? nil : epilogue)
    withUnsafeMutablePointer(to: &task) { pointer in
        pool.parallelFor(bands, context: UnsafeMutableRawPointer(pointer)) { context, t in
            let task = context.assumingMemoryBound(to: PackedGEMMTask.self).pointee
            let band = ThreadPool.chunkRange(t, of: task.bands, count: task.units)
            let scratch = GEMMScratch.forCurrentThread()
            let nr = GEMMBlocking.nr
            let rows: Range<Int>, cols: Range<Int>
            if task.fewRows {
                gemmFewRowsPacked(task.problem, rows: task.m, n: task.n, slivers: band, packedB: task.packedB,
                                  scratch: scratch)
                rows = 0..<task.m
                cols = (band.lowerBound * nr)..<min(task.n, band.upperBound * nr)
            } else {
                rows = (band.lowerBound * GEMMBlocking.rowQuantum)..<min(task.m, band.upperBound * GEMMBlocking.rowQuantum)
                cols = 0..<task.n
                gemmBlocked(task.problem, rows: rows, cols: cols, scratch: scratch, prepackedB: task.packedB)
            }
            task.epilogue?.apply(task.problem.c, ldc: task.problem.ldc, rows: rows, cols: cols)
        }
    }
    if wholeRowsOnly { epilogue?.apply(c, ldc: ldc, rows: 0..<m, cols: 0..<n) }
}

/// Slivers `slivers` of C[m, n] = alpha · A · B + beta · C (sliver s: columns
/// 16·s ..< min(n, 16·(s+1))), B packed by `gemmPackB`, A [m, k] stored as is,
/// m ≤ `GEMMBlocking.fewRows`, k > 0, on this thread: one part of a product
/// that its caller splits itself (the LSTM's lockstep steps). The same bits as
/// those columns of the whole product.
func gemmFewRowsPacked(m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                       packedB: UnsafePointer<Float>, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                       slivers: Range<Int>) {
    precondition(m <= GEMMBlocking.fewRows && k > 0 && gemmCanPackB(n: n), "gemmFewRowsPacked: a few rows, k > 0")
    let problem = GEMMProblem(transA: .none, transB: .none, k: k, alpha: alpha, a: a, lda: lda,
                              b: packedB, ldb: n, beta: beta, c: c, ldc: ldc)
    gemmFewRowsPacked(problem, rows: m, n: n, slivers: slivers, packedB: packedB, scratch: GEMMScratch.forCurrentThread())
}

/// One thread's band of a product with a prepacked B: band t of `bands` near-equal
/// bands of `units` — 16-column slivers (few rows) or `rowQuantum`-row groups.
private struct PackedGEMMTask {
    var problem: GEMMProblem
    var packedB: UnsafePointer<Float>
    var m: Int
    var n: Int
    var fewRows: Bool
    var units: Int
    var bands: Int
    var epilogue: GEMMEpilogue?
}

/// A few rows against a prepacked B (the batch-1 recurrent step): no zero rows
/// padded to a register tile, four 16-column slivers at a time so that the
/// FMAs do not wait on each other. Per element the same operations in the same
/// order as `gemmBlocked` on an edge tile (alpha·A rounded first, a fresh sum
/// per KC slice, then beta as `copyEdgeTile` applies it), so the same bits.
private func gemmFewRowsPacked(_ p: GEMMProblem, rows m: Int, n: Int, slivers: Range<Int>,
                               packedB: UnsafePointer<Float>, scratch: GEMMScratch) {
    typealias V = SIMD16<Float>
    let nr = GEMMBlocking.nr
    let panelWidth = roundUp(n, nr)
    let tile = scratch.edgeTile   // [4][16]: four slivers' sums for one row
    var pc = 0
    while pc < p.k {
        let kc = min(GEMMBlocking.kc, p.k - pc)
        let beta: Float = pc == 0 ? p.beta : 1
        let panel = UnsafeRawPointer(packedB + pc * panelWidth)   // sliver s: [kc][16] at s·kc·16 floats
        let sliverBytes = kc * nr * MemoryLayout<Float>.stride
        for i in 0..<m {
            // A[i, pc + q] at a + i·lda + q (stored [m, k]) or a + q·lda + i (stored [k, m]).
            let aRow = p.transA == .none ? p.a + i * p.lda + pc : p.a + pc * p.lda + i
            let aStep = p.transA == .none ? 1 : p.lda
            var s = slivers.lowerBound
            while s < slivers.upperBound {
                let group = min(4, slivers.upperBound - s)
                var acc0 = V(), acc1 = V(), acc2 = V(), acc3 = V()
                var b = panel + s * sliverBytes
                var ap = aRow
                if group == 4 {
                    for _ in 0..<kc {
                        let av = V(repeating: p.alpha * ap.pointee)
                        acc0.addProduct(av, b.loadUnaligned(as: V.self))
                        acc1.addProduct(av, b.loadUnaligned(fromByteOffset: sliverBytes, as: V.self))
                        acc2.addProduct(av, b.loadUnaligned(fromByteOffset: 2 * sliverBytes, as: V.self))
                        acc3.addProduct(av, b.loadUnaligned(fromByteOffset: 3 * sliverBytes, as: V.self))
                        ap += aStep
                        b += nr * MemoryLayout<Float>.stride
                    }
                } else {
                    for _ in 0..<kc {
                        acc0.addProduct(V(repeating: p.alpha * ap.pointee), b.loadUnaligned(as: V.self))
                        ap += aStep
                        b += nr * MemoryLayout<Float>.stride
                    }
                }
                let t = UnsafeMutableRawPointer(tile)
                t.storeBytes(of: acc0, toByteOffset: 0, as: V.self)
                t.storeBytes(of: acc1, toByteOffset: 64, as: V.self)
                t.storeBytes(of: acc2, toByteOffset: 128, as: V.self)
                t.storeBytes(of: acc3, toByteOffset: 192, as: V.self)
                let done = group == 4 ? 4 : 1
                for g in 0..<done {
                    let j0 = (s + g) * nr
                    copyEdgeTile(tile + g * nr, to: p.c + i * p.ldc + j0, ldc: 0, rows: 1, cols: min(nr, n - j0), beta: beta)
                }
                s += done
            }
        }
        pc += kc
    }
}

/// Whether `gemm(transA, m:n:k:…packedB:…)` gives the same bits as
/// `gemm(transA, transB, …)` on the unpacked B for this shape: both take the
/// blocked kernel (not the few-rows or dot-product paths).
public func gemmPackedPathIsExact(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int) -> Bool {
    let dotProducts = transA == .none && transB == .transposed && m * n <= GEMMBlocking.dotProductCells
        && k >= GEMMBlocking.dotProductMinDepth
    return m > GEMMBlocking.fewRows && !dotProducts && gemmCanPackB(n: n)
}

/// Whether `gemm(…packedB:…)` with m rows takes its few-rows path, which gives
/// the bits of the blocked path (rows computed among more), not those of the
/// unpacked few-rows path.
public func gemmPackedTakesFewRows(m: Int) -> Bool { m <= GEMMBlocking.fewRows }

/// Whether `gemm` would split a product of this size over threads; callers
/// with many small products (conv per image) parallelize over them instead.
func gemmSplitsAcrossThreads(m: Int, n: Int, k: Int) -> Bool {
    m * n * k >= GEMMBlocking.parallelWork
}

// MARK: - Blocking parameters

enum GEMMBlocking {
    #if NNC_AVX512
    /// Register tile: 12 rows × 16 columns = 12 zmm accumulators (of 32), one
    /// 16-wide B row and the broadcast A value (Package.swift sets NNC_AVX512
    /// when the building machine has AVX-512).
    static let mr = 12
    #else
    /// Register tile: 6 rows × 16 columns = 12 ymm accumulators, plus 2 for B
    /// and 1 for the broadcast A value: 15 of the 16 AVX2 registers.
    static let mr = 6
    #endif
    static let nr = 16
    /// Row bands of a split product are multiples of this: 64 rows split 32 + 32
    /// (not 36 + 28 at whole 12-row tiles), and a band's last 8 or 4 rows run on
    /// the 8- or 4-row kernel (in place when A is).
    static let rowQuantum = 4
    /// Depth of a packed slice: an A sliver (mr×KC, 12 KB at mr = 12) stays in
    /// L1 across a row of tiles, while each tile streams its B slivers (16 KB
    /// each) from the panel in L2.
    static let kc = 256
    /// Rows of A per packed block: MC×KC floats = 144 KB, resident in L2.
    static let mc = 144
    /// Columns of B per panel: KC×NC floats = 512 KB, half of L2, where the
    /// tiles re-read it for each 12-row sliver of A (they run row by row).
    /// nnc bench --gemm 2048, 1 thread, medians of 5 alternated rounds: 177
    /// GFLOP/s with 4096-column panels (2 MB, back to L3 for each row block)
    /// run down the columns, 210 with these.
    static let nc = 512
    /// The widest op(B) `gemmPackB` packs once (its slices walked NC columns at a time).
    static let prepackedColumns = 4096
    /// m·n·k below which (≈ 50 µs of work) a second thread costs more
    /// (hand-off, duplicate packing, cache traffic) than it saves; measured
    /// with `gemmBenchmark` on 2 cores.
    static let parallelWork = 1 << 21
    /// m at or below which `gemmFewRows` beats packing (measured).
    static let fewRows = 4
    /// m·n·k from which a few-rows product with a prepacked B is split over
    /// the threads (≈ 3 µs of work: a hand-off to a polling worker costs ~1 µs).
    static let fewRowsParallelWork = 1 << 16
    /// Largest m·n, and smallest k, for which `gemmDotProducts` beats packing (measured).
    static let dotProductCells = 1024
    static let dotProductMinDepth = 64
}

@inline(__always)
private func roundUp(_ x: Int, _ multiple: Int) -> Int {
    (x + multiple - 1) / multiple * multiple
}

/// Everything about one gemm call except the block being computed.
private struct GEMMProblem {
    let transA: Transpose
    let transB: Transpose
    let k: Int
    let alpha: Float
    let a: UnsafePointer<Float>
    let lda: Int
    let b: UnsafePointer<Float>
    let ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>
    let ldc: Int
}

/// C[m, n] = beta * C (beta == 0 writes zeros without reading C).
private func scaleMatrix(_ c: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ldc: Int, beta: Float) {
    if beta == 1 { return }
    for i in 0..<rows {
        let row = c + i * ldc
        if beta == 0 {
            row.update(repeating: 0, count: cols)
        } else {
            for j in 0..<cols { row[j] *= beta }
        }
    }
}

// MARK: - Per-thread packing workspace

/// Packing buffers owned by one thread, grown on first use and then reused, so
/// steady-state gemm calls do not allocate. Reached through a pthread key;
/// freed when the thread exits.
private final class GEMMScratch {
    /// Packed block of op(A): ceil(MC/mr) slivers of KC×mr floats.
    let packedA: UnsafeMutablePointer<Float>
    /// Packed panel of op(B): slivers of KC×16 floats; `packedBCapacity` floats.
    /// The few-rows path keeps its copy of alpha·op(A) here instead.
    private(set) var packedB: UnsafeMutablePointer<Float>
    private var packedBCapacity: Int
    /// An mr×16 tile for edge blocks that do not fill the register tile.
    let edgeTile: UnsafeMutablePointer<Float>

    init() {
        packedA = GEMMScratch.allocateFloats(roundUp(GEMMBlocking.mc, GEMMBlocking.mr) * GEMMBlocking.kc)
        // The largest panel any call packs (KC×NC, 512 KB), so the buffer never grows mid-training.
        packedBCapacity = GEMMBlocking.kc * GEMMBlocking.nc
        packedB = GEMMScratch.allocateFloats(packedBCapacity)
        edgeTile = GEMMScratch.allocateFloats(GEMMBlocking.mr * GEMMBlocking.nr)
    }

    deinit {
        packedA.deallocate()
        packedB.deallocate()
        edgeTile.deallocate()
    }

    /// Makes room for `floats` floats in `packedB`.
    func reserveB(_ floats: Int) {
        if floats <= packedBCapacity { return }
        packedB.deallocate()
        packedB = GEMMScratch.allocateFloats(floats)
        packedBCapacity = floats
    }

    /// 64-byte aligned (one cache line) buffer.
    private static func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: max(count, 16))
    }

    /// The calling thread's workspace, created on its first gemm.
    static func forCurrentThread() -> GEMMScratch {
        if let raw = pthread_getspecific(scratchKey) {
            return Unmanaged<GEMMScratch>.fromOpaque(raw).takeUnretainedValue()
        }
        let scratch = GEMMScratch()
        pthread_setspecific(scratchKey, Unmanaged.passRetained(scratch).toOpaque())
        return scratch
    }
}

/// Creates the calling thread's gemm workspace now (pool workers do this when
/// they start), so that no later kernel call on the thread allocates.
func prepareKernelWorkspaceForCurrentThread() {
    _ = GEMMScratch.forCurrentThread()
}

/// The thread-local slot holding each thread's `GEMMScratch` (retained); the
/// destructor releases it when the thread exits.
private let scratchKey: pthread_key_t = {
    var key = pthread_key_t()
    #if canImport(Glibc)
    pthread_key_create(&key) { raw in
        if let raw { Unmanaged<GEMMScratch>.fromOpaque(raw).release() }
    }
    #else
    pthread_key_create(&key) { raw in
        Unmanaged<GEMMScratch>.fromOpaque(raw).release()
    }
    #endif
    return key
}()

// MARK: - Blocked driver

/// Whether an A sliver read in place (not packed) would evict itself from L1
/// while a row of tiles re-reads it. L1 here is 32 KB, 8-way, 64-byte lines
/// (Zen 4, Zen 5, most Intel cores): addresses 4 KB apart share a set. With A
/// [m, k] and a row stride a multiple of 4 KB, a sliver's 12 rows fall in one
/// set (12 lines at each depth, 8 ways); with A [k, m] and a depth stride a
/// multiple of 2 KB, its kc depths fall in two. Only a panel wider than one
/// 32-column tile re-reads the sliver, so narrower ones stay in place.
/// Measured on Zen 4 (nnc bench --gemm SHAPE --threads 1, medians of 6
/// alternated rounds, GFLOP/s in place → packed): 1024³ 77.2 → 91.2, 2048³
/// 83.7 → 91.5, 512x128x1568:TN (an LSTM's dW_h) 70.7 → 87.2; and where the
/// rule keeps A in place, packing lost: 32x128x512:NN (row stride 2 KB) 14 %,
/// 64-deep TN products (depth stride 1 KB) 2-3 %. Packed or not, the kernel
/// and its summation order are the same, so the bits are too.
private func aSliverThrashesL1(_ p: GEMMProblem, panelColumns: Int) -> Bool {
    guard panelColumns > 2 * GEMMBlocking.nr else { return false }
    let strideBytes = p.lda * MemoryLayout<Float>.stride
    return p.transA == .none ? strideBytes % 4096 == 0 : strideBytes % 2048 == 0
}


/// Computes the block rows × cols of C on the calling thread.
/// `prepackedB`: op(B) already packed by `gemmPackB` (cols is all of its n ≤
/// `prepackedColumns`; each KC slice is `roundUp(n, 16)` columns wide).
private func gemmBlocked(_ p: GEMMProblem, rows: Range<Int>, cols: Range<Int>, scratch: GEMMScratch,
                         prepackedB: UnsafePointer<Float>? = nil) {
    let mr = GEMMBlocking.mr, nr = GEMMBlocking.nr
    let prepackedWidth = roundUp(cols.count, nr)
    if prepackedB == nil { scratch.reserveB(min(GEMMBlocking.nc, prepackedWidth) * GEMMBlocking.kc) }
    let packedA = scratch.packedA, edgeTile = scratch.edgeTile
    #if NNC_AVX512
    // With alpha 1 packA would only copy A: whole 12-row slivers are read where
    // they are, stored [m, k] (a row's depth contiguous) or [k, m] (a depth's rows
    // contiguous), unless their lines alias in L1 and a row of tiles re-reads them.
    let readsAInPlace = p.alpha == 1 && !aSliverThrashesL1(p, panelColumns: cols.count)
    #else
    let readsAInPlace = false
    #endif
    let aRowStride = p.transA == .none ? p.lda : 1, aDepthStride = p.transA == .none ? 1 : p.lda

    var jc = cols.lowerBound
    while jc < cols.upperBound {
        let nc = min(GEMMBlocking.nc, cols.upperBound - jc)
        var pc = 0
        while pc < p.k {
            let kc = min(GEMMBlocking.kc, p.k - pc)
            let packedB: UnsafePointer<Float>
            if let prepackedB {
                // Slivers of 16 columns, each [kc][16]: this panel's start within the slice.
                packedB = prepackedB + pc * prepackedWidth + (jc - cols.lowerBound) * kc
            } else {
                packB(p, depth: pc..<(pc + kc), cols: jc..<(jc + nc), into: scratch.packedB)
                packedB = UnsafePointer(scratch.packedB)
            }
            // The first slice applies beta; later slices accumulate onto it.
            let beta: Float = pc == 0 ? p.beta : 1
            var ic = rows.lowerBound
            while ic < rows.upperBound {
                let mc = min(GEMMBlocking.mc, rows.upperBound - ic)
                // Whole 12-row slivers of A (alpha 1) are read where they are, and a last
                // 8 or 4 rows too when every tile of the block takes a two-sliver kernel
                // (those read exactly their rows; the one-sliver kernel reads 12). The
                // rest is packed.
                let whole = readsAInPlace ? mc / mr * mr : 0, tail = mc - whole
                #if NNC_AVX512
                let twoSliversOnly = nc % (2 * nr) == 0 || nc % (2 * nr) > nr
                let tailInPlace = readsAInPlace && (tail == 8 || tail == 4) && twoSliversOnly
                #else
                let tailInPlace = false
                #endif
                let inPlace = whole + (tailInPlace ? tail : 0)
                if inPlace < mc { packA(p, rows: (ic + inPlace)..<(ic + mc), depth: pc..<(pc + kc), into: packedA) }
                @inline(__always) func aSliver(_ ir: Int) -> UnsafePointer<Float> {
                    ir < inPlace ? p.a + (ic + ir) * aRowStride + pc * aDepthStride
                                 : UnsafePointer(packedA + (ir - inPlace) * kc)
                }
                // Row by row: each A sliver stays in L1 across the panel, the panel (L2) is
                // re-read per sliver, and C is swept along its rows, which the hardware
                // prefetches. (Down the columns, a beta ≠ 0 pass over a C with rows 8 KB
                // apart — a 2048-wide weight update — stalled on every tile's C lines:
                // 2048×2048×64 TN at beta 1 ran at 110 GFLOP/s, by rows 197.)
                var ir = 0
                while ir < mc {
                    let rows = min(mr, mc - ir)
                    var jr = 0
                    while jr < nc {
                        let bSliver = packedB + jr * kc
                        let c = p.c + (ic + ir) * p.ldc + jc + jr
                        #if NNC_AVX512
                        if nc - jr > nr {
                            // Two slivers at once: 12×32, half the A broadcasts per FMA.
                            let a = aSliver(ir), b2 = bSliver + nr * kc, cols = min(2 * nr, nc - jr)
                            // In place: A's own strides; packed: a sliver [kc][12].
                            let (rs, ds) = ir < inPlace ? (aRowStride, aDepthStride) : (1, mr)
                            if ir < inPlace && rows == mr {
                                microKernel12x32(kc: kc, a: a, rowStride: rs, depthStride: ds, b: bSliver, b2: b2,
                                                 c: c, ldc: p.ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile)
                            } else if rows <= 4 {
                                microKernel4x32(kc: kc, a: a, rowStride: rs, depthStride: ds, b: bSliver, b2: b2,
                                                c: c, ldc: p.ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile)
                            } else if rows <= 8 {
                                microKernel8x32(kc: kc, a: a, rowStride: rs, depthStride: ds, b: bSliver, b2: b2,
                                                c: c, ldc: p.ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile)
                            } else {
                                microKernel12x32(kc: kc, a: a, rowStride: 1, depthStride: mr, b: bSliver, b2: b2,
                                                 c: c, ldc: p.ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile)
                            }
                            jr += 2 * nr
                            continue
                        }
                        #endif
                        let cols = min(nr, nc - jr)
                        if ir < inPlace {
                            microKernel(kc: kc, a: aSliver(ir), rowStride: aRowStride, depthStride: aDepthStride,
                                        b: bSliver,
                                        c: c, ldc: p.ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile)
                        } else {
                            microKernel(kc: kc, a: aSliver(ir), rowStride: 1, depthStride: mr, b: bSliver,
                                        c: c, ldc: p.ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile)
                        }
                        jr += nr
                    }
                    ir += mr
                }
                ic += mc
            }
            pc += kc
        }
        jc += nc
    }
}

// MARK: - Few rows

/// C[rows, cols] for a handful of rows, without packing B: alpha·op(A)[rows, :]
/// is copied to contiguous rows, then op(B) is streamed once. For B stored
/// [k, n], each row of B is added into the C rows (kept in L1) scaled by
/// A[i, p]; for B stored [n, k], each C element is a dot product of two
/// contiguous rows. Sums run over k in a fixed order.
private func gemmFewRows(_ p: GEMMProblem, rows: Range<Int>, cols: Range<Int>, scratch: GEMMScratch) {
    typealias V = SIMD8<Float>
    let k = p.k
    scratch.reserveB(rows.count * k)
    let aRows = scratch.packedB
    for (r, i) in rows.enumerated() {
        let dst = aRows + r * k
        if p.transA == .none {
            let src = p.a + i * p.lda
            for q in 0..<k { dst[q] = p.alpha * src[q] }
        } else {
            for q in 0..<k { dst[q] = p.alpha * p.a[q * p.lda + i] }
        }
    }
    let width = cols.count
    let vectorWidth = width / 8 * 8

    if p.transB == .none {
        scaleMatrix(p.c + rows.lowerBound * p.ldc + cols.lowerBound, rows: rows.count, cols: width,
                    ldc: p.ldc, beta: p.beta)
        for q in 0..<k {
            let bRow = UnsafeRawPointer(p.b + q * p.ldb + cols.lowerBound)
            for r in 0..<rows.count {
                let cRow = p.c + (rows.lowerBound + r) * p.ldc + cols.lowerBound
                let raw = UnsafeMutableRawPointer(cRow)
                let scalar = aRows[r * k + q]
                let s = V(repeating: scalar)
                var offset = 0
                while offset < vectorWidth * 4 {
                    let sum = UnsafeRawPointer(raw).loadUnaligned(fromByteOffset: offset, as: V.self)
                        .addingProduct(s, bRow.loadUnaligned(fromByteOffset: offset, as: V.self))
                    raw.storeBytes(of: sum, toByteOffset: offset, as: V.self)
                    offset += 32
                }
                let bTail = bRow.assumingMemoryBound(to: Float.self)
                for j in vectorWidth..<width { cRow[j] = cRow[j].addingProduct(scalar, bTail[j]) }
            }
        }
        return
    }

    let kVector = k / 16 * 16
    for j in cols {
        let bRow = UnsafeRawPointer(p.b + j * p.ldb)
        let bFloats = p.b + j * p.ldb
        for r in 0..<rows.count {
            let aRow = UnsafeRawPointer(aRows + r * k)
            var s0 = V(), s1 = V()
            var offset = 0
            while offset < kVector * 4 {
                s0.addProduct(aRow.loadUnaligned(fromByteOffset: offset, as: V.self),
                              bRow.loadUnaligned(fromByteOffset: offset, as: V.self))
                s1.addProduct(aRow.loadUnaligned(fromByteOffset: offset + 32, as: V.self),
                              bRow.loadUnaligned(fromByteOffset: offset + 32, as: V.self))
                offset += 64
            }
            var sum = (s0 + s1).sum()
            for q in kVector..<k { sum = sum.addingProduct(aRows[r * k + q], bFloats[q]) }
            let cell = p.c + (rows.lowerBound + r) * p.ldc + j
            cell.pointee = p.beta == 0 ? sum : sum.addingProduct(p.beta, cell.pointee)
        }
    }
}

// MARK: - Dot products

/// C[rows, cols] = alpha · A·Bᵀ + beta · C with A stored [m, k] and B stored
/// [n, k]: every element is a dot product of two contiguous rows. Blocks of
/// 2 rows × 4 columns keep 8 accumulators and load 6 vectors per 8 FMAs. Edge
/// blocks repeat the last row/column and keep only the valid results.
private func gemmDotProducts(_ p: GEMMProblem, rows: Range<Int>, cols: Range<Int>) {
    typealias V = SIMD8<Float>
    let k = p.k, kVector = k / 8 * 8
    var i = rows.lowerBound
    while i < rows.upperBound {
        let i1 = min(i + 1, rows.upperBound - 1)
        let a0 = UnsafeRawPointer(p.a + i * p.lda), a1 = UnsafeRawPointer(p.a + i1 * p.lda)
        var j = cols.lowerBound
        while j < cols.upperBound {
            let last = cols.upperBound - 1
            let b0 = UnsafeRawPointer(p.b + j * p.ldb)
            let b1 = UnsafeRawPointer(p.b + min(j + 1, last) * p.ldb)
            let b2 = UnsafeRawPointer(p.b + min(j + 2, last) * p.ldb)
            let b3 = UnsafeRawPointer(p.b + min(j + 3, last) * p.ldb)
            var s00 = V(), s01 = V(), s02 = V(), s03 = V()
            var s10 = V(), s11 = V(), s12 = V(), s13 = V()
            var offset = 0
            while offset < kVector * 4 {
                let x0 = a0.loadUnaligned(fromByteOffset: offset, as: V.self)
                let x1 = a1.loadUnaligned(fromByteOffset: offset, as: V.self)
                var y = b0.loadUnaligned(fromByteOffset: offset, as: V.self)
                s00.addProduct(x0, y); s10.addProduct(x1, y)
                y = b1.loadUnaligned(fromByteOffset: offset, as: V.self)
                s01.addProduct(x0, y); s11.addProduct(x1, y)
                y = b2.loadUnaligned(fromByteOffset: offset, as: V.self)
                s02.addProduct(x0, y); s12.addProduct(x1, y)
                y = b3.loadUnaligned(fromByteOffset: offset, as: V.self)
                s03.addProduct(x0, y); s13.addProduct(x1, y)
                offset += 32
            }
            var totals = (s00.sum(), s01.sum(), s02.sum(), s03.sum(), s10.sum(), s11.sum(), s12.sum(), s13.sum())
            if kVector < k {
                let fa0 = a0.assumingMemoryBound(to: Float.self), fa1 = a1.assumingMemoryBound(to: Float.self)
                let fb0 = b0.assumingMemoryBound(to: Float.self), fb1 = b1.assumingMemoryBound(to: Float.self)
                let fb2 = b2.assumingMemoryBound(to: Float.self), fb3 = b3.assumingMemoryBound(to: Float.self)
                for q in kVector..<k {
                    totals.0 += fa0[q] * fb0[q]; totals.1 += fa0[q] * fb1[q]
                    totals.2 += fa0[q] * fb2[q]; totals.3 += fa0[q] * fb3[q]
                    totals.4 += fa1[q] * fb0[q]; totals.5 += fa1[q] * fb1[q]
                    totals.6 += fa1[q] * fb2[q]; totals.7 += fa1[q] * fb3[q]
                }
            }
            let columns = min(4, cols.upperBound - j)
            store(totals.0, totals.1, totals.2, totals.3, row: i, col: j, columns: columns, p)
            if i1 != i {
                store(totals.4, totals.5, totals.6, totals.7, row: i1, col: j, columns: columns, p)
            }
            j += 4
        }
        i += 2
    }

    /// C[row, col + c] = alpha · value_c + beta · C for c < columns.
    @inline(__always)
    func store(_ v0: Float, _ v1: Float, _ v2: Float, _ v3: Float, row: Int, col: Int, columns: Int, _ p: GEMMProblem) {
        let dst = p.c + row * p.ldc + col
        let values = SIMD4(v0, v1, v2, v3)
        for c in 0..<columns {
            let value = p.alpha * values[c]
            dst[c] = p.beta == 0 ? value : value.addingProduct(p.beta, dst[c])
        }
    }
}

// MARK: - Packing

/// Packs alpha * op(A)[rows, depth] as mr-row slivers: sliver s holds, for each
/// p in depth, the mr values op(A)[rows.lowerBound + mr·s + r, p] (r = 0..<mr),
/// zero beyond the last row. Layout [sliver][p][r].
private func packA(_ p: GEMMProblem, rows: Range<Int>, depth: Range<Int>, into dst: UnsafeMutablePointer<Float>) {
    let mr = GEMMBlocking.mr
    let kc = depth.count
    let alpha = p.alpha
    var out = dst
    var i0 = rows.lowerBound
    while i0 < rows.upperBound {
        let live = min(mr, rows.upperBound - i0)
        if p.transA == .none {
            // Row r of the sliver is contiguous in A: read the mr rows in step.
            let src = p.a + i0 * p.lda + depth.lowerBound
            // Eight columns at a time: the sliver's rows in two groups (8 + 4, or 4 + 2), each
            // group transposed in registers into its lanes of eight mr-wide columns (rows past
            // `live` are zeros and are not read).
            let lda = p.lda
            #if NNC_AVX512
            typealias Upper = SIMD8<Float>
            typealias Lower = SIMD4<Float>
            #else
            typealias Upper = SIMD4<Float>
            typealias Lower = SIMD2<Float>
            #endif
            let top = Upper.scalarCount
            let upper = min(live, top), lower = max(0, live - top)
            var q = 0
            while q + 8 <= kc {
                transposeColumns(Upper.self, from: src + q, stride: lda, rows: upper, alpha: alpha, to: out, outStride: mr)
                transposeColumns(Lower.self, from: src + top * lda + q, stride: lda, rows: lower, alpha: alpha,
                                 to: out + top, outStride: mr)
                out += 8 * mr
                q += 8
            }
            while q < kc {
                for r in 0..<mr { out[r] = r < live ? alpha * src[r * lda + q] : 0 }
                out += mr
                q += 1
            }
        } else {
            // Stored [k, m]: the mr values for one p are contiguous.
            let src = p.a + depth.lowerBound * p.lda + i0
            if live == mr {
                for q in 0..<kc {
                    let row = UnsafeRawPointer(src + q * p.lda), o = UnsafeMutableRawPointer(out)
                    #if NNC_AVX512
                    o.storeBytes(of: row.loadUnaligned(as: SIMD8<Float>.self) * alpha, as: SIMD8<Float>.self)
                    o.storeBytes(of: row.loadUnaligned(fromByteOffset: 32, as: SIMD4<Float>.self) * alpha,
                                 toByteOffset: 32, as: SIMD4<Float>.self)
                    #else
                    o.storeBytes(of: row.loadUnaligned(as: SIMD4<Float>.self) * alpha, as: SIMD4<Float>.self)
                    o.storeBytes(of: row.loadUnaligned(fromByteOffset: 16, as: SIMD2<Float>.self) * alpha,
                                 toByteOffset: 16, as: SIMD2<Float>.self)
                    #endif
                    out += mr
                }
            } else {
                for q in 0..<kc {
                    let row = src + q * p.lda
                    for r in 0..<mr { out[r] = r < live ? alpha * row[r] : 0 }
                    out += mr
                }
            }
        }
        i0 += mr
    }
}

/// Eight consecutive columns of V.scalarCount rows of A (row stride `stride`;
/// only the first `rows` are read, the others count as zeros), times alpha,
/// written column by column: column t's values for those rows are the lanes
/// of one V at dst + t·outStride.
@inline(__always)
private func transposeColumns<V: SIMD>(_: V.Type, from src: UnsafePointer<Float>, stride: Int, rows live: Int,
                                       alpha: Float, to dst: UnsafeMutablePointer<Float>, outStride: Int)
    where V.Scalar == Float {
    typealias Row = SIMD8<Float>
    var rows = (Row(), Row(), Row(), Row(), Row(), Row(), Row(), Row())
    withUnsafeMutableBytes(of: &rows) { raw in
        for r in 0..<min(live, V.scalarCount) {
            raw.storeBytes(of: UnsafeRawPointer(src + r * stride).loadUnaligned(as: Row.self), toByteOffset: r * 32, as: Row.self)
        }
    }
    withUnsafeBytes(of: &rows) { raw in
        let lanes = raw.bindMemory(to: Float.self)
        for t in 0..<8 {
            var column = V()
            for r in 0..<V.scalarCount { column[r] = lanes[r * 8 + t] }
            UnsafeMutableRawPointer(dst + t * outStride).storeBytes(of: column * alpha, as: V.self)
        }
    }
}

/// Packs op(B)[depth, cols] as 16-column slivers: sliver s holds, for each p in
/// depth, the 16 values op(B)[p, cols.lowerBound + 16s + j], zero beyond the
/// last column. Layout [sliver][p][j].
private func packB(_ p: GEMMProblem, depth: Range<Int>, cols: Range<Int>, into dst: UnsafeMutablePointer<Float>) {
    let nr = GEMMBlocking.nr
    let kc = depth.count
    var out = dst
    var j0 = cols.lowerBound
    while j0 < cols.upperBound {
        let live = min(nr, cols.upperBound - j0)
        if p.transB == .none {
            // Stored [k, n]: the 16 values for one p are contiguous.
            let src = p.b + depth.lowerBound * p.ldb + j0
            if live == nr {
                for q in 0..<kc {
                    let row = UnsafeRawPointer(src + q * p.ldb)
                    let o = UnsafeMutableRawPointer(out)
                    o.storeBytes(of: row.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
                    o.storeBytes(of: row.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self),
                                 toByteOffset: 32, as: SIMD8<Float>.self)
                    out += nr
                }
            } else {
                for q in 0..<kc {
                    let row = src + q * p.ldb
                    for j in 0..<nr { out[j] = j < live ? row[j] : 0 }
                    out += nr
                }
            }
        } else {
            // Stored [n, k]: column j of the sliver is contiguous; write strided.
            let src = p.b + j0 * p.ldb + depth.lowerBound
            // 8×8 blocks through registers (columns past `live` read as 0);
            // the last kc % 8 rows element by element.
            let qDone = kc / 8 * 8
            let lowLive = min(live, 8), highLive = live - lowLive
            for q0 in stride(from: 0, to: qDone, by: 8) {
                transpose8x8(from: src + q0, stride: p.ldb, rows: lowLive, to: out + q0 * nr, outStride: nr)
                transpose8x8(from: src + 8 * p.ldb + q0, stride: p.ldb, rows: highLive,
                             to: out + q0 * nr + 8, outStride: nr)
            }
            for j in 0..<nr {
                if j < live {
                    let column = src + j * p.ldb
                    for q in qDone..<kc { out[q * nr + j] = column[q] }
                } else {
                    for q in qDone..<kc { out[q * nr + j] = 0 }
                }
            }
            out += kc * nr
        }
        j0 += nr
    }
}

/// dst[t * outStride + j] = src[j * stride + t] for t, j in 0..<8, where
/// source rows j >= `rows` are not read and count as zero.
@inline(__always)
private func transpose8x8(from src: UnsafePointer<Float>, stride: Int, rows: Int,
                          to dst: UnsafeMutablePointer<Float>, outStride: Int) {
    typealias V = SIMD8<Float>
    func row(_ j: Int) -> V { j < rows ? UnsafeRawPointer(src + j * stride).loadUnaligned(as: V.self) : V() }
    let v0 = row(0), v1 = row(1), v2 = row(2), v3 = row(3)
    let v4 = row(4), v5 = row(5), v6 = row(6), v7 = row(7)
    for t in 0..<8 {
        UnsafeMutableRawPointer(dst + t * outStride).storeBytes(
            of: V(v0[t], v1[t], v2[t], v3[t], v4[t], v5[t], v6[t], v7[t]), as: V.self)
    }
}

// MARK: - Micro-kernel

/// C[0..<rows, 0..<cols] = A·B + beta * C for one register tile, where A is a
/// packed mr-row sliver [kc][mr] and B a packed 16-column sliver [kc][16].
/// beta == 0 writes without reading C. Partial tiles (rows < mr or cols < 16)
/// go through `edgeTile`.
#if NNC_AVX512
/// C row ← v + β·C row (β = 0: v; β = 1: v + C, as the kernels always did).
@inline(__always)
private func storeTileRow(_ v: SIMD16<Float>, to d: UnsafeMutableRawPointer, beta: Float) {
    if beta == 0 {
        d.storeBytes(of: v, as: SIMD16<Float>.self)
    } else {
        let old = UnsafeRawPointer(d).loadUnaligned(as: SIMD16<Float>.self)
        d.storeBytes(of: beta == 1 ? v + old : v.addingProduct(SIMD16<Float>(repeating: beta), old), as: SIMD16<Float>.self)
    }
}

/// The AVX-512 kernel: a 12×16 tile, one zmm accumulator per row; same
/// contract, same order of the sum over k as the 6×16 one.
/// A's 12 rows: row r, depth q at a[r·rowStride + q·depthStride] — a packed
/// sliver (1, 12) or the rows of A in place (lda, 1).
@inline(__always)
private func microKernel(
    kc: Int, a: UnsafePointer<Float>, rowStride rs: Int, depthStride ds: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, beta: Float, edgeTile: UnsafeMutablePointer<Float>
) {
    typealias V = SIMD16<Float>
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
    var c6 = V(), c7 = V(), c8 = V(), c9 = V(), c10 = V(), c11 = V()
    var ap = a
    var bp = UnsafeRawPointer(b)
    for _ in 0..<kc {
        let bv = bp.loadUnaligned(as: V.self)   // a prepacked B need not be 64-byte aligned
        c0.addProduct(V(repeating: ap[0]), bv); c1.addProduct(V(repeating: ap[rs]), bv)
        c2.addProduct(V(repeating: ap[2 * rs]), bv); c3.addProduct(V(repeating: ap[3 * rs]), bv)
        c4.addProduct(V(repeating: ap[4 * rs]), bv); c5.addProduct(V(repeating: ap[5 * rs]), bv)
        c6.addProduct(V(repeating: ap[6 * rs]), bv); c7.addProduct(V(repeating: ap[7 * rs]), bv)
        c8.addProduct(V(repeating: ap[8 * rs]), bv); c9.addProduct(V(repeating: ap[9 * rs]), bv)
        c10.addProduct(V(repeating: ap[10 * rs]), bv); c11.addProduct(V(repeating: ap[11 * rs]), bv)
        ap += ds
        bp += 64
    }
    // A full tile goes straight to C; an edge tile through `edgeTile` [12][16].
    let full = rows == 12 && cols == 16
    @inline(__always) func put(_ v: V, _ r: Int) {
        if full {
            let d = UnsafeMutableRawPointer(c + r * ldc)
            storeTileRow(v, to: d, beta: beta)
        } else {
            UnsafeMutableRawPointer(edgeTile).storeBytes(of: v, toByteOffset: r * 64, as: V.self)
        }
    }
    put(c0, 0); put(c1, 1); put(c2, 2); put(c3, 3); put(c4, 4); put(c5, 5)
    put(c6, 6); put(c7, 7); put(c8, 8); put(c9, 9); put(c10, 10); put(c11, 11)
    if !full { copyEdgeTile(edgeTile, to: c, ldc: ldc, rows: rows, cols: cols, beta: beta) }
}

/// Two adjacent 16-column slivers (b, b2) against one 12-row A sliver: a
/// 12×32 tile in 24 zmm accumulators, so each broadcast A value feeds two
/// FMAs (13 loads per 12 FMAs become 14 per 24; the 12×16 kernel is
/// load-bound). Per element the same sum over k in the same order, so the
/// same bits. cols: 17...32.
@inline(__always)
private func microKernel12x32(
    kc: Int, a: UnsafePointer<Float>, rowStride rs: Int, depthStride ds: Int,
    b: UnsafePointer<Float>, b2: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, beta: Float, edgeTile: UnsafeMutablePointer<Float>
) {
    typealias V = SIMD16<Float>
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V()
    var c6 = V(), c7 = V(), c8 = V(), c9 = V(), c10 = V(), c11 = V()
    var d0 = V(), d1 = V(), d2 = V(), d3 = V(), d4 = V(), d5 = V()
    var d6 = V(), d7 = V(), d8 = V(), d9 = V(), d10 = V(), d11 = V()
    var ap = a
    var bp = UnsafeRawPointer(b), bq = UnsafeRawPointer(b2)
    for _ in 0..<kc {
        let bv = bp.loadUnaligned(as: V.self), bw = bq.loadUnaligned(as: V.self)
        var s = V(repeating: ap[0]); c0.addProduct(s, bv); d0.addProduct(s, bw)
        s = V(repeating: ap[rs]); c1.addProduct(s, bv); d1.addProduct(s, bw)
        s = V(repeating: ap[2 * rs]); c2.addProduct(s, bv); d2.addProduct(s, bw)
        s = V(repeating: ap[3 * rs]); c3.addProduct(s, bv); d3.addProduct(s, bw)
        s = V(repeating: ap[4 * rs]); c4.addProduct(s, bv); d4.addProduct(s, bw)
        s = V(repeating: ap[5 * rs]); c5.addProduct(s, bv); d5.addProduct(s, bw)
        s = V(repeating: ap[6 * rs]); c6.addProduct(s, bv); d6.addProduct(s, bw)
        s = V(repeating: ap[7 * rs]); c7.addProduct(s, bv); d7.addProduct(s, bw)
        s = V(repeating: ap[8 * rs]); c8.addProduct(s, bv); d8.addProduct(s, bw)
        s = V(repeating: ap[9 * rs]); c9.addProduct(s, bv); d9.addProduct(s, bw)
        s = V(repeating: ap[10 * rs]); c10.addProduct(s, bv); d10.addProduct(s, bw)
        s = V(repeating: ap[11 * rs]); c11.addProduct(s, bv); d11.addProduct(s, bw)
        ap += ds
        bp += 64
        bq += 64
    }
    let tile = TileStore(c: c, ldc: ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile, tileRows: 12)
    for pass in 0..<2 {
        @inline(__always) func put(_ lo: V, _ hi: V, _ r: Int) { tile.put(pass == 0 ? lo : hi, row: r, pass: pass) }
        put(c0, d0, 0); put(c1, d1, 1); put(c2, d2, 2); put(c3, d3, 3); put(c4, d4, 4); put(c5, d5, 5)
        put(c6, d6, 6); put(c7, d7, 7); put(c8, d8, 8); put(c9, d9, 9); put(c10, d10, 10); put(c11, d11, 11)
        tile.finish(pass: pass)
    }
}

/// The 12×32 kernel for the last rows of a block (rows <= 8 or <= 4 of the
/// 12-row sliver): the FMAs on the zero-padded rows are skipped (a batch of 64
/// is five whole slivers and four rows). A is read with the same strides as
/// `microKernel12x32` (a packed sliver, or exactly 8 or 4 rows in place). Same
/// sum over k in the same order, so the same bits on the rows both compute.
@inline(__always)
private func microKernel8x32(
    kc: Int, a: UnsafePointer<Float>, rowStride rs: Int, depthStride ds: Int,
    b: UnsafePointer<Float>, b2: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, beta: Float, edgeTile: UnsafeMutablePointer<Float>
) {
    typealias V = SIMD16<Float>
    var c0 = V(), c1 = V(), c2 = V(), c3 = V(), c4 = V(), c5 = V(), c6 = V(), c7 = V()
    var d0 = V(), d1 = V(), d2 = V(), d3 = V(), d4 = V(), d5 = V(), d6 = V(), d7 = V()
    var ap = a
    var bp = UnsafeRawPointer(b), bq = UnsafeRawPointer(b2)
    for _ in 0..<kc {
        let bv = bp.loadUnaligned(as: V.self), bw = bq.loadUnaligned(as: V.self)
        var s = V(repeating: ap[0]); c0.addProduct(s, bv); d0.addProduct(s, bw)
        s = V(repeating: ap[rs]); c1.addProduct(s, bv); d1.addProduct(s, bw)
        s = V(repeating: ap[2 * rs]); c2.addProduct(s, bv); d2.addProduct(s, bw)
        s = V(repeating: ap[3 * rs]); c3.addProduct(s, bv); d3.addProduct(s, bw)
        s = V(repeating: ap[4 * rs]); c4.addProduct(s, bv); d4.addProduct(s, bw)
        s = V(repeating: ap[5 * rs]); c5.addProduct(s, bv); d5.addProduct(s, bw)
        s = V(repeating: ap[6 * rs]); c6.addProduct(s, bv); d6.addProduct(s, bw)
        s = V(repeating: ap[7 * rs]); c7.addProduct(s, bv); d7.addProduct(s, bw)
        ap += ds
        bp += 64
        bq += 64
    }
    let tile = TileStore(c: c, ldc: ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile, tileRows: 8)
    for pass in 0..<2 {
        @inline(__always) func put(_ lo: V, _ hi: V, _ r: Int) { tile.put(pass == 0 ? lo : hi, row: r, pass: pass) }
        put(c0, d0, 0); put(c1, d1, 1); put(c2, d2, 2); put(c3, d3, 3)
        put(c4, d4, 4); put(c5, d5, 5); put(c6, d6, 6); put(c7, d7, 7)
        tile.finish(pass: pass)
    }
}

/// `microKernel8x32` for at most four rows.
@inline(__always)
private func microKernel4x32(
    kc: Int, a: UnsafePointer<Float>, rowStride rs: Int, depthStride ds: Int,
    b: UnsafePointer<Float>, b2: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, beta: Float, edgeTile: UnsafeMutablePointer<Float>
) {
    typealias V = SIMD16<Float>
    var c0 = V(), c1 = V(), c2 = V(), c3 = V()
    var d0 = V(), d1 = V(), d2 = V(), d3 = V()
    var ap = a
    var bp = UnsafeRawPointer(b), bq = UnsafeRawPointer(b2)
    for _ in 0..<kc {
        let bv = bp.loadUnaligned(as: V.self), bw = bq.loadUnaligned(as: V.self)
        var s = V(repeating: ap[0]); c0.addProduct(s, bv); d0.addProduct(s, bw)
        s = V(repeating: ap[rs]); c1.addProduct(s, bv); d1.addProduct(s, bw)
        s = V(repeating: ap[2 * rs]); c2.addProduct(s, bv); d2.addProduct(s, bw)
        s = V(repeating: ap[3 * rs]); c3.addProduct(s, bv); d3.addProduct(s, bw)
        ap += ds
        bp += 64
        bq += 64
    }
    let tile = TileStore(c: c, ldc: ldc, rows: rows, cols: cols, beta: beta, edgeTile: edgeTile, tileRows: 4)
    for pass in 0..<2 {
        @inline(__always) func put(_ lo: V, _ hi: V, _ r: Int) { tile.put(pass == 0 ? lo : hi, row: r, pass: pass) }
        put(c0, d0, 0); put(c1, d1, 1); put(c2, d2, 2); put(c3, d3, 3)
        tile.finish(pass: pass)
    }
}

/// Where the 16-column halves of a tileRows×32 tile (12, 8 or 4 rows) go: a whole half (all
/// tileRows rows live, 16 columns) straight to C, a partial one through
/// `edgeTile` [tileRows][16] and `copyEdgeTile` (the same roundings).
private struct TileStore {
    let c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, beta: Float
    let edgeTile: UnsafeMutablePointer<Float>, tileRows: Int

    /// cols >= 17: the left half is always 16 wide.
    @inline(__always) func whole(_ pass: Int) -> Bool { rows == tileRows && (pass == 0 || cols == 32) }

    @inline(__always) func put(_ v: SIMD16<Float>, row r: Int, pass: Int) {
        if whole(pass) {
            storeTileRow(v, to: UnsafeMutableRawPointer(c + r * ldc + 16 * pass), beta: beta)
        } else if r < rows {
            UnsafeMutableRawPointer(edgeTile).storeBytes(of: v, toByteOffset: r * 64, as: SIMD16<Float>.self)
        }
    }

    @inline(__always) func finish(pass: Int) {
        guard !whole(pass) else { return }
        copyEdgeTile(edgeTile, to: c + 16 * pass, ldc: ldc, rows: rows, cols: min(16, cols - 16 * pass), beta: beta)
    }
}
#else
@inline(__always)
private func microKernel(
    kc: Int, a: UnsafePointer<Float>, rowStride rs: Int, depthStride ds: Int, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    rows: Int, cols: Int, beta: Float, edgeTile: UnsafeMutablePointer<Float>
) {
    typealias V = SIMD8<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    var ap = a
    var bp = UnsafeRawPointer(b)
    for _ in 0..<kc {
        let b0 = bp.load(as: V.self)
        let b1 = bp.load(fromByteOffset: 32, as: V.self)
        var av = V(repeating: ap[0])
        c00.addProduct(av, b0); c01.addProduct(av, b1)
        av = V(repeating: ap[rs])
        c10.addProduct(av, b0); c11.addProduct(av, b1)
        av = V(repeating: ap[2 * rs])
        c20.addProduct(av, b0); c21.addProduct(av, b1)
        av = V(repeating: ap[3 * rs])
        c30.addProduct(av, b0); c31.addProduct(av, b1)
        av = V(repeating: ap[4 * rs])
        c40.addProduct(av, b0); c41.addProduct(av, b1)
        av = V(repeating: ap[5 * rs])
        c50.addProduct(av, b0); c51.addProduct(av, b1)
        ap += ds
        bp += 64
    }

    if rows == 6 && cols == 16 {
        storeRow(c00, c01, to: c, beta: beta)
        storeRow(c10, c11, to: c + ldc, beta: beta)
        storeRow(c20, c21, to: c + 2 * ldc, beta: beta)
        storeRow(c30, c31, to: c + 3 * ldc, beta: beta)
        storeRow(c40, c41, to: c + 4 * ldc, beta: beta)
        storeRow(c50, c51, to: c + 5 * ldc, beta: beta)
        return
    }
    let t = UnsafeMutableRawPointer(edgeTile)
    t.storeBytes(of: c00, toByteOffset: 0, as: V.self); t.storeBytes(of: c01, toByteOffset: 32, as: V.self)
    t.storeBytes(of: c10, toByteOffset: 64, as: V.self); t.storeBytes(of: c11, toByteOffset: 96, as: V.self)
    t.storeBytes(of: c20, toByteOffset: 128, as: V.self); t.storeBytes(of: c21, toByteOffset: 160, as: V.self)
    t.storeBytes(of: c30, toByteOffset: 192, as: V.self); t.storeBytes(of: c31, toByteOffset: 224, as: V.self)
    t.storeBytes(of: c40, toByteOffset: 256, as: V.self); t.storeBytes(of: c41, toByteOffset: 288, as: V.self)
    t.storeBytes(of: c50, toByteOffset: 320, as: V.self); t.storeBytes(of: c51, toByteOffset: 352, as: V.self)
    copyEdgeTile(edgeTile, to: c, ldc: ldc, rows: rows, cols: cols, beta: beta)
}
#endif

/// The live rows × cols of an edge tile (row stride 16) into C: C = tile + beta·C.
private func copyEdgeTile(_ tile: UnsafePointer<Float>, to c: UnsafeMutablePointer<Float>, ldc: Int,
                          rows: Int, cols: Int, beta: Float) {
    for r in 0..<rows {
        let dst = c + r * ldc
        let src = tile + r * 16
        if beta == 0 {
            for j in 0..<cols { dst[j] = src[j] }
        } else if beta == 1 {
            for j in 0..<cols { dst[j] += src[j] }
        } else {
            for j in 0..<cols { dst[j] = src[j] + beta * dst[j] }
        }
    }
}

/// Writes one 16-wide row of a tile: dst = acc + beta * dst.
@inline(__always)
private func storeRow(_ lo: SIMD8<Float>, _ hi: SIMD8<Float>, to dst: UnsafeMutablePointer<Float>, beta: Float) {
    let d = UnsafeMutableRawPointer(dst)
    if beta == 0 {
        d.storeBytes(of: lo, as: SIMD8<Float>.self)
        d.storeBytes(of: hi, toByteOffset: 32, as: SIMD8<Float>.self)
    } else {
        let old0 = UnsafeRawPointer(d).loadUnaligned(as: SIMD8<Float>.self)
        let old1 = UnsafeRawPointer(d).loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        if beta == 1 {
            d.storeBytes(of: lo + old0, as: SIMD8<Float>.self)
            d.storeBytes(of: hi + old1, toByteOffset: 32, as: SIMD8<Float>.self)
        } else {
            d.storeBytes(of: lo.addingProduct(SIMD8(repeating: beta), old0), as: SIMD8<Float>.self)
            d.storeBytes(of: hi.addingProduct(SIMD8(repeating: beta), old1), toByteOffset: 32, as: SIMD8<Float>.self)
        }
    }
}
