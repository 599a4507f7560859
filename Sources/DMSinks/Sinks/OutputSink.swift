import DMBytes

/// A destination for formatted records, one line each: standard output, a file, syslog.
///
/// The sink owns its framing (a newline, a syslog header) and its buffering; the caller
/// renders each record once per format and offers the bytes to every sink that wants them.
public protocol OutputSink: AnyObject {
    /// The name in counters and messages: `stdout`, `file`, `syslog`.
    var name: String { get }
    /// What happened to the records offered so far.
    var counters: SinkCounters { get set }
    /// Writes one formatted record captured at `timeNanoseconds`. `line` ends in a newline,
    /// which line-oriented sinks keep and message-oriented ones (syslog) drop.
    func write(_ line: ByteView, timeNanoseconds: UInt64) throws(SinkError)
    /// Writes a line that is not a record (CSV's header) ahead of the records, uncounted.
    func writeHeader(_ line: ByteView) throws(SinkError)
    /// Hands buffered lines to the operating system: the input is idle, or a line waited 100 ms.
    func flush() throws(SinkError)
    /// Reopens the destination: after SIGHUP, when logrotate has moved a file away.
    func reopen() throws(SinkError)
    /// Flushes and closes; called once at the end.
    func finish() throws(SinkError)
}
