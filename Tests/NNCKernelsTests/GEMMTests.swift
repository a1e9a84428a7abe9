import Foundation
import XCTest
import NNCKernels

/// Random values in [-1, 1) from a seeded generator.
func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in 2 * rng.uniformFloat() - 1 }
}

final class GEMMTests: XCTestCase {
    /// Runs gemm and gemmReference on the same random problem (with padded
    /// leading dimensions when `pad` > 0) and returns the largest error
    /// relative to the magnitude of the terms, plus whether the padding
    /// columns of C were left untouched.
    private func compare(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int,
        alpha: Float, beta: Float, pad: Int, pool: ThreadPool?, seed: UInt64
    ) -> (error: Float, paddingIntact: Bool) {
        let aRows = transA == .none ? m : k, aCols = transA == .none ? k : m
        let bRows = transB == .none ? k : n, bCols = transB == .none ? n : k
        let lda = aCols + pad, ldb = bCols + pad, ldc = n + pad
        let a = randomFloats(aRows * lda, seed: seed)
        let b = randomFloats(bRows * ldb, seed: seed + 1)
        let c0 = randomFloats(m * ldc, seed: seed + 2)
        var fast = c0, slow = c0
        gemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
             beta: beta, c: &fast, ldc: ldc, pool: pool)
        gemmReference(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                      beta: beta, c: &slow, ldc: ldc)
        // Each term is at most 1 in magnitude: k products plus the beta term.
        let scale = abs(alpha) * Float(k) + abs(beta) + 1
        var worst: Float = 0
        var intact = true
        for i in 0..<m {
            for j in 0..<ldc {
                let index = i * ldc + j
                if j < n {
                    worst = max(worst, abs(fast[index] - slow[index]) / scale)
                } else if fast[index] != c0[index] {
                    intact = false
                }
            }
        }
        return (worst, intact)
    }

    /// A right operand packed once (gemmPackB) gives the product of the reference:
    /// every transposition, several depth slices and 512-column panels, edge tiles. (Against gemm itself
    /// the bits may differ where gemm picks its dot-product path.)
    func testPrepackedRightOperand() {
        for (m, n, k) in [(1, 1, 1), (7, 17, 33), (32, 512, 128), (32, 128, 512), (13, 40, 300), (6, 4096, 9), (20, 1100, 600),
                          (1, 512, 128), (3, 40, 300), (4, 70, 260)] {   // the last three: the few-rows path
            for transA in [Transpose.none, .transposed] {
                for transB in [Transpose.none, .transposed] {
                    let lda = (transA == .none ? k : m) + 3, ldb = (transB == .none ? n : k) + 1
                    let a = randomFloats((transA == .none ? m : k) * lda, seed: UInt64(m * 31 + k))
                    let b = randomFloats((transB == .none ? k : n) * ldb, seed: UInt64(n * 7 + k))
                    let c0 = randomFloats(m * n, seed: 5)
                    var packed = [Float](repeating: .nan, count: gemmPackedBSize(k: k, n: n))
                    gemmPackB(transB, k: k, n: n, b: b, ldb: ldb, into: &packed)
                    var viaPacked = c0, reference = c0
                    gemm(transA, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, packedB: packed, beta: 0.25, c: &viaPacked, ldc: n)
                    gemmReference(transA, transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda, b: b, ldb: ldb,
                                  beta: 0.25, c: &reference, ldc: n)
                    let scale = 0.5 * Float(k) + 1
                    let worst = zip(viaPacked, reference).map { abs($0 - $1) / scale }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-6, "m \(m) n \(n) k \(k) \(transA) \(transB)")
                }
            }
        }
    }

    /// The few-rows path of a prepacked B (m <= 4, the batch-1 recurrent step) gives
    /// the same bits as the blocked path computing those rows among more (beta 0 and 1,
    /// where full and edge tiles store alike).
    func testPrepackedFewRowsSameBitsAsBlocked() {
        let (n, k) = (200, 300)   // 13 slivers (3 groups of 4 and one), two KC slices
        let b = randomFloats(k * n, seed: 11)
        var packed = [Float](repeating: .nan, count: gemmPackedBSize(k: k, n: n))
        gemmPackB(.none, k: k, n: n, b: b, ldb: n, into: &packed)
        for transA in [Transpose.none, .transposed] {
            let rows = 8, lda = transA == .none ? k : rows
            let a = randomFloats(rows * k, seed: 12)
            for beta: Float in [0, 1] {
                let c0 = randomFloats(rows * n, seed: 13)
                var blocked = c0, few = c0
                gemm(transA, m: rows, n: n, k: k, alpha: 0.75, a: a, lda: lda, packedB: packed, beta: beta, c: &blocked, ldc: n)
                gemm(transA, m: 3, n: n, k: k, alpha: 0.75, a: a, lda: lda, packedB: packed, beta: beta, c: &few, ldc: n)
                XCTAssertEqual(few[0..<(3 * n)].map(\.bitPattern), blocked[0..<(3 * n)].map(\.bitPattern), "\(transA) beta \(beta)")
                XCTAssertEqual(Array(few[(3 * n)...]), Array(c0[(3 * n)...]))   // rows it was not asked for: untouched
            }
        }
    }

    /// Batch-1 inference splits a few-rows product with a prepacked B by columns over
    /// the threads: the same bits as one thread, for every row count of the path, an
    /// odd number of slivers (the bands differ by one) and two KC slices; columns
    /// outside C's width are not written.
    func testPrepackedFewRowsSplitOverThreadsSameBits() {
        let (n, k) = (600, 300)   // 38 slivers, the last 8 wide; 1·600·300 is above the split threshold
        let b = randomFloats(k * n, seed: 21)
        var packed = [Float](repeating: .nan, count: gemmPackedBSize(k: k, n: n))
        gemmPackB(.transposed, k: k, n: n, b: b, ldb: k, into: &packed)
        let pool = ThreadPool(threads: 2)
        for rows in 1...4 {
            let a = randomFloats(rows * k, seed: UInt64(22 + rows))
            let ldc = n + 5
            let c0 = randomFloats(rows * ldc, seed: 23)
            var single = c0, split = c0
            gemm(.none, m: rows, n: n, k: k, alpha: 1, a: a, lda: k, packedB: packed, beta: 0.5, c: &single, ldc: ldc)
            gemm(.none, m: rows, n: n, k: k, alpha: 1, a: a, lda: k, packedB: packed, beta: 0.5, c: &split, ldc: ldc,
                 pool: pool)
            XCTAssertEqual(split.map(\.bitPattern), single.map(\.bitPattern), "rows \(rows)")
            for r in 0..<rows {
                XCTAssertEqual(Array(split[(r * ldc + n)..<((r + 1) * ldc)]), Array(c0[(r * ldc + n)..<((r + 1) * ldc)]))
            }
            var reference = c0
            gemmReference(.none, .transposed, m: rows, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k,
                          beta: 0.5, c: &reference, ldc: ldc)
            let worst = zip(split, reference).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-3, "rows \(rows)")   // k = 300 products of values in [-1, 1]
        }
    }

    func testAllTranspositionsOddSizesOneThread() {
        let sizes = [1, 3, 7, 17, 33, 65]
        var seed: UInt64 = 1
        for transA in [Transpose.none, .transposed] {
            for transB in [Transpose.none, .transposed] {
                for m in sizes {
                    for n in [1, 7, 17, 33] {
                        let k = sizes[(m + n) % sizes.count]
                        seed += 3
                        let result = compare(transA, transB, m: m, n: n, k: k, alpha: 1, beta: 0,
                                             pad: 0, pool: nil, seed: seed)
                        XCTAssertLessThan(result.error, 1e-6, "\(transA) \(transB) m=\(m) n=\(n) k=\(k)")
                    }
                }
            }
        }
    }

    /// Sizes that cross the KC (256), MC (144) and NC (512: 1100 columns are two
    /// whole panels and one of 76) block edges and have edge tiles in both
    /// directions, with padded leading dimensions, alpha and beta.
    func testBlockEdgesAlphaBetaPaddedStrides() {
        let pool = ThreadPool(threads: 2)
        var seed: UInt64 = 100
        for (m, n, k) in [(151, 129, 263), (151, 1100, 263)] {
            for transA in [Transpose.none, .transposed] {
                for transB in [Transpose.none, .transposed] {
                    for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-1.5, 0.25), (2, -1)] {
                        for threads in [nil, pool] {
                            seed += 3
                            let result = compare(transA, transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
                                                 pad: 5, pool: threads, seed: seed)
                            XCTAssertLessThan(result.error, 1e-6, "n=\(n) \(transA) \(transB) alpha=\(alpha) beta=\(beta)")
                            XCTAssertTrue(result.paddingIntact, "gemm wrote outside the n columns of C")
                        }
                    }
                }
            }
        }
    }

    /// Small C over a long k with A·Bᵀ (conv weight gradients): the
    /// dot-product path, including odd row and column counts at its edges.
    func testInnerProductShapes() {
        let pool = ThreadPool(threads: 2)
        for (m, n, k) in [(6, 25, 784), (7, 5, 100), (3, 9, 70), (33, 31, 64), (1, 1, 65), (20, 50, 2100)] {
            for threads in [nil, pool] {
                let result = compare(.none, .transposed, m: m, n: n, k: k, alpha: 1.5, beta: 0.5,
                                     pad: 3, pool: threads, seed: UInt64(m * 100 + n))
                XCTAssertLessThan(result.error, 1e-6, "m=\(m) n=\(n) k=\(k)")
                XCTAssertTrue(result.paddingIntact)
            }
        }
    }

    /// Large enough to take the threaded path, split along n (wide) and m (tall).
    func testTwoThreadsWideAndTall() {
        let pool = ThreadPool(threads: 2)
        for (m, n, k) in [(33, 517, 129), (517, 33, 129), (129, 129, 129), (3, 1100, 700)] {
            for transA in [Transpose.none, .transposed] {
                for transB in [Transpose.none, .transposed] {
                    let result = compare(transA, transB, m: m, n: n, k: k, alpha: 1, beta: 0.5,
                                         pad: 3, pool: pool, seed: UInt64(m * 7 + n))
                    XCTAssertLessThan(result.error, 1e-6, "\(transA) \(transB) m=\(m) n=\(n) k=\(k)")
                }
            }
        }
    }

    /// Every split (by the larger side, by columns, by rows cut like columns) gives
    /// the bits of one thread: a C element's sum runs over k in the same order
    /// whatever band it falls in, including bands that start inside a register tile.
    func testEverySplitSameBitsAsOneThread() {
        let pool = ThreadPool(threads: 2)
        for (m, n, k) in [(64, 256, 784), (256, 784, 64), (100, 83, 300), (83, 100, 300)] {
            for transA in [Transpose.none, .transposed] {
                let a = randomFloats(m * k, seed: UInt64(m + k)), b = randomFloats(k * n, seed: UInt64(n + k))
                let lda = transA == .none ? k : m
                let c0 = randomFloats(m * n, seed: 5)
                var single = c0
                gemm(transA, .none, m: m, n: n, k: k, alpha: -0.5, a: a, lda: lda, b: b, ldb: n, beta: 1,
                     c: &single, ldc: n)
                for split in [GEMMSplit.largerSide, .columns, .rowsAsColumns] {
                    var c = c0
                    gemm(transA, .none, m: m, n: n, k: k, alpha: -0.5, a: a, lda: lda, b: b, ldb: n, beta: 1,
                         c: &c, ldc: n, split: split, pool: pool)
                    XCTAssertEqual(c.map(\.bitPattern), single.map(\.bitPattern), "\(split) \(transA) \(m)x\(n)x\(k)")
                }
            }
        }
    }

    /// The epilogue (y = act(y + b) on each thread's band, right after it) gives
    /// the bits of the product followed by `biasActivationForward` on all of C, for
    /// every activation (softmax, which needs whole rows, after a split by
    /// columns too), with and without bias, unsplit and split both ways, and
    /// through the prepacked-B product (few rows and many).
    func testEpilogueEqualsProductThenBiasActivation() {
        let pool = ThreadPool(threads: 2)
        for (m, n, k) in [(64, 200, 300), (300, 40, 200), (3, 700, 300)] {
            let a = randomFloats(m * k, seed: UInt64(m)), b = randomFloats(n * k, seed: UInt64(n))
            let bias = randomFloats(n, seed: 9)
            var packed = [Float](repeating: .nan, count: gemmPackedBSize(k: k, n: n))
            gemmPackB(.transposed, k: k, n: n, b: b, ldb: k, into: &packed)
            for activation in Activation.allCases {
                for withBias in [true, false] {
                    var expected = [Float](repeating: .nan, count: m * n)
                    gemm(.none, .transposed, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k, beta: 0,
                         c: &expected, ldc: n)
                    bias.withUnsafeBufferPointer { bp in
                        biasActivationForward(activation, output: &expected, bias: withBias ? bp.baseAddress : nil,
                                              rows: m, width: n)
                    }
                    var expectedPacked = [Float](repeating: .nan, count: m * n)
                    gemm(.none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, packedB: packed, beta: 0,
                         c: &expectedPacked, ldc: n)
                    bias.withUnsafeBufferPointer { bp in
                        biasActivationForward(activation, output: &expectedPacked,
                                              bias: withBias ? bp.baseAddress : nil, rows: m, width: n)
                    }
                    bias.withUnsafeBufferPointer { bp in
                        let epilogue = GEMMEpilogue(bias: withBias ? bp.baseAddress : nil, activation: activation)
                        for (split, threads) in [(GEMMSplit.largerSide, nil), (.columns, pool), (.rowsAsColumns, pool)] {
                            var c = [Float](repeating: .nan, count: m * n)
                            gemm(.none, .transposed, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k, beta: 0,
                                 c: &c, ldc: n, split: split, epilogue: epilogue, pool: threads)
                            XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern),
                                           "\(activation) bias \(withBias) \(split) \(m)x\(n)")
                        }
                        for threads in [nil, pool] {
                            var c = [Float](repeating: .nan, count: m * n)
                            gemm(.none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, packedB: packed, beta: 0,
                                 c: &c, ldc: n, epilogue: epilogue, pool: threads)
                            XCTAssertEqual(c.map(\.bitPattern), expectedPacked.map(\.bitPattern),
                                           "packed \(activation) bias \(withBias) \(m)x\(n) pool \(threads != nil)")
                        }
                    }
                }
            }
        }
    }

    /// Each thread has its own packing workspace: concurrent calls without a
    /// pool do not disturb each other.
    func testConcurrentCallersWithoutPool() {
        let m = 40, n = 50, k = 300
        let a = randomFloats(m * k, seed: 21), b = randomFloats(k * n, seed: 22)
        var expected = [Float](repeating: 0, count: m * n)
        gemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &expected, ldc: n)
        // Each caller writes only its own quarter of the buffer.
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4 * m * n)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            guard let base = results.baseAddress else { return }
            for _ in 0..<20 {
                gemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                     beta: 0, c: base + t * m * n, ldc: n)
            }
        }
        for t in 0..<4 {
            XCTAssertEqual(Array(results[(t * m * n)..<((t + 1) * m * n)]), expected, "caller \(t)")
        }
    }

    /// beta == 0 must not read C: NaN in C must not leak into the result.
    func testBetaZeroIgnoresNaNInC() {
        let m = 9, n = 21, k = 5
        let a = randomFloats(m * k, seed: 7), b = randomFloats(k * n, seed: 8)
        var c = [Float](repeating: .nan, count: m * n)
        var expected = [Float](repeating: 0, count: m * n)
        gemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
        gemmReference(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                      beta: 0, c: &expected, ldc: n)
        for i in 0..<(m * n) { XCTAssertEqual(c[i], expected[i], accuracy: 1e-5) }
    }

    /// k == 0 and alpha == 0 leave beta * C.
    func testEmptyDepthAndZeroAlphaScaleC() {
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c: [Float] = [1, -2, 3, -4]
        gemm(.none, .none, m: 2, n: 2, k: 0, alpha: 1, a: a, lda: 2, b: b, ldb: 2, beta: 3, c: &c, ldc: 2)
        XCTAssertEqual(c, [3, -6, 9, -12])
        gemm(.none, .none, m: 2, n: 2, k: 2, alpha: 0, a: a, lda: 2, b: b, ldb: 2, beta: 0, c: &c, ldc: 2)
        XCTAssertEqual(c, [0, 0, 0, 0])
    }

    /// The same call twice gives the same bits, and so do 1 and 2 threads (each
    /// element sums over k in the same order whatever the split).
    /// The blocked kernel's wide (two-sliver) tile against one sliver at a time:
    /// each 16-column band computed by itself gives the same bits as the whole
    /// product — full and edge tiles, beta 0, 1 and 0.5, a partial last band.
    /// The last rows of a block take the 8- or 4-row wide kernels (m = 30: rows
    /// 12 + 12 + 6; 28: a tail of 4; 25: of 1; 32: of 8; 36: none).
    func testWideTileSameBitsAsOneSliverAtATime() {
        for m in [30, 28, 25, 32, 36] { wideTileSameBitsAsOneSliverAtATime(m: m) }
    }

    private func wideTileSameBitsAsOneSliverAtATime(m: Int) {
        let n = 16 * 5 + 7, k = 300   // a partial last band; two depth slices
        let a = randomFloats(m * k, seed: 21), b = randomFloats(k * n, seed: 22), c0 = randomFloats(m * n, seed: 23)
        for beta: Float in [0, 1, 0.5] {
            var whole = c0, banded = c0
            gemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: beta, c: &whole, ldc: n)
            b.withUnsafeBufferPointer { bp in
                banded.withUnsafeMutableBufferPointer { cp in
                    for j0 in stride(from: 0, to: n, by: 16) {
                        gemm(.none, .none, m: m, n: min(16, n - j0), k: k, alpha: 1, a: a, lda: k, b: bp.baseAddress! + j0,
                             ldb: n, beta: beta, c: cp.baseAddress! + j0, ldc: n)
                    }
                }
            }
            XCTAssertEqual(whole.map(\.bitPattern), banded.map(\.bitPattern), "m \(m), beta \(beta)")
        }
    }

    /// With alpha 1, whole 12-row slivers of A, stored [m, k] or [k, m], are read
    /// in place (not packed): the same bits as packed slivers, for in-place and
    /// packed slivers mixed, a last 8 or 4 rows in place, a padded lda, two depth
    /// slices, both the two-sliver and one-sliver kernels, and a second row block.
    func testAInPlaceSameBitsAsPacked() {
        let k = 300
        // n = 87 ends on a two-sliver tile (a last 8 or 4 rows are read in place too: m 20,
        // 64, 40), n = 69 on a one-sliver tile (those rows are packed).
        for (n, m) in [16 * 5 + 7, 16 * 4 + 5].flatMap({ n in [12, 20, 30, 40, 64, 151].map { (n, $0) } }) {
            let lda = k + 3
            let a = randomFloats(m * lda, seed: 31), b = randomFloats(k * n, seed: 32), c0 = randomFloats(m * n, seed: 33)
            var at = [Float](repeating: 0, count: k * m)
            for i in 0..<m { for q in 0..<k { at[q * m + i] = a[i * lda + q] } }
            for beta: Float in [0, 0.5] {
                // alpha 1 reads A in place, stored [m, k] or [k, m]; alpha −1 packs it (negating
                // exactly): on −C that gives exactly −(the in-place result).
                var inPlace = c0, inPlaceTransposed = c0, packed = c0.map { -$0 }
                gemm(.none, .none, m: m, n: n, k: k, alpha: 1, a: a, lda: lda, b: b, ldb: n, beta: beta, c: &inPlace, ldc: n)
                gemm(.transposed, .none, m: m, n: n, k: k, alpha: 1, a: at, lda: m, b: b, ldb: n, beta: beta,
                     c: &inPlaceTransposed, ldc: n)
                gemm(.none, .none, m: m, n: n, k: k, alpha: -1, a: a, lda: lda, b: b, ldb: n, beta: beta, c: &packed, ldc: n)
                XCTAssertEqual(inPlace.map(\.bitPattern), packed.map { (-$0).bitPattern }, "m \(m) n \(n) beta \(beta)")
                XCTAssertEqual(inPlaceTransposed.map(\.bitPattern), inPlace.map(\.bitPattern), "m \(m) n \(n) beta \(beta)")
            }
        }
    }

    /// An A whose stride aliases in L1 (rows 4 KB apart stored [m, k], depths
    /// 2 KB apart stored [k, m]) is packed, not read in place, when a panel is
    /// wider than one 32-column tile: the same bits as the same matrix at a
    /// stride that does not alias (read in place), and the reference's product.
    func testAliasingStrideOfASameBitsAsInPlace() {
        let k = 300
        for (m, n) in [(40, 87), (64, 32), (151, 100)] {
            let b = randomFloats(k * n, seed: 42), c0 = randomFloats(m * n, seed: 43)
            // (stored, aliasing stride, rows × columns as stored)
            for (transA, aliasing, rows, cols) in [(Transpose.none, 1024, m, k), (.transposed, 512, k, m)] {
                let dense = randomFloats(rows * cols, seed: 41)
                func stored(lda: Int) -> [Float] {
                    var a = [Float](repeating: .nan, count: rows * lda)
                    for r in 0..<rows { for q in 0..<cols { a[r * lda + q] = dense[r * cols + q] } }
                    return a
                }
                let aliased = stored(lda: aliasing), unaliased = stored(lda: aliasing + 1)
                for beta: Float in [0, 0.5] {
                    var packed = c0, inPlace = c0, reference = c0
                    gemm(transA, .none, m: m, n: n, k: k, alpha: 1, a: aliased, lda: aliasing, b: b, ldb: n,
                         beta: beta, c: &packed, ldc: n)
                    gemm(transA, .none, m: m, n: n, k: k, alpha: 1, a: unaliased, lda: aliasing + 1, b: b, ldb: n,
                         beta: beta, c: &inPlace, ldc: n)
                    gemmReference(transA, .none, m: m, n: n, k: k, alpha: 1, a: aliased, lda: aliasing, b: b, ldb: n,
                                  beta: beta, c: &reference, ldc: n)
                    let context = "\(transA) m \(m) n \(n) beta \(beta)"
                    XCTAssertEqual(packed.map(\.bitPattern), inPlace.map(\.bitPattern), context)
                    let worst = zip(packed, reference).map { abs($0 - $1) }.max() ?? .infinity
                    XCTAssertLessThan(worst, 1e-4 * Float(k), context)
                }
            }
        }
    }

    func testDeterministicAcrossRunsAndThreadCounts() {
        let m = 130, n = 300, k = 270
        let a = randomFloats(m * k, seed: 11), b = randomFloats(k * n, seed: 12)
        let pool = ThreadPool(threads: 2)
        func run(_ pool: ThreadPool?) -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            gemm(.none, .transposed, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: k,
                 beta: 0, c: &c, ldc: n, pool: pool)
            return c
        }
        let first = run(pool)
        XCTAssertEqual(first, run(pool))
        XCTAssertEqual(first, run(nil))
        XCTAssertEqual(first, run(ThreadPool(threads: 1)))
    }
}

