import XCTest
@testable import NNCKernels

/// The step governor: which mode the steps run in when sharing is faster, when
/// running inline is, and when that changes; and the pool obeying it.
final class StepGovernorTests: XCTestCase {
    /// Runs `steps` steps of `work` examples, each taking `perExample(shares)` ns per
    /// example (plus `firstShared` for a shared step after an inline one); returns how
    /// many ran shared and how long all took.
    @discardableResult
    private func drive(_ g: inout StepGovernor, steps: Int, work: Int = 4, firstShared: Int64 = 0,
                       perExample: (Bool) -> Int64) -> (shared: Int, time: Int64) {
        var shared = 0, time: Int64 = 0, sharedBefore = true
        for _ in 0..<steps {
            let shares = g.sharesNextStep
            var ns = perExample(shares) * Int64(work)
            if shares && !sharedBefore { ns += firstShared }
            sharedBefore = shares
            if shares { shared += 1 }
            time += ns
            g.record(nanoseconds: ns, work: work)
        }
        return (shared, time)
    }

    /// Batch-1-sized steps (40 µs): sharing faster, a probe of about a millisecond per run
    /// of 25 ms and more, doubling.
    func testSharingFasterStaysSharedWithRareProbes() {
        var g = StepGovernor()
        let (shared, _) = drive(&g, steps: 50_000) { $0 ? 10_000 : 19_000 }
        XCTAssertTrue(g.sharesNextStep)
        XCTAssertGreaterThan(shared, 50_000 - 500, "probes under 1 % of the steps")
        XCTAssertLessThan(shared, 50_000, "but some")
    }

    func testInlineFasterIsChosen() {
        var g = StepGovernor()
        let (shared, _) = drive(&g, steps: 20_000) { $0 ? 12_000 : 10_000 }
        XCTAssertFalse(g.sharesNextStep)
        XCTAssertLessThan(shared, 1_000, "the first run shared, then probes of about a millisecond")
    }

    /// Contention that starts and ends: the governor follows it both ways.
    func testFollowsAChangeOfLoad() {
        var g = StepGovernor()
        drive(&g, steps: 5_000) { $0 ? 10_000 : 19_000 }
        XCTAssertTrue(g.sharesNextStep)
        drive(&g, steps: 100_000) { $0 ? 25_000 : 19_000 }   // a worker's core taken
        XCTAssertFalse(g.sharesNextStep)
        drive(&g, steps: 100_000) { $0 ? 10_000 : 19_000 }   // and given back
        XCTAssertTrue(g.sharesNextStep)
    }

    /// Steps of different sizes (a short last batch) compare per example.
    func testComparesTimePerExample() {
        var g = StepGovernor()
        var shared = 0
        for i in 0..<20_000 {
            let shares = g.sharesNextStep
            if shares { shared += 1 }
            let work = i % 3 == 0 ? 1 : 64   // per example, sharing is faster at both sizes
            g.record(nanoseconds: Int64(work) * (shares ? 1_000 : 1_800), work: work)
        }
        XCTAssertTrue(g.sharesNextStep)
        XCTAssertGreaterThan(shared, 19_800)
    }

    /// A shared step after inline ones pays for waking the worker (here 2 ms, twice a
    /// probe): not counted, so sharing still wins once it is faster.
    func testTheFirstStepAfterAChangeIsNotCounted() {
        var g = StepGovernor()
        drive(&g, steps: 5_000) { $0 ? 12_000 : 10_000 }
        XCTAssertFalse(g.sharesNextStep)
        let (shared, _) = drive(&g, steps: 100_000, firstShared: 2_000_000) { $0 ? 6_000 : 10_000 }
        XCTAssertTrue(g.sharesNextStep)
        XCTAssertGreaterThan(shared, 90_000, "after the inline run under way (up to 0.2 s here) ends")
    }

    /// Steps of 2 ms or more share and are never probed inline.
    func testLongStepsAlwaysShare() {
        var g = StepGovernor()
        let (shared, _) = drive(&g, steps: 2_000, work: 64) { $0 ? 50_000 : 40_000 }   // 3.2 ms shared
        XCTAssertEqual(shared, 2_000)
    }

    /// While a step runs inline, every index runs on the caller; after it, jobs are shared again.
    func testPoolRunsAnInlineStepOnTheCaller() {
        let pool = ThreadPool(threads: 2)
        var g = StepGovernor()
        drive(&g, steps: 5_000) { $0 ? 12_000 : 10_000 }   // inline chosen
        XCTAssertFalse(g.sharesNextStep)
        let caller = pthread_self()
        let started = pool.beginStep(g)
        XCTAssertTrue(pool.isBackingOff)
        var elsewhere = [Bool](repeating: true, count: 64)
        elsewhere.withUnsafeMutableBufferPointer { flags in
            let base = flags.baseAddress
            pool.parallelFor(64) { i in base?[i] = pthread_equal(pthread_self(), caller) == 0 }
        }
        XCTAssertEqual(elsewhere.filter { $0 }.count, 0, "an inline step runs every index on the caller")
        pool.endStep(&g, started: started, work: 1)
        XCTAssertFalse(pool.isBackingOff, "the step's inline mode ends with it (no shared job lost time)")
    }
}
