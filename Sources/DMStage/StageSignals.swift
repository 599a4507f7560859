import CDMShims
import DMSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Signal handling shared by every stage.
///
/// SIGINT and SIGTERM raise ``StopSignal/process`` (async-signal-safe); SIGHUP notes a reopen
/// request (``takeReopenRequest()``) and never terminates. The handlers are installed
/// without SA_RESTART so a blocked read returns EINTR and the stage sees the flag at once,
/// stops reading, flushes what it holds and exits. SIGPIPE is ignored so a closed consumer
/// shows up as EPIPE, which the stage turns into a quiet exit.
public enum StageSignals {
    /// Whether SIGINT or SIGTERM arrived.
    @inlinable
    public static var stopRequested: Bool { StopSignal.process.isRaised }

    /// Asks the stage to stop, as a signal would. For tests and supervisors in-process.
    public static func requestStop() { StopSignal.process.raise() }

    @usableFromInline
    static let reopenFlag = Atomic<Bool>(false)

    /// Whether SIGHUP arrived since the last call (which clears it): output files should be
    /// reopened and lists reloaded, as logrotate and operators expect. Stages with nothing to
    /// reopen never ask, so for them SIGHUP changes nothing.
    @inlinable
    public static func takeReopenRequest() -> Bool {
        reopenFlag.load(ordering: .relaxed) && reopenFlag.exchange(false, ordering: .relaxed)
    }

    /// Records a reopen request, as SIGHUP would. For tests and supervisors in-process.
    public static func requestReopen() { reopenFlag.store(true, ordering: .relaxed) }

    /// Installs the handlers. Call once at start-up.
    public static func install() {
        // A parent may have blocked these (test runners and some supervisors do), and a
        // blocked SIGTERM would leave the stage deaf to shutdown: unblock them explicitly.
        _ = cdm_unblock_stop_signals()
        _ = cdm_ignore_signal(SIGPIPE)
        _ = cdm_install_signal_handler(SIGINT, stageSignalHandler)
        _ = cdm_install_signal_handler(SIGTERM, stageSignalHandler)
        // SIGHUP (logrotate's postrotate, `systemctl reload`) must never end a stage: it notes a
        // reopen request; a blocked read is retried after it, so the request is seen with the
        // next input.
        _ = cdm_install_signal_handler(SIGHUP, reopenSignalHandler)
    }
}

private func stageSignalHandler(_ signal: Int32) {
    StopSignal.process.raise()
}

private func reopenSignalHandler(_ signal: Int32) {
    StageSignals.reopenFlag.store(true, ordering: .relaxed)
}
