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

    /// parallelSteps: every (step, part) runs exactly once, and each step's parts
    /// start only after every part of the step before has finished — at any
    /// thread and part count, and when called from inside another job (inline).
    func testStepsRunEveryPartOnceAfterTheStepBefore() {
        for threads in [1, 2, 3] {
            let pool = ThreadPool(threads: threads)
            for (steps, parts) in [(0, 2), (1, 1), (1, 3), (200, 2), (150, 3), (60, 5)] {
                var log = StepLog(steps: steps, parts: parts)
                log.run(on: pool)
                XCTAssertEqual(log.visits, [Int](repeating: 1, count: steps * parts), "threads \(threads) \(steps)×\(parts)")
                XCTAssertEqual(log.orderViolations, 0, "threads \(threads) \(steps)×\(parts)")
                log.free()
            }
        }
        let pool = ThreadPool(threads: 2)
        let counter = VisitCounter(2)
        pool.parallelFor(2) { outer in
            var log = StepLog(steps: 40, parts: 2)
            log.run(on: pool)   // the pool is busy: runs inline, in order
            if log.visits == [Int](repeating: 1, count: 80) && log.orderViolations == 0 { counter.visit(outer) }
            log.free()
        }
        XCTAssertEqual(counter.snapshot, [1, 1])
    }

    /// A part that holds its thread for 20 ms while the other thread waits at
    /// the next step's barrier: the pool backs off, as after a lost job.
    func testStepsWaitingOnASlowWorkerSendsThePoolInline() {
        let pool = ThreadPool(threads: 2)
        var backedOff = false
        for _ in 0..<3 where !backedOff {   // retried: the worker may join too late to take a part
            var slow = SlowStep(caller: pthread_self(), workerStarted: VisitCounter(1))
            withUnsafeMutablePointer(to: &slow) { pointer in
                pool.parallelSteps(3, parts: 2, context: UnsafeMutableRawPointer(pointer)) { context, step, _ in
                    let slow = context.assumingMemoryBound(to: SlowStep.self).pointee
                    guard step == 0 else { return }
                    if pthread_equal(pthread_self(), slow.caller) == 0 {
                        slow.workerStarted.visit(0)
                        usleep(20_000)
                    } else {
                        // Until the worker holds the other part of step 0 (it may be asleep when the job starts).
                        let deadline = Date().addingTimeInterval(0.5)
                        while slow.workerStarted.snapshot == [0] && Date() < deadline { sched_yield() }
                    }
                }
            }
            backedOff = pool.isBackingOff
        }
        XCTAssertTrue(backedOff)
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

private struct SlowStep {
    var caller: pthread_t
    var workerStarted: VisitCounter
}

/// What a `parallelSteps` test job saw: visits per (step, part), and how many
/// parts started before some part of the step before had finished.
private struct StepLog {
    let steps: Int, parts: Int
    let slots: UnsafeMutablePointer<Int>
    let early: UnsafeMutablePointer<Int>

    init(steps: Int, parts: Int) {
        self.steps = steps
        self.parts = parts
        slots = .allocate(capacity: max(1, steps * parts))
        slots.initialize(repeating: 0, count: max(1, steps * parts))
        early = .allocate(capacity: max(1, steps * parts))
        early.initialize(repeating: 0, count: max(1, steps * parts))
    }

    mutating func run(on pool: ThreadPool) {
        let steps = steps, parts = parts
        withUnsafeMutablePointer(to: &self) { pointer in
            pool.parallelSteps(steps, parts: parts, context: UnsafeMutableRawPointer(pointer)) { context, step, part in
                let log = context.assumingMemoryBound(to: StepLog.self).pointee
                // Each slot is written by the one thread that runs it; the step before is read after the barrier.
                if step > 0 && (0..<log.parts).contains(where: { log.slots[(step - 1) * log.parts + $0] != 1 }) {
                    log.early[step * log.parts + part] = 1
                }
                log.slots[step * log.parts + part] += 1
            }
        }
    }

    var visits: [Int] { Array(UnsafeBufferPointer(start: slots, count: steps * parts)) }
    var orderViolations: Int { UnsafeBufferPointer(start: early, count: steps * parts).reduce(0, +) }
    func free() { slots.deallocate(); early.deallocate() }
}