/// Throughput figures, skipped unless NNC_BENCH=1:
///   NNC_BENCH=1 swift test -c release --filter GEMMBenchmarkTests
/// NNC_BENCH_SHAPES="m,n,k,transA,transB;..." (transposition as 0/1) instead
/// compares 1 and 2 threads on those shapes, best of 5 alternating runs (the
/// best is the least disturbed by other processes on a shared machine).
final class GEMMBenchmarkTests: XCTestCase {
    func testReportThroughput() throws {
        let environment = ProcessInfo.processInfo.environment
        guard environment["NNC_BENCH"] == "1" else { throw XCTSkip("set NNC_BENCH=1 to run") }
        if let shapes = environment["NNC_BENCH_SHAPES"] {
            for shape in shapes.split(separator: ";") {
                let v = shape.split(separator: ",").compactMap { Int($0) }
                guard v.count == 5 else { XCTFail("bad shape \(shape)"); continue }
                var best = [0.0, 0.0]
                for _ in 0..<5 {
                    for threads in [1, 2] {
                        let gflops = gemmBenchmark(m: v[0], n: v[1], k: v[2], transA: v[3] == 1 ? .transposed : .none,
                                                   transB: v[4] == 1 ? .transposed : .none, threads: threads, samples: 5)
                        best[threads - 1] = max(best[threads - 1], gflops)
                    }
                }
                print(String(format: "gemm %@  1 thread %6.1f  2 threads %6.1f GFLOP/s", String(shape), best[0], best[1]))
            }
            return
        }
        for n in [256, 512, 1024] {
            for threads in [1, 2] {
                let gflops = gemmBenchmark(n: n, threads: threads)
                print(String(format: "gemm n=%4d threads=%d  %6.1f GFLOP/s", n, threads, gflops))
                XCTAssertGreaterThan(gflops, 0)
            }
        }
        // Dense layers at training batch sizes (forward and both backward
        // products), batch-1 inference, and LeNet's first convolution per image.
        let shapes: [(Int, Int, Int, Transpose, Transpose)] = [
            (64, 128, 784, .none, .none), (64, 784, 128, .none, .transposed), (784, 128, 64, .transposed, .none),
            (32, 10, 128, .none, .none), (64, 1024, 1024, .none, .none), (1024, 1024, 64, .transposed, .none),
            (64, 1024, 1024, .none, .transposed), (1, 512, 512, .none, .none), (6, 784, 25, .none, .none),
        ]
        for (m, n, k, transA, transB) in shapes {
            for threads in [1, 2] {
                let gflops = gemmBenchmark(m: m, n: n, k: k, transA: transA, transB: transB, threads: threads)
                print(String(format: "gemm m=%4d n=%4d k=%4d %@%@ threads=%d  %6.1f GFLOP/s",
                             m, n, k, transA == .none ? "N" : "T", transB == .none ? "N" : "T", threads, gflops))
            }
        }
    }
}
