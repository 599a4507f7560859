import DMSystem

/// When a stage writes its periodic STATS: once every interval of monotonic time, checked
/// where the stage's loop passes anyway (once per batch of records). A stage whose input is
/// idle writes none, and its counters do not change meanwhile either, so a consumer holding
/// the latest STATS of every stage is never behind by more than one interval of traffic.
public struct StatsSchedule: Sendable {
    /// Nanoseconds between two periodic STATS; 0 for none.
    public let intervalNanoseconds: UInt64
    private var deadline: UInt64

    /// A schedule every `seconds` (none when it is 0 or less), the first one `seconds` from now.
    public init(seconds: Double) {
        self.intervalNanoseconds = seconds > 0 ? UInt64(seconds * 1e9) : 0
        self.deadline = WallClock.monotonicNanoseconds() &+ self.intervalNanoseconds
    }

    /// No periodic STATS, only the final one.
    public static let never = StatsSchedule(seconds: 0)

    /// Whether a periodic STATS is due now; when it is, the next one is an interval away.
    @inlinable
    public mutating func isDue() -> Bool {
        guard self.intervalNanoseconds > 0 else { return false }
        return self.isDue(now: WallClock.monotonicNanoseconds())
    }

    /// Whether a periodic STATS is due at `now` (monotonic nanoseconds).
    public mutating func isDue(now: UInt64) -> Bool {
        guard self.intervalNanoseconds > 0, now >= self.deadline else { return false }
        self.deadline = now &+ self.intervalNanoseconds
        return true
    }
}
