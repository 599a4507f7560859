import DMBytes

/// Byte signatures a reader recognises at the start of a stream or at a record boundary.
public enum StreamMagic {
    /// The DMRecord header magic: `\x89DMR\r\n\x1a\n`.
    public static let header: [UInt8] = [0x89, 0x44, 0x4D, 0x52, 0x0D, 0x0A, 0x1A, 0x0A]
    /// `header` read as a little-endian length field: larger than any record length.
    @inlinable public static var headerAsLength: UInt32 { 0x524D_4489 }
    /// The first eight magic bytes as one little-endian word, for a single compare.
    @inlinable public static var headerWord: UInt64 { 0x0A1A_0A0D_524D_4489 }
    /// The LZ4 frame magic `04 22 4D 18` as a little-endian length field.
    @inlinable public static var lz4FrameAsLength: UInt32 { 0x184D_2204 }

    /// Formats that are not DMRecord streams but are often handed to a stage by mistake.
    public enum ForeignFormat: String, Sendable {
        case pcap = "a pcap capture"
        case pcapng = "a pcapng capture"
        case gzip = "gzip-compressed data"
        case zstd = "zstd-compressed data"
        case xz = "xz-compressed data"
        case bzip2 = "bzip2-compressed data"
        case legacyLZ4 = "legacy-format LZ4 data"

        /// What the user can do instead.
        public var advice: String {
            switch self {
            case .pcap, .pcapng: return "read captures with dm-capture --input FILE (or pipe them to dm-parse)"
            case .gzip: return "decompress it first (zcat FILE | …)"
            case .zstd: return "decompress it first (zstdcat FILE | …)"
            case .xz: return "decompress it first (xzcat FILE | …)"
            case .bzip2: return "decompress it first (bzcat FILE | …)"
            case .legacyLZ4: return "recompress it as an LZ4 frame (lz4 -dc FILE | lz4 -c) or decompress it"
            }
        }
    }

    /// Recognises a foreign format from the first bytes of `prefix` (at least 4 bytes).
    public static func foreignFormat(_ prefix: ByteView) -> ForeignFormat? {
        guard prefix.count >= 4 else { return nil }
        let b0 = prefix[0], b1 = prefix[1], b2 = prefix[2], b3 = prefix[3]
        switch (b0, b1, b2, b3) {
        case (0xD4, 0xC3, 0xB2, 0xA1), (0xA1, 0xB2, 0xC3, 0xD4),
            (0x4D, 0x3C, 0xB2, 0xA1), (0xA1, 0xB2, 0x3C, 0x4D):
            return .pcap
        case (0x0A, 0x0D, 0x0D, 0x0A): return .pcapng
        case (0x28, 0xB5, 0x2F, 0xFD): return .zstd
        case (0xFD, 0x37, 0x7A, 0x58): return .xz
        case (0x02, 0x21, 0x4C, 0x18): return .legacyLZ4
        default: break
        }
        if b0 == 0x1F && b1 == 0x8B { return .gzip }
        if b0 == 0x42 && b1 == 0x5A && b2 == 0x68 { return .bzip2 }
        return nil
    }
}
