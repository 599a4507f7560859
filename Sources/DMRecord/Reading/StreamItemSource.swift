import DMSystem

/// Something a stage reads headers and records from: one ``RecordReader``, or a
/// ``RecordStreamMerger`` over several.
public protocol StreamItemSource: AnyObject {
    /// The next header or record, or nil at the end of the input(s).
    func next() throws(RecordStreamError) -> StreamItem?
    /// Where the last item ended in its own input, for error messages.
    var offset: UInt64 { get }
    /// The name of the input the last item came from.
    var inputName: String { get }
    /// Whether SIGINT or SIGTERM ended the input.
    var stoppedBySignal: Bool { get }
    /// Told when the input runs dry.
    var idleObserver: (any InputIdleObserver)? { get set }
}

extension RecordReader: StreamItemSource {}
extension RecordStreamMerger: StreamItemSource {}
