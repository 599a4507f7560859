import Synchronization

/// A request to stop that blocking calls consult when a signal interrupts them: a read or an
/// accept interrupted while the request is raised gives up instead of retrying, so a process
/// blocked on a quiet input stops at once.
///
/// ``process`` is the one SIGINT and SIGTERM raise (a stage installs those handlers; this
/// layer only reads the flag). Readers take the signal they obey as a parameter, so a test can
/// stop one reader without touching the process's state.
public final class StopSignal: Sendable {
    @usableFromInline let flag = Atomic<Bool>(false)

    /// A signal nobody has raised yet.
    public init() {}

    /// The process's stop request: raised by SIGINT and SIGTERM once a stage installed its
    /// handlers (async-signal-safe: one lock-free store).
    public static let process = StopSignal()

    /// Whether the stop was requested.
    @inlinable
    public var isRaised: Bool { self.flag.load(ordering: .relaxed) }

    /// Requests the stop.
    @inlinable
    public func raise() { self.flag.store(true, ordering: .relaxed) }
}
