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
///   part in every job. Idle workers sleep on a condition variable (no
///   spinning: the machine is shared, and a spinning pool collapses when
///   another process holds a core).
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
    private var busy = false
    private var shuttingDown = false
    private var exitedWorkers = 0
    private var startedWorkers = 0
    #if os(Linux)
    /// Copies of `generation` and `workersInJob` readable without the mutex, for the brief spins.
    private let publishedGeneration = Atomic<UInt64>(0)
    private let workersInJobMirror = Atomic<Int>(0)
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
    func run(count: Int, context: UnsafeMutableRawPointer,
             body: @convention(c) (UnsafeMutableRawPointer, Int) -> Void) -> Bool {
        pthread_mutex_lock(mutex)
        if busy {
            pthread_mutex_unlock(mutex)
            return false
        }
        busy = true
        self.body = body
        self.context = context
        self.count = count
        nextIndex = 0
        generation &+= 1
        #if os(Linux)
        publishedGeneration.store(generation, ordering: .releasing)
        #endif
        pthread_cond_broadcast(workAvailable)
        drainIndices(body, context)
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
        self.body = nil
        self.context = nil
        busy = false
        pthread_mutex_unlock(mutex)
        return true
    }

    /// Claims and runs indices until none are left. Called with the mutex
    /// held; releases it around each `body` call.
    private func drainIndices(_ body: @convention(c) (UnsafeMutableRawPointer, Int) -> Void,
                              _ context: UnsafeMutableRawPointer) {
        while nextIndex < count {
            let index = nextIndex
            nextIndex += 1
            pthread_mutex_unlock(mutex)
            body(context, index)
            pthread_mutex_lock(mutex)
        }
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
                pthread_mutex_unlock(mutex)
                spinBriefly { self.publishedGeneration.load(ordering: .acquiring) == seenGeneration }
                pthread_mutex_lock(mutex)
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
