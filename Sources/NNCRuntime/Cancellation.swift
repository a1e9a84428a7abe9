import Synchronization

/// A request to stop a run (Ctrl-C, SIGTERM, or a caller of the library).
/// Setting it is async-signal-safe (one relaxed atomic store), so a signal
/// handler may call `cancel()`; reading it is one relaxed load.
public final class CancellationToken: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public func cancel() { flag.store(true, ordering: .relaxed) }
    public var isCancelled: Bool { flag.load(ordering: .relaxed) }
}

/// The one place every long loop asks whether to stop: `Runner.run` binds
/// the run's token for its duration (a task-local value, so concurrent runs
/// in one process each see their own), and the loops of training, rules,
/// recall, data loading and evaluation poll it every few hundred
/// iterations. Loops that cannot throw (kernels, forward steps) stop early
/// via `isRequested`; `check()` after them turns that into `RunError.interrupted`,
/// so a half-finished result is never used.
public enum Cancellation {
    @TaskLocal static var token: CancellationToken?

    /// Runs `body` with `token` as the run's cancellation token.
    public static func with<T>(_ token: CancellationToken, _ body: () throws -> T) rethrows -> T {
        try $token.withValue(token, operation: body)
    }

    /// The current run's token, to hand to code on other threads or in other modules.
    static var current: CancellationToken? { token }

    static var isRequested: Bool { token?.isCancelled ?? false }

    static func check() throws { if isRequested { throw RunError.interrupted } }

    /// A counter for hot loops: `try poll.tick()` checks the token every `every` calls.
    struct Poll {
        let token: CancellationToken?
        let every: Int
        var count: Int
        /// The first call checks, then every `every`-th.
        init(every: Int = 256) { token = Cancellation.token; self.every = every; count = every - 1 }
        /// True when the run should stop (checked every `every` calls).
        mutating func due() -> Bool {
            count &+= 1
            guard count >= every else { return false }
            count = 0
            return token?.isCancelled ?? false
        }
        mutating func tick() throws { if due() { throw RunError.interrupted } }
    }
}
