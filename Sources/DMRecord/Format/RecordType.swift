/// The type of a record in a DMRecord stream (docs/record-format.md, section 3).
///
/// A struct rather than an enum so that reserved and private types round-trip unchanged:
/// every stage must forward types it does not know.
@frozen
public struct RecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// One captured link-layer frame.
    @inlinable public static var packet: RecordType { RecordType(rawValue: 1) }
    /// One DNS message with its transport metadata.
    @inlinable public static var dns: RecordType { RecordType(rawValue: 2) }
    /// Counters of one stage, forwarded downstream.
    @inlinable public static var stats: RecordType { RecordType(rawValue: 3) }

    /// The first type number free for users' own stages.
    @inlinable public static var firstPrivate: UInt16 { 0x8000 }

    public var description: String {
        switch self {
        case .packet: return "PACKET"
        case .dns: return "DNS"
        case .stats: return "STATS"
        default:
            return self.rawValue >= RecordType.firstPrivate
                ? "PRIVATE(\(self.rawValue))" : "RESERVED(\(self.rawValue))"
        }
    }
}
