import DMBytes

/// Consecutive records of a ``RecordRun`` that a stage passes on unchanged, collected so each
/// stretch reaches ``RecordWriter/writeRecords(_:count:)`` in one piece (one copy, or none for
/// long stretches) instead of record by record.
@frozen
public struct RecordStretch {
    @usableFromInline var start = 0
    @usableFromInline var end = 0
    @usableFromInline var count = 0

    @inlinable
    public init() {}

    /// Adds the record of `size` bytes at `offset` in the run; records must come in run order.
    @inlinable
    public mutating func extend(offset: Int, size: Int) {
        if self.count == 0 { self.start = offset }
        self.end = offset &+ size
        self.count &+= 1
    }

    /// Writes the stretch collected so far (if any) and starts a new one: at a record that is
    /// dropped or changed, and at the end of the run.
    @inlinable
    public mutating func flush(_ run: RecordRun, to writer: RecordWriter) throws(RecordWriteError) {
        guard self.count > 0 else { return }
        try writer.writeRecords(run.rawBytes.subview(self.start..<self.end), count: self.count)
        self.count = 0
    }
}
