/// Constants of the record framing shared by records and header entries
/// (docs/record-format.md, sections 2 and 3).
public enum RecordFraming {
    /// Size of the length prefix.
    @inlinable public static var lengthFieldSize: Int { 4 }
    /// Size of the length prefix, type and flags: the bytes in front of every body.
    @inlinable public static var prefixSize: Int { 8 }
    /// The largest value the length field may hold (1 MiB): type + flags + body.
    public static let maximumLength = 1 << 20
    /// The largest whole record, length field included.
    public static let maximumRecordSize = maximumLength + lengthFieldSize
    /// The largest body a record can carry.
    public static let maximumBodySize = maximumLength - 4
}
