#if canImport(Glibc)
import Glibc
#endif
import CDMShims
import Synchronization

/// Signal handling shared by every stage.
///
/// SIGINT and SIGTERM set a lock-free flag (async-signal-safe); the handlers are installed
/// without SA_RESTART so a blocked read returns EINTR and the stage sees the flag at once,
/// stops reading, flushes what it holds and exits. SIGPIPE is ignored so a closed consumer
/// shows up as EPIPE, which the stage turns into a quiet exit.
public enum StageSignals {
    @usableFromInline
    static let stopFlag = Atomic<Bool>(false)

    /// Whether SIGINT or SIGTERM arrived.
    @inlinable
    public static var stopRequested: Bool { stopFlag.load(ordering: .relaxed) }

    /// Asks the stage to stop, as a signal would. For tests and supervisors in-process.
    public static func requestStop() { stopFlag.store(true, ordering: .relaxed) }

    /// Installs the handlers. Call once at start-up.
    public static func install() {
        // A parent may have blocked these (test runners and some supervisors do), and a
        // blocked SIGTERM would leave the stage deaf to shutdown: unblock them explicitly.
        _ = cdm_unblock_stop_signals()
        _ = cdm_ignore_signal(SIGPIPE)
        _ = cdm_install_signal_handler(SIGINT, stageSignalHandler)
        _ = cdm_install_signal_handler(SIGTERM, stageSignalHandler)
    }
}

private func stageSignalHandler(_ signal: Int32) {
    StageSignals.stopFlag.store(true, ordering: .relaxed)
}

// MARK: SIGHUP: reopen or reload

extension StageSignals {
    @usableFromInline
    static let reopenFlag = Atomic<Bool>(false)

    /// Installs a SIGHUP handler that records a reopen/reload request instead of ending the
    /// process (without SA_RESTART, like the stop handlers; the stages' reads retry EINTR
    /// unless a stop was requested). Call once at start-up, for stages that act on SIGHUP.
    public static func installReopenHandler() {
        _ = cdm_install_signal_handler(SIGHUP, stageReopenHandler)
    }

    /// Whether SIGHUP arrived since the last call; clears the request.
    public static func takeReopenRequest() -> Bool {
        reopenFlag.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Records a reopen request, as SIGHUP would. For tests and supervisors in-process.
    public static func requestReopen() { reopenFlag.store(true, ordering: .releasing) }
}

private func stageReopenHandler(_ signal: Int32) {
    StageSignals.reopenFlag.store(true, ordering: .relaxed)
}
