#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
#if os(Linux)
import Synchronization
#endif

/// A fixed pool of worker threads for data-parallel kernels.
///
/// - `threadCount - 1` persistent workers plus the calling thread, which takes
///   part in every job. Idle workers poll for ~50 µs, yielding the core at
///   every turn, then sleep on a condition variable (no lasting spin: the
///   machine is shared, and a spinning pool collapses when another process
///   holds a core); the caller polls the same way for workers finishing.
/// - When sharing jobs loses time (a worker's core is busy elsewhere), the
///   pool runs jobs on the caller alone for a while (`ContentionBackOff`).
/// - Indices are claimed one at a time from a shared counter, so when a worker
///   is slow to wake (its core is busy) the caller simply runs more indices and
///   the job degrades to one-thread speed instead of waiting.
/// - Determinism: `body(i)` must compute the same thing whichever thread runs
///   it; chunk boundaries (see `chunkRange`) depend only on the count and the
///   number of chunks, never on timing. Same inputs and thread count give the
///   same bits.
/// - `threads == 1` runs inline with no synchronization. A `parallelFor` issued
///   while the pool is already busy (a nested call from inside a body, or a
///   second thread calling concurrently) runs inline on its caller instead of
///   deadlocking.
public final class ThreadPool: @unchecked Sendable {
    // @unchecked Sendable: the only mutable state lives in `PoolState`, which
    // guards every field with its mutex.
    public let threadCount: Int
    private let state: PoolState

    public init(threads: Int) {
        threadCount = max(1, threads)
        state = PoolState(workerCount: threadCount - 1)
        for _ in 0..<(threadCount - 1) {
            let state = self.state
            let thread = Thread {
                // Kernel workspaces are made before the first job, so jobs never allocate.
                prepareKernelWorkspaceForCurrentThread()
                state.workerLoop()
            }
            thread.name = "nnc-worker"
            thread.start()
        }
        // Ready when init returns: every worker runs and has its workspaces.
        state.waitUntilWorkersStarted()
    }

    deinit {
        state.shutDownAndWait()
    }

