#if canImport(Glibc)
import Glibc
#endif

/// What a system call retried on EINTR came to.
public enum SystemCallOutcome<Value> {
    /// It succeeded with this result.
    case value(Value)
    /// A signal interrupted it while the caller's stop signal was raised.
    case interrupted
    /// It failed with this errno.
    case failed(Int32)
}

/// The one place a system call is retried when a signal interrupts it (EINTR).
///
/// Stages install their signal handlers without SA_RESTART, so a blocked call returns EINTR
/// at a signal; `stop` decides whether it is then retried (a stop nobody raised) or given up
/// (``SystemCallOutcome/interrupted``). Without `stop` it is always retried: writes of data
/// already buffered finish even while the process stops.
/// - Parameters:
///   - stop: the stop request that ends the retries, if any.
///   - call: the call; a negative result means failure with the reason in errno.
@inlinable
public func retryingInterrupts<Value: SignedInteger>(stop: StopSignal? = nil, _ call: () -> Value) -> SystemCallOutcome<Value> {
    while true {
        let result = call()
        if result >= 0 { return .value(result) }
        let code = errno
        guard code == EINTR else { return .failed(code) }
        if let stop, stop.isRaised { return .interrupted }
    }
}

extension WallClock {
    /// Sleeps for `nanoseconds`, the whole time even when signals interrupt the sleep.
    public static func sleep(nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
