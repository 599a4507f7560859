/// Constants of the record framing shared by records and header entries
/// (docs/record-format.md, sections 2 and 3).
public enum RecordFraming {
    /// Size of the length prefix.
    @inlinable public static var lengthFieldSize: Int { 4 }
    /// Size of the length prefix, type and flags: the bytes in front of every body.
    @inlinable public static var prefixSize: Int { 8 }
    /// The largest value the length field may hold (1 MiB): type + flags + body.
    @inlinable public static var maximumLength: Int { 1 << 20 }
    /// The largest whole record, length field included.
    @inlinable public static var maximumRecordSize: Int { maximumLength + lengthFieldSize }
    /// The largest body a record can carry.
    @inlinable public static var maximumBodySize: Int { maximumLength - 4 }
}
