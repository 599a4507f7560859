import DMBytes

/// One record of a stream, viewed in place in the reader's buffer.
///
/// A view is valid only until the next call to ``RecordReader/next()``: copy what must outlive
/// it (``RecordWriter/write(_:)`` copies the whole record).
@frozen
public struct RecordView {
    /// The whole record: length field, type, flags and body.
    public let rawBytes: ByteView

    /// Wraps a complete record whose length field the reader has validated (at least 4, so the
    /// record holds at least its 8-byte prefix).
    @inlinable
    init(rawBytes: ByteView) {
        assert(rawBytes.count >= RecordFraming.prefixSize)
        self.rawBytes = rawBytes
    }

    /// The record type.
    @inlinable
    public var type: RecordType { RecordType(rawValue: self.rawBytes.uncheckedLoadLittleEndian(at: 4)) }

    /// The type-specific flags.
    @inlinable
    public var flags: UInt16 { self.rawBytes.uncheckedLoadLittleEndian(at: 6) }

    /// The body: everything after the type and flags.
    @inlinable
    public var body: ByteView { self.rawBytes.subview(from: RecordFraming.prefixSize) }
}
