/// What happened to the records offered to one sink.
public struct SinkCounters: Hashable, Sendable {
    /// Records written (handed to the operating system, or sent).
    public var written: UInt64 = 0
    /// Records the sink's output type left out.
    public var skipped: UInt64 = 0
    /// Records lost to a failing destination (a syslog server down, a send error).
    public var failed: UInt64 = 0

    public init() {}
}
