/// The header that starts every section of a DMRecord stream (docs/record-format.md, section 2).
public struct StreamHeader: Hashable, Sendable {
    /// The only format version this library reads and writes.
    @inlinable public static var formatVersion: UInt16 { 1 }
    /// Size of the fixed part: magic, version, flags, entries length.
    @inlinable public static var fixedSize: Int { 16 }
    /// The largest entries length a header may declare.
    public static let maximumEntriesLength = 1 << 20

    /// The header's entries in stream order.
    public var entries: [HeaderEntry]

    public init(entries: [HeaderEntry] = []) {
        self.entries = entries
    }

    /// The PROVENANCE entries decoded, first stage first. Undecodable ones are skipped.
    public var provenance: [Provenance] {
        self.entries.compactMap { $0.tag == HeaderEntry.provenanceTag ? Provenance(value: $0.value) : nil }
    }

    /// The header a stage writes downstream: these entries followed by the stage's own.
    public func appending(_ entry: HeaderEntry) -> StreamHeader {
        var copy = self
        copy.entries.append(entry)
        return copy
    }

    /// The total encoded size in bytes.
    public var encodedSize: Int {
        StreamHeader.fixedSize + self.entries.reduce(0) { $0 + $1.encodedSize }
    }

    /// The encoded header bytes.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(self.encodedSize)
        bytes.append(contentsOf: StreamMagic.header)
        bytes.appendLittleEndian(StreamHeader.formatVersion)
        bytes.appendLittleEndian(UInt16(0))
        bytes.appendLittleEndian(UInt32(self.encodedSize - StreamHeader.fixedSize))
        for entry in self.entries {
            bytes.appendLittleEndian(UInt32(4 + entry.value.count))
            bytes.appendLittleEndian(entry.tag)
            bytes.appendLittleEndian(entry.flags)
            bytes.append(contentsOf: entry.value)
        }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in little-endian byte order. For cold paths (headers); hot paths store
    /// into reserved buffers instead.
    @inlinable
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        for index in 0..<MemoryLayout<T>.size { self.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }
}
