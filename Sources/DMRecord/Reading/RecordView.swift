import DMBytes

/// One record of a stream, viewed in place in the reader's buffer.
///
/// A view is valid only until the next call to ``RecordReader/next()``: copy what must outlive
/// it (``RecordWriter/write(_:)`` copies the whole record).
@frozen
public struct RecordView {
    /// The whole record: length field, type, flags and body.
    public let rawBytes: UnsafeRawBufferPointer

    /// Wraps a complete record whose length field the reader has validated.
    @inlinable
    init(rawBytes: UnsafeRawBufferPointer) {
        self.rawBytes = rawBytes
    }

    /// The record type.
    @inlinable
    public var type: RecordType { RecordType(rawValue: self.rawBytes.loadLittleEndian(at: 4)) }

    /// The type-specific flags.
    @inlinable
    public var flags: UInt16 { self.rawBytes.loadLittleEndian(at: 6) }

    /// The body: everything after the type and flags.
    @inlinable
    public var body: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self.rawBytes[RecordFraming.prefixSize...])
    }
}
