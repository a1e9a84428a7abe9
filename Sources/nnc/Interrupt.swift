import NNCRuntime
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C or SIGTERM during a run: the handler only cancels the run's token
/// (one atomic store, async-signal-safe); every long loop of the run polls
/// it (see `Cancellation`), the run writes a checkpoint where there is state
/// to resume, and exits 3.
enum Interrupt {
    static let token = CancellationToken()

    static func install() {
        signal(SIGINT) { _ in Interrupt.token.cancel() }
        signal(SIGTERM) { _ in Interrupt.token.cancel() }
    }

    static var wasRequested: Bool { token.isCancelled }
}
