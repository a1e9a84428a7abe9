import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C during a run: the handler only sets a flag; training polls it after
/// each batch, saves a checkpoint and exits 3.
enum Interrupt {
    static let requested = Atomic<Bool>(false)

    static func install() {
        signal(SIGINT) { _ in Interrupt.requested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in Interrupt.requested.store(true, ordering: .relaxed) }
    }

    static var wasRequested: Bool { requested.load(ordering: .relaxed) }
}
