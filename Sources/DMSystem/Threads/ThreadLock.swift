#if canImport(Glibc)
import Glibc
#endif

/// A mutual-exclusion lock over pthread_mutex, for state several threads of one stage share
/// (dm-out's sinks written by its rendering threads). Typed throws pass through ``withLock(_:)``.
public class ThreadLock: @unchecked Sendable {
    let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init() {
        self.mutex = .allocate(capacity: 1)
        self.mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(self.mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(self.mutex)
        self.mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    @inlinable
    public final func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        self.lock()
        defer { self.unlock() }
        return try body()
    }

    @usableFromInline final func lock() { pthread_mutex_lock(self.mutex) }
    @usableFromInline final func unlock() { pthread_mutex_unlock(self.mutex) }
}
