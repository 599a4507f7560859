#if canImport(Glibc)
import Glibc
#endif

/// A lock with a condition variable over pthread_mutex and pthread_cond (on the monotonic
/// clock), for a queue whose consumers sleep until work comes or a deadline passes.
///
/// The condition is always waited for and signalled holding the lock: ``withLock(_:)`` runs
/// a body holding it, and ``wait(untilMonotonic:)`` may only be called from such a body.
public final class ThreadCondition: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        self.mutex = .allocate(capacity: 1)
        self.mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(self.mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        self.condition = .allocate(capacity: 1)
        self.condition.initialize(to: pthread_cond_t())
        pthread_cond_init(self.condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(self.condition)
        self.condition.deallocate()
        pthread_mutex_destroy(self.mutex)
        self.mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    @inlinable
    public func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        self.lock()
        defer { self.unlock() }
        return try body()
    }

    @usableFromInline func lock() { pthread_mutex_lock(self.mutex) }
    @usableFromInline func unlock() { pthread_mutex_unlock(self.mutex) }

    /// Releases the lock until signalled or until the monotonic clock
    /// (``WallClock/monotonicNanoseconds()``) reaches `deadline`, then holds it again. Call it
    /// in a loop that tests what it waits for: a wake-up may be spurious.
    /// - Parameter deadline: monotonic nanoseconds; `nil` waits for a signal only.
    public func wait(untilMonotonic deadline: UInt64?) {
        guard let deadline else {
            pthread_cond_wait(self.condition, self.mutex)
            return
        }
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        _ = pthread_cond_timedwait(self.condition, self.mutex, &time)
    }

    /// Wakes every waiting thread.
    public func broadcast() { pthread_cond_broadcast(self.condition) }

    /// Wakes one waiting thread.
    public func signal() { pthread_cond_signal(self.condition) }
}
