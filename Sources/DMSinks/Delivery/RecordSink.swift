import DMBytes
import DMRecord

/// A sink that takes DNS records themselves, not rendered lines, and encodes them in its
/// own way (columns, line protocol …): the database and bus sinks. One instance serves every
/// rendering thread, so its methods are thread-safe.
public protocol RecordSink: AnyObject {
    /// The name in counters and messages: `clickhouse`.
    var name: String { get }
    /// Takes one DNS record (`body` is its record body, `record` the view of it). Never waits
    /// on the network.
    func write(_ record: DNSRecordView, body: ByteView)
    /// Counts a record its output type left out.
    func countSkipped()
    /// Delivers what is left within its drain time, spools or counts the rest, and stops.
    func finish()
    /// What it did so far.
    var deliveryCounters: DeliveryCounters { get }
    /// Records its output type left out so far.
    var skipped: UInt64 { get }
}
