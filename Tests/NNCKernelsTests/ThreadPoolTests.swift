import Foundation
import XCTest
import NNCKernels

/// Per-index visit counters that several threads may bump at once.
private final class VisitCounter: @unchecked Sendable {
    // @unchecked Sendable: every access to `counts` holds `lock`.
    private let lock = NSLock()
    private var counts: [Int]
    init(_ size: Int) { counts = [Int](repeating: 0, count: size) }
    func visit(_ index: Int) { lock.lock(); counts[index] += 1; lock.unlock() }
    var snapshot: [Int] { lock.lock(); defer { lock.unlock() }; return counts }
}

final class ThreadPoolTests: XCTestCase {
    func testEveryIndexVisitedExactlyOnce() {
        for threads in [1, 2, 3] {
            let pool = ThreadPool(threads: threads)
            XCTAssertEqual(pool.threadCount, threads)
            for count in [0, 1, 2, 7, 100] {
                let counter = VisitCounter(count)
                pool.parallelFor(count) { counter.visit($0) }
                XCTAssertEqual(counter.snapshot, [Int](repeating: 1, count: count), "threads \(threads) count \(count)")
            }
        }
    }

    /// Many back-to-back jobs: no lost wake-ups, no index run twice.
    func testRepeatedJobs() {
        let pool = ThreadPool(threads: 2)
        let counter = VisitCounter(8)
        for _ in 0..<500 {
            pool.parallelFor(8) { counter.visit($0) }
        }
        XCTAssertEqual(counter.snapshot, [Int](repeating: 500, count: 8))
    }

    /// A parallelFor inside a body runs inline instead of deadlocking.
    func testNestedCallsComplete() {
        let pool = ThreadPool(threads: 2)
        let counter = VisitCounter(4 * 5)
        pool.parallelFor(4) { outer in
            pool.parallelFor(5) { inner in counter.visit(outer * 5 + inner) }
        }
        XCTAssertEqual(counter.snapshot, [Int](repeating: 1, count: 20))
    }

    /// Two threads sharing one pool: the second caller runs its job inline.
    func testConcurrentCallersComplete() {
        let pool = ThreadPool(threads: 2)
        let counter = VisitCounter(2 * 50)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for round in 0..<25 {
                pool.parallelFor(2) { counter.visit(caller * 50 + round * 2 + $0) }
            }
        }
        XCTAssertEqual(counter.snapshot, [Int](repeating: 1, count: 100))
    }

    /// With one thread, indices run in order on the calling thread.
    func testSingleThreadRunsInOrderOnCaller() {
        let pool = ThreadPool(threads: 1)
        let caller = Thread.current
        var order: [Int] = []
        var onCaller = true
        pool.parallelFor(6) { index in
            order.append(index)
            onCaller = onCaller && Thread.current == caller
        }
        XCTAssertEqual(order, [0, 1, 2, 3, 4, 5])
        XCTAssertTrue(onCaller)
    }

    func testChunkRangesPartitionTheCount() {
        for (count, chunks) in [(10, 3), (3, 3), (7, 1), (100, 8)] {
            let ranges = (0..<chunks).map { ThreadPool.chunkRange($0, of: chunks, count: count) }
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, count)
            for (left, right) in zip(ranges, ranges.dropFirst()) {
                XCTAssertEqual(left.upperBound, right.lowerBound)
                XCTAssertLessThanOrEqual(left.count - right.count, 1)
                XCTAssertGreaterThanOrEqual(left.count, right.count)
            }
        }
        let pool = ThreadPool(threads: 2)
        let counter = VisitCounter(37)
        pool.parallelForChunks(37, chunks: 5) { range in range.forEach { counter.visit($0) } }
        XCTAssertEqual(counter.snapshot, [Int](repeating: 1, count: 37))
    }

    /// Pools created and dropped (workers asleep or just woken) shut down cleanly.
    func testDeinitJoinsWorkers() {
        for threads in [2, 4] {
            for work in [0, 3] {
                var pool: ThreadPool? = ThreadPool(threads: threads)
                let counter = VisitCounter(3)
                pool?.parallelFor(work) { counter.visit($0) }
                pool = nil
                XCTAssertEqual(counter.snapshot.reduce(0, +), work)
            }
        }
    }
}
