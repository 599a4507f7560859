#if canImport(Glibc)
import Glibc
#endif

/// Clock readings in nanoseconds.
public enum WallClock {
    /// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
    @inlinable
    public static func nowNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// Nanoseconds on a clock that never jumps (CLOCK_MONOTONIC), for flush deadlines.
    @inlinable
    public static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}
