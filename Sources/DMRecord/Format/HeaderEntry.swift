/// One typed entry of a stream header (docs/record-format.md, section 2).
///
/// Entries are framed like records. Stages copy every entry, known or not, into the header
/// they write, so provenance accumulates along the pipeline.
public struct HeaderEntry: Hashable, Sendable {
    /// The entry's tag (1 PROVENANCE, 2 SOURCE, 0x8000… private).
    public var tag: UInt16
    /// The entry's flags, forwarded unchanged.
    public var flags: UInt16
    /// The entry's value bytes.
    public var value: [UInt8]

    /// Tag of an entry that names one stage that touched the stream.
    @inlinable public static var provenanceTag: UInt16 { 1 }
    /// Tag of an entry that names where the data came from.
    @inlinable public static var sourceTag: UInt16 { 2 }

    public init(tag: UInt16, flags: UInt16 = 0, value: [UInt8]) {
        self.tag = tag
        self.flags = flags
        self.value = value
    }

    /// A SOURCE entry naming where the data came from (a file path, `iface:eth0`, …).
    public static func source(_ text: String) -> HeaderEntry {
        HeaderEntry(tag: sourceTag, value: Array(text.utf8))
    }

    /// The number of bytes this entry takes in a header.
    public var encodedSize: Int { RecordFraming.prefixSize + self.value.count }
}