    /// Runs `body(i)` for every i in 0..<count, spread over the threads;
    /// returns when all are done. Each index is one task: pass a number of
    /// chunks (each worth at least tens of microseconds), not a number of
    /// elements — see `parallelForChunks` for splitting a range.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        if threadCount == 1 || count <= 1 {
            for i in 0..<max(0, count) { body(i) }
            return
        }
        // The closure travels to the workers by address. (withoutActuallyEscaping
        // costs one small allocation per call; hot kernels use the context form.)
        withoutActuallyEscaping(body) { escapable in
            var closure = escapable
            withUnsafeMutablePointer(to: &closure) { pointer in
                parallelFor(count, context: UnsafeMutableRawPointer(pointer)) { context, i in
                    context.assumingMemoryBound(to: ((Int) -> Void).self).pointee(i)
                }
            }
        }
    }

    /// The allocation-free form for kernels on the training path: `body` is a
    /// plain function (it captures nothing) and reads its arguments from
    /// `context`, a pointer to a struct the caller keeps alive for the call.
    public func parallelFor(_ count: Int, context: UnsafeMutableRawPointer,
                            _ body: @convention(c) (UnsafeMutableRawPointer, Int) -> Void) {
        if threadCount == 1 || count <= 1 {
            for i in 0..<max(0, count) { body(context, i) }
            return
        }
        if !state.run(count: count, context: context, body: body) {
            // The pool is busy (nested or concurrent call): run here.
            for i in 0..<count { body(context, i) }
        }
    }

    /// Runs `body(context, step, part)` for every step in 0..<steps and part in
    /// 0..<parts, each step's parts only after every part of the step before has
    /// finished: a sequential loop whose steps split into parts (a recurrence at
    /// batch 1, split by units). One job for the whole loop and one barrier per
    /// step, instead of one job per step.
    ///
    /// Parts are claimed in order from a shared ticket counter, so a thread waits
    /// only for parts another thread is already running, never for one that no
    /// thread has taken: a worker that joins late (or never) leaves the caller to
    /// run every part itself. A wait that shows the worker's core was taken away
    /// counts as a loss for `ContentionBackOff`. `body(step, part)` must compute
    /// the same thing whichever thread runs it (the same bits at any thread count).
    public func parallelSteps(_ steps: Int, parts: Int, context: UnsafeMutableRawPointer,
                              _ body: @convention(c) (UnsafeMutableRawPointer, Int, Int) -> Void) {
        #if os(Linux)
        if threadCount > 1 && parts > 1 && steps > 0 {
            var job = LockstepJob(context: context, body: body, steps: steps, parts: parts, counters: state.lockstep)
            let ran = withUnsafeMutablePointer(to: &job) { pointer in
                state.run(count: threadCount, context: UnsafeMutableRawPointer(pointer), resetsLockstep: true) { context, _ in
                    context.assumingMemoryBound(to: LockstepJob.self).pointee.participate()
                }
            }
            if ran {
                if job.counters.lostTime() { state.recordLoss() }
                return
            }
        }
        #endif
        for step in 0..<max(0, steps) {
            for part in 0..<max(0, parts) { body(context, step, part) }
        }
    }

    /// Whether the pool is running jobs on the caller alone for now, because
    /// sharing them lost time (a worker's core is busy elsewhere; see
    /// `ContentionBackOff`), or the current step runs inline (`beginStep`). A
    /// caller that can cut its work coarser for one thread (fewer, larger
    /// pieces) does so while this is true.
    public var isBackingOff: Bool { threadCount > 1 && state.isBackingOff }

    /// Starts one of a repeated kind of step (a training batch, an inference
    /// call): until `endStep`, its jobs are shared or all run on the caller as
    /// `governor` says (see `StepGovernor`). Returns the start time for `endStep`.
    public func beginStep(_ governor: StepGovernor) -> Int64 {
        if threadCount > 1 { state.setStepsInline(!governor.sharesNextStep) }
        return monotonicNanoseconds()
    }

    /// Ends the step `beginStep` started at `started`: `governor` records its time
    /// per unit of `work` (its examples), and jobs are shared again.
    public func endStep(_ governor: inout StepGovernor, started: Int64, work: Int) {
        governor.record(nanoseconds: monotonicNanoseconds() - started, work: work)
        if threadCount > 1 { state.setStepsInline(false) }
    }

    /// Splits 0..<count into `chunks` contiguous ranges (see `chunkRange`) and
    /// runs `body(range)` for each in parallel. `chunks` defaults to the
    /// thread count; a reduction that must give the same bits for any thread
    /// count passes a fixed number of chunks.
    public func parallelForChunks(_ count: Int, chunks: Int? = nil, _ body: (Range<Int>) -> Void) {
        let chunkCount = max(1, min(chunks ?? threadCount, count))
        guard count > 0 else { return }
        parallelFor(chunkCount) { chunk in
            body(ThreadPool.chunkRange(chunk, of: chunkCount, count: count))
        }
    }

    /// The indices covered by chunk `chunk` when 0..<count is split into
    /// `chunks` contiguous near-equal parts (sizes differ by at most one; the
    /// first `count % chunks` chunks are one longer). Depends only on its
    /// arguments.
    public static func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
        let base = count / chunks
        let extra = count % chunks
        let start = chunk * base + min(chunk, extra)
        return start..<(start + base + (chunk < extra ? 1 : 0))
    }
}

/// The shared state between the pool's caller and its workers; every field is
/// guarded by `mutex`.
private final class PoolState: @unchecked Sendable {
    // @unchecked Sendable: all mutable fields are read and written only with
    // `mutex` held; `body` is only called between `run` publishing it and
    // `run` observing that every worker has left the job.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// Signalled when a job is published or the pool shuts down.
    private let workAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Signalled when the last worker leaves a job, or a worker exits.
    private let workerLeft = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private let workerCount: Int
    private var generation: UInt64 = 0
    /// The current job: a plain function and its argument block.
    private var body: (@convention(c) (UnsafeMutableRawPointer, Int) -> Void)?
    private var context: UnsafeMutableRawPointer?
    private var count = 0
    private var nextIndex = 0
    private var workersInJob = 0
    /// Workers that took part in the current job (one that wakes after the caller drained it does not).
    private var joinedInJob = 0
    private var backOff = ContentionBackOff()
    /// The current step runs its jobs on the caller (`ThreadPool.beginStep`).
    private var stepsInline = false
    /// Workers polling for a job (awake, or runnable but set aside by the scheduler), not asleep.
    private var pollingWorkers = 0
    private var busy = false
    private var shuttingDown = false
    private var exitedWorkers = 0
    private var startedWorkers = 0
    #if os(Linux)
    /// Copies of `generation` and `workersInJob` readable without the mutex, for the brief spins.
    private let publishedGeneration = Atomic<UInt64>(0)
    private let workersInJobMirror = Atomic<Int>(0)
    /// The tickets of a `parallelSteps` job, reset when one is published.
    let lockstep = LockstepCounters()
    #endif

