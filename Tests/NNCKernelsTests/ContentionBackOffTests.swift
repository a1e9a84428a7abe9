import Foundation
import XCTest
@testable import NNCKernels

/// The pool's back-off under contention: which shared jobs count as losses,
/// how long the pool then runs jobs inline, and that a real slow worker sends
/// the pool inline.
final class ContentionBackOffTests: XCTestCase {
    private let minimum = ContentionBackOff.minimumPenalty

    /// Caller ran 1 of 2 indices in 100 µs; the worker's half should take about as long.
    func testWaitLongerThanTheRestIsALossAndSendsJobsInline() {
        var b = ContentionBackOff()
        b.record(ownWork: 100_000, ownIndices: 1, of: 2, wait: 80_000, workersJoined: true, workersWereAwake: true, now: 0)
        XCTAssertFalse(b.isBackingOff(at: 1), "a wait shorter than the rest would have taken: shared was faster")
        b.record(ownWork: 100_000, ownIndices: 1, of: 2, wait: 150_000, workersJoined: true, workersWereAwake: true, now: 0)
        XCTAssertTrue(b.isBackingOff(at: 1))
        XCTAssertTrue(b.isBackingOff(at: minimum - 1))
        XCTAssertFalse(b.isBackingOff(at: minimum))
    }

    /// How long a loss at `now` sends jobs inline.
    private func window(_ b: inout ContentionBackOff, at now: Int64) -> Int64 {
        b.record(ownWork: 10_000, ownIndices: 1, of: 2, wait: 1_000_000, workersJoined: true, workersWereAwake: true, now: now)
        var end = now
        while b.isBackingOff(at: end) { end += 100_000 }
        return end - now
    }

    private func good(_ b: inout ContentionBackOff, at now: Int64) {
        b.record(ownWork: 10_000, ownIndices: 1, of: 2, wait: 1_000, workersJoined: true, workersWereAwake: true, now: now)
    }

    func testLossesInARowDoubleThePenaltyAndGoodJobsHalveIt() {
        var b = ContentionBackOff()
        var now: Int64 = 0
        var windows: [Int64] = []
        for _ in 0..<3 {
            windows.append(window(&b, at: now))
            now += windows.last ?? 0
        }
        XCTAssertEqual(windows, [minimum, 2 * minimum, 4 * minimum])
        good(&b, at: now)                                  // 8·minimum → 4·minimum
        XCTAssertEqual(window(&b, at: now), 4 * minimum)
        now += 4 * minimum
        for _ in 0..<10 { good(&b, at: now) }              // 8·minimum halved down to the minimum
        XCTAssertEqual(window(&b, at: now), minimum)
    }

    func testThePenaltyIsBounded() {
        var b = ContentionBackOff()
        for _ in 0..<40 {
            b.record(ownWork: 10_000, ownIndices: 1, of: 2, wait: 1_000_000, workersJoined: true, workersWereAwake: true, now: 0)
        }
        XCTAssertTrue(b.isBackingOff(at: ContentionBackOff.maximumPenalty - 1))
        XCTAssertFalse(b.isBackingOff(at: ContentionBackOff.maximumPenalty))
    }

    /// A worker that was polling but never joined: its core went to someone else.
    /// One that was asleep only woke late (no sign of contention), and a short job
    /// gives a polling worker too little time to be judged.
    func testAbsentPollingWorkerIsALossSleepingOrShortIsNot() {
        var b = ContentionBackOff()
        b.record(ownWork: 200_000, ownIndices: 2, of: 2, wait: 0, workersJoined: false, workersWereAwake: false, now: 0)
        XCTAssertFalse(b.isBackingOff(at: 1))
        b.record(ownWork: ContentionBackOff.absentAfter / 2, ownIndices: 2, of: 2, wait: 0, workersJoined: false,
                 workersWereAwake: true, now: 0)
        XCTAssertFalse(b.isBackingOff(at: 1))
        b.record(ownWork: 200_000, ownIndices: 2, of: 2, wait: 0, workersJoined: false, workersWereAwake: true, now: 0)
        XCTAssertTrue(b.isBackingOff(at: 1))
    }

    /// The first job after an inline stretch: the caller ran its half in 65 µs and
    /// the asleep worker finished 45 µs after it (its wake-up), which is no loss;
    /// 1 ms late is (its core was taken).
    func testASleepingWorkersWakeUpIsNoLossATimeSliceIs() {
        var b = ContentionBackOff()
        b.record(ownWork: 65_000, ownIndices: 1, of: 2, wait: 110_000, workersJoined: true, workersWereAwake: false, now: 0)
        XCTAssertFalse(b.isBackingOff(at: 1))
        b.record(ownWork: 65_000, ownIndices: 1, of: 2, wait: 110_000, workersJoined: true, workersWereAwake: true, now: 0)
        XCTAssertTrue(b.isBackingOff(at: 1), "the same wait for a polling worker is a loss")
        var c = ContentionBackOff()
        c.record(ownWork: 65_000, ownIndices: 1, of: 2, wait: 1_000_000, workersJoined: true, workersWereAwake: false, now: 0)
        XCTAssertTrue(c.isBackingOff(at: 1))
    }

    /// A batch-1 product: halves of 4 µs, the worker's done 10 µs after the caller's.
    /// Sharing lost 6 µs, too little to run every product alone for it.
    func testSmallLossesAreNoise() {
        var b = ContentionBackOff()
        b.record(ownWork: 4_000, ownIndices: 1, of: 2, wait: 10_000, workersJoined: true, workersWereAwake: true, now: 0)
        XCTAssertFalse(b.isBackingOff(at: 1))
        b.record(ownWork: 4_000, ownIndices: 1, of: 2, wait: 4_000 + ContentionBackOff.significantLoss + 1,
                 workersJoined: true, workersWereAwake: true, now: 0)
        XCTAssertTrue(b.isBackingOff(at: 1))
    }

    /// A worker that holds its index for 20 ms while the caller's is instant:
    /// the pool backs off, and the next job runs every index on the caller.
    func testSlowWorkerSendsThePoolInline() {
        let pool = ThreadPool(threads: 2)
        XCTAssertFalse(pool.isBackingOff)
        let started = ManagedAtomicFlag()
        var backedOff = false
        for _ in 0..<3 where !backedOff {   // retried: the worker may be too late to take index 1 at all
            started.clear()
            pool.parallelFor(2) { i in
                if i == 1 {
                    started.set()
                    usleep(20_000)
                } else {
                    let deadline = Date().addingTimeInterval(0.5)
                    while !started.isSet && Date() < deadline { sched_yield() }   // until the worker holds index 1
                }
            }
            backedOff = pool.isBackingOff
        }
        XCTAssertTrue(backedOff)
        let caller = pthread_self()
        let ranOnCaller = ManagedAtomicFlag()
        ranOnCaller.set()
        pool.parallelFor(4) { _ in if pthread_equal(pthread_self(), caller) == 0 { ranOnCaller.clear() } }
        if pool.isBackingOff { XCTAssertTrue(ranOnCaller.isSet, "backing off: every index on the caller") }
    }
}

/// A flag several threads may read and write.
private final class ManagedAtomicFlag: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    func clear() { lock.lock(); value = false; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
