#if canImport(Glibc)
import Glibc
#endif

/// A ``ThreadLock`` with a condition variable (pthread_cond on the monotonic clock), for a
/// queue whose consumers sleep until work comes or a deadline passes.
///
/// The condition is always waited for and signalled holding the lock: ``wait(untilMonotonic:)``
/// may only be called from a body run by ``ThreadLock/withLock(_:)``.
public final class ThreadCondition: ThreadLock, @unchecked Sendable {
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    public override init() {
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        self.condition = .allocate(capacity: 1)
        self.condition.initialize(to: pthread_cond_t())
        pthread_cond_init(self.condition, &attributes)
        pthread_condattr_destroy(&attributes)
        super.init()
    }

    deinit {
        pthread_cond_destroy(self.condition)
        self.condition.deallocate()
    }

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
}