    init(workerCount: Int) {
        self.workerCount = workerCount
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workAvailable, nil)
        pthread_cond_init(workerLeft, nil)
    }

    deinit {
        pthread_cond_destroy(workerLeft)
        pthread_cond_destroy(workAvailable)
        pthread_mutex_destroy(mutex)
        workerLeft.deallocate()
        workAvailable.deallocate()
        mutex.deallocate()
    }

    /// Publishes a job, takes part in it, and waits for the workers that
    /// joined it. Returns false without running anything if a job is already
    /// in progress.
    func run(count: Int, context: UnsafeMutableRawPointer, resetsLockstep: Bool = false,
             body: @convention(c) (UnsafeMutableRawPointer, Int) -> Void) -> Bool {
        pthread_mutex_lock(mutex)
        if busy || stepsInline || backOff.isBackingOff(at: monotonicNanoseconds()) {
            pthread_mutex_unlock(mutex)
            return false
        }
        busy = true
        self.body = body
        self.context = context
        self.count = count
        nextIndex = 0
        joinedInJob = 0
        let workersWereAwake = pollingWorkers > 0
        generation &+= 1
        #if os(Linux)
        if resetsLockstep { lockstep.reset() }
        publishedGeneration.store(generation, ordering: .releasing)
        #endif
        pthread_cond_broadcast(workAvailable)
        let start = monotonicNanoseconds()
        let ownIndices = drainIndices(body, context)
        let drained = monotonicNanoseconds()
        #if os(Linux)
        if workersInJob > 0 {
            // Poll before sleeping: a worker still on its last index is usually
            // done within microseconds, and waking a sleeping caller costs ~45.
            pthread_mutex_unlock(mutex)
            spinBriefly { self.workersInJobMirror.load(ordering: .acquiring) > 0 }
            pthread_mutex_lock(mutex)
        }
        #endif
        while workersInJob > 0 {
            pthread_cond_wait(workerLeft, mutex)
        }
        let finished = monotonicNanoseconds()
        backOff.record(ownWork: drained - start, ownIndices: ownIndices, of: count, wait: finished - drained,
                       workersJoined: joinedInJob > 0, workersWereAwake: workersWereAwake, now: finished)
        self.body = nil
        self.context = nil
        busy = false
        pthread_mutex_unlock(mutex)
        return true
    }

    /// Counts a job that lost time in a way `run` cannot see (a `parallelSteps`
    /// participant waited on a worker whose core was taken): the next jobs run
    /// on the caller alone for a while.
    func recordLoss() {
        pthread_mutex_lock(mutex)
        backOff.recordLoss(now: monotonicNanoseconds())
        pthread_mutex_unlock(mutex)
    }

    /// Claims and runs indices until none are left; returns how many it ran.
    /// Called with the mutex held; releases it around each `body` call.
    @discardableResult
    private func drainIndices(_ body: @convention(c) (UnsafeMutableRawPointer, Int) -> Void,
                              _ context: UnsafeMutableRawPointer) -> Int {
        var ran = 0
        while nextIndex < count {
            let index = nextIndex
            nextIndex += 1
            pthread_mutex_unlock(mutex)
            body(context, index)
            pthread_mutex_lock(mutex)
            ran += 1
        }
        return ran
    }

    /// A worker thread's life: sleep until a job or shutdown, help, repeat.
    func workerLoop() {
        pthread_mutex_lock(mutex)
        startedWorkers += 1
        pthread_cond_broadcast(workerLeft)
        var seenGeneration = generation
        while true {
            #if os(Linux)
            if generation == seenGeneration && !shuttingDown {
                pollingWorkers += 1
                pthread_mutex_unlock(mutex)
                spinBriefly { self.publishedGeneration.load(ordering: .acquiring) == seenGeneration }
                pthread_mutex_lock(mutex)
                pollingWorkers -= 1
            }
            #endif
            while generation == seenGeneration && !shuttingDown {
                pthread_cond_wait(workAvailable, mutex)
            }
            if shuttingDown { break }
            seenGeneration = generation
            // A worker that wakes after its job finished finds no body.
            guard let body, let context else { continue }
            workersInJob += 1
            joinedInJob += 1
            publishWorkersInJob()
            drainIndices(body, context)
            workersInJob -= 1
            publishWorkersInJob()
            if workersInJob == 0 { pthread_cond_signal(workerLeft) }
        }
        exitedWorkers += 1
        pthread_cond_broadcast(workerLeft)
        pthread_mutex_unlock(mutex)
    }

    /// Polls `waiting` for up to ~50 µs before the thread goes to sleep on a
    /// condition: kernels come in quick succession (the gemms of one training
    /// step, the layers of one batch-1 prediction), and waking a sleeping
    /// thread costs ~45 µs on this kind of VM. The poll yields the core at
    /// every turn, so a busy neighbour process is not starved.
    #if os(Linux)
    private func spinBriefly(while waiting: () -> Bool) {
        var start = timespec(), now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        while waiting() {
            sched_yield()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let elapsed = (now.tv_sec - start.tv_sec) * 1_000_000_000 + (now.tv_nsec - start.tv_nsec)
            if elapsed > PoolState.spinNanoseconds { return }
        }
    }
    #endif

    /// Copies `workersInJob` (mutex held) where `run` can poll it without the mutex.
    private func publishWorkersInJob() {
        #if os(Linux)
        workersInJobMirror.store(workersInJob, ordering: .releasing)
        #endif
    }

    private static let spinNanoseconds = 50_000

    /// Whether jobs currently run on the caller alone (see `ContentionBackOff`, `beginStep`).
    var isBackingOff: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return stepsInline || backOff.isBackingOff(at: monotonicNanoseconds())
    }

    func setStepsInline(_ inline: Bool) {
        pthread_mutex_lock(mutex)
        stepsInline = inline
        pthread_mutex_unlock(mutex)
    }

    /// Blocks until every worker thread has entered its loop.
    func waitUntilWorkersStarted() {
        pthread_mutex_lock(mutex)
        while startedWorkers < workerCount {
            pthread_cond_wait(workerLeft, mutex)
        }
        pthread_mutex_unlock(mutex)
    }

    /// Wakes every worker, tells it to exit, and waits until all have.
    func shutDownAndWait() {
        pthread_mutex_lock(mutex)
        shuttingDown = true
        pthread_cond_broadcast(workAvailable)
        while exitedWorkers < workerCount {
            pthread_cond_wait(workerLeft, mutex)
        }
        pthread_mutex_unlock(mutex)
    }
}

