import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A POSIX thread running one closure, which the starter can interrupt and join.
///
/// Interrupting sends SIGTERM to the thread: the stage's handler sets the stop flag, and a
/// read the thread is blocked in returns EINTR, so it stops as a single-threaded stage would
/// (``StageSignals``). A process-directed signal reaches only one thread; the starter passes
/// it on to the others with ``interrupt()``.
public final class WorkerThread: @unchecked Sendable {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    fileprivate var thread = pthread_t()
    private let finishedFlag = Atomic<Bool>(false)

    /// Starts `body` on a new thread.
    public init(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let context = Unmanaged.passRetained(Body { [self] in
            body()
            self.finishedFlag.store(true, ordering: .releasing)
        }).toOpaque()
        let status = pthread_create(&self.thread, nil, { raw in
            Unmanaged<WorkerThread.Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(context).release()
            throw SystemError(code: status, operation: "start", object: "a worker thread")
        }
    }

    /// Whether the closure has returned.
    public var isFinished: Bool { self.finishedFlag.load(ordering: .acquiring) }

    /// Interrupts a blocking read of the thread (see the type's documentation).
    public func interrupt() {
        if !self.isFinished { pthread_kill(self.thread, SIGTERM) }
    }

    /// Waits for the closure to return.
    public func join() {
        pthread_join(self.thread, nil)
    }
}

extension WorkerThread {
    /// Starts `body` on a thread nobody joins: it runs until it returns or the process ends.
    /// - Throws: `SystemError` when the thread cannot be started.
    public static func startDetached(_ body: @escaping @Sendable () -> Void) throws(SystemError) {
        let thread = try WorkerThread(body)
        pthread_detach(thread.thread)
    }
}
