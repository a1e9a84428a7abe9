/// A fixed pool of worker threads for data-parallel kernels.
/// (Interface; the persistent, sleeping implementation replaces this.)
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int
    public init(threads: Int) { threadCount = max(1, threads) }
    /// Runs body(0..<count) split across the threads; returns when all are done.
    /// Chunks are assigned deterministically (chunk i always covers the same indices).
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        for i in 0..<count { body(i) }
    }
}