/// When sharing jobs costs more than it saves — a worker's core is taken by
/// another process, so the caller finishes its own indices and then waits for
/// a worker that the scheduler has set aside — the pool runs the next jobs on
/// the caller alone, and tries sharing again after a while (exponential
/// back-off, halved by each job that the workers helped without a long wait).
/// Running a job inline computes the same bits (the bodies do not depend on
/// which thread runs them), so this only changes speed: with one core busy,
/// nnc at 2 threads stays at about its 1-thread speed instead of below it.
struct ContentionBackOff {
    /// Until this time (CLOCK_MONOTONIC ns) jobs run on the caller alone.
    private var inlineUntil: Int64 = 0
    /// How long the next loss sends jobs inline (doubles per loss in a row).
    private var penalty = ContentionBackOff.minimumPenalty
    static let minimumPenalty: Int64 = 500_000       // 0.5 ms
    static let maximumPenalty: Int64 = 64_000_000    // 64 ms: a probe costs at most a few % then
    /// A job counts as lost only when waiting cost at least this much more than
    /// running the rest alone (ns): a batch-1 product's halves take a few µs, and
    /// a few µs of hand-off there is not worth running every product alone, while a
    /// worker whose core is taken costs milliseconds.
    static let significantLoss: Int64 = 20_000
    /// A sleeping worker takes ~45 µs to wake on this kind of VM, a worker whose
    /// core is taken a time slice (milliseconds): the first is no sign of
    /// contention (ns). Logged in a slow 2-thread training run at d6575cc, when
    /// this was not allowed for: one real loss (a worker 1.1 ms late), then 30 in
    /// 50 ms, each the first job after an inline stretch, its worker asleep and
    /// 35–45 µs late; each sent the jobs inline again, and the workers slept again.
    static let wakeUpAllowance: Int64 = 100_000
    /// A polling worker on a free core joins a job within a few µs (ns).
    static let absentAfter: Int64 = 20_000

    func isBackingOff(at now: Int64) -> Bool { now < inlineUntil }

