import XCTest
import NNCKernels

final class ElementwiseTests: XCTestCase {
    /// The branch-free check against `Float.isFinite`, for each kind of
    /// non-finite value at every position of a vector body and its tail.
    func testAllFiniteFindsEveryNonFiniteValueAnywhere() {
        let count = 101   // one 64-float block (four sums), two 16-lane vectors and a tail of 5
        var random = SeededRandom(seed: 7)
        var values = (0..<count).map { _ in (random.uniformFloat() * 2 - 1) * 1e30 }
        values[3] = .greatestFiniteMagnitude
        values[4] = -.leastNonzeroMagnitude
        XCTAssertTrue(allFinite(values, count: count))
        for bad: Float in [.nan, .infinity, -.infinity, .signalingNaN] {
            for position in 0..<count {
                var v = values
                v[position] = bad
                XCTAssertFalse(allFinite(v, count: count), "\(bad) at \(position)")
                // Outside the counted range it is not looked at.
                XCTAssertEqual(allFinite(v, count: position), true, "\(bad) just past \(position)")
            }
        }
        XCTAssertTrue(allFinite([], count: 0))
    }

    /// Split over threads: the same answer, whichever chunk holds the bad value.
    func testAllFiniteOverThreadsFindsABadValueInAnyChunk() {
        let count = 70_001   // above the split threshold, odd
        let values = [Float](repeating: 0.5, count: count)
        for threads in [2, 3] {
            let pool = ThreadPool(threads: threads)
            XCTAssertTrue(allFinite(values, count: count, pool: pool))
            for position in [0, count / 3, count / 2, count / 2 + 1, count - 1] {
                var v = values
                v[position] = .nan
                XCTAssertFalse(allFinite(v, count: count, pool: pool), "\(threads) threads, NaN at \(position)")
                v[position] = -.infinity
                XCTAssertFalse(allFinite(v, count: count, pool: pool), "\(threads) threads, -inf at \(position)")
            }
        }
    }
}