    /// A shared job is a loss when the caller, having run `ownIndices` of the
    /// `count` indices in `ownWork` ns, then waited for the workers clearly longer
    /// (`significantLoss`) than the rest would have taken it at its own pace: it
    /// would have finished sooner alone. If every worker was asleep when the job
    /// was published, their wake-up (`wakeUpAllowance`) is allowed for too.
    ///
    /// It is also a loss when a worker was polling for work when the job was
    /// published (not asleep: a sleeping worker wakes late, which is no sign of
    /// contention) and still had not joined after `absentAfter` of the caller's
    /// work: the scheduler gave its core to someone else.
    mutating func record(ownWork: Int64, ownIndices: Int, of count: Int, wait: Int64, workersJoined: Bool,
                         workersWereAwake: Bool, now: Int64) {
        let rest = ownIndices > 0 ? ownWork * Int64(count - ownIndices) / Int64(ownIndices) : 0
        let allowance = workersWereAwake ? 0 : ContentionBackOff.wakeUpAllowance
        let slow = wait - rest > ContentionBackOff.significantLoss + allowance
        let absent = workersWereAwake && !workersJoined && ownWork > ContentionBackOff.absentAfter
        if slow || absent {
            recordLoss(now: now)
        } else if workersJoined {
            // Halved, not reset: under contention good and lost jobs alternate (the
            // worker's core is shared in time slices), and the losses cost the most.
            penalty = max(ContentionBackOff.minimumPenalty, penalty / 2)
        }
    }

    /// Sends the next jobs inline for `penalty`, and doubles it.
    mutating func recordLoss(now: Int64) {
        inlineUntil = now + penalty
        penalty = min(2 * penalty, ContentionBackOff.maximumPenalty)
    }
}

#if os(Linux)
/// The shared counters of a `parallelSteps` job, each on its own cache line:
/// the next ticket to claim (ticket k is part k % parts of step k / parts), the
/// parts finished, and the longest time a participant waited for a part.
private final class LockstepCounters: @unchecked Sendable {
    // @unchecked Sendable: every field is an atomic.
    let tickets = Atomic<Int>(0)
    private let padding0 = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    let finished = Atomic<Int>(0)
    private let padding1 = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    let longestWait = Atomic<Int64>(0)

    /// Whether a participant waited longer than a busy core's time slice would explain
    /// otherwise (`ContentionBackOff.significantLoss`): the other part's thread was set aside.
    func lostTime() -> Bool { longestWait.load(ordering: .relaxed) > ContentionBackOff.significantLoss }

    /// Called with the pool's mutex held, before the job is published (whose
    /// release makes these stores visible to the workers that join).
    func reset() {
        tickets.store(0, ordering: .relaxed)
        finished.store(0, ordering: .relaxed)
        longestWait.store(0, ordering: .relaxed)
    }
}

/// A `parallelSteps` call as the pool's job: each of the pool's threads runs
/// `participate` once.
private struct LockstepJob {
    let context: UnsafeMutableRawPointer
    let body: @convention(c) (UnsafeMutableRawPointer, Int, Int) -> Void
    let steps: Int
    let parts: Int
    unowned(unsafe) let counters: LockstepCounters

    /// Claims tickets in order and runs them; before a step's part, waits until
    /// every part of the steps before has finished (they are all claimed already,
    /// by threads that wait only on earlier tickets, so the wait always ends).
    func participate() {
        let total = steps * parts
        while true {
            let ticket = counters.tickets.wrappingAdd(1, ordering: .relaxed).oldValue
            guard ticket < total else { return }
            let step = ticket / parts
            let needed = step * parts
            if counters.finished.load(ordering: .acquiring) < needed { waitUntilFinished(needed) }
            body(context, step, ticket - needed)
            counters.finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// Spins on `finished` (a part takes about a microsecond), yielding the core
    /// after the first few thousand polls; records how long it waited.
    private func waitUntilFinished(_ needed: Int) {
        var polls = 0
        var start: Int64 = 0
        while counters.finished.load(ordering: .acquiring) < needed {
            polls += 1
            if polls == LockstepJob.pollsBeforeYielding { start = monotonicNanoseconds() }
            if polls >= LockstepJob.pollsBeforeYielding { sched_yield() }
        }
        if start > 0 {
            let waited = monotonicNanoseconds() - start
            if waited > counters.longestWait.load(ordering: .relaxed) {
                counters.longestWait.store(waited, ordering: .relaxed)
            }
        }
    }

    private static let pollsBeforeYielding = 4096
}
#endif

/// CLOCK_MONOTONIC in nanoseconds.
@inline(__always)
private func monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
