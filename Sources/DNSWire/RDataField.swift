/// How one RDATA field is stored on the wire, in the terms miekg/dns unpacks it with (dnsmonster
/// prints what miekg decodes, so its rules are the ones to follow).
public enum RDataFieldKind: Equatable, Sendable {
    /// Big-endian unsigned integers of 1, 2, 4, 6 (TSIG time) and 8 bytes.
    case uint8, uint16, uint32, uint48, uint64
    /// 4 bytes of IPv4 address.
    case ipv4Address
    /// 16 bytes of IPv6 address.
    case ipv6Address
    /// A domain name; compression pointers may only point before the end of the record.
    case name
    /// A character-string: a length byte and that many bytes, printed with miekg's escapes.
    case characterString
    /// The rest of the RDATA as raw bytes (CAA value, URI target, NULL data), printed unescaped.
    case octetsToEnd
    /// Character-strings up to the end of the RDATA (TXT, SPF, AVC, NINFO).
    case characterStringsToEnd
    /// The rest of the RDATA, printed as lowercase hex.
    case hexToEnd
    /// The rest of the RDATA, printed as base64.
    case base64ToEnd
    /// As many bytes as the earlier field at index `lengthField` says, printed as hex.
    case hexSized(lengthField: Int)
    /// As many bytes as the earlier field at index `lengthField` says, printed as base64.
    case base64Sized(lengthField: Int)
    /// As many bytes as the earlier field at index `lengthField` says, printed as base32hex (NSEC3).
    case base32Sized(lengthField: Int)
    /// An NSEC-style type bitmap up to the end of the RDATA.
    case typeBitmap
    /// Domain names up to the end of the RDATA (HIP rendezvous servers).
    case namesToEnd
    /// EDNS options up to the end of the RDATA (OPT).
    case ednsOptions
    /// SVCB/HTTPS parameters up to the end of the RDATA.
    case serviceParameters
    /// APL items up to the end of the RDATA.
    case aplItems

    /// The bytes the field takes whatever its value, or nil when its content decides.
    public var fixedSize: Int? {
        switch self {
        case .uint8: return 1
        case .uint16: return 2
        case .uint32, .ipv4Address: return 4
        case .uint48: return 6
        case .uint64: return 8
        case .ipv6Address: return 16
        default: return nil
        }
    }

    /// Whether the RDATA may end right after this field, leaving later fields at their zero
    /// values. miekg allows that after every field except one whose size another field gives.
    public var allowsEndAfter: Bool {
        switch self {
        case .hexSized, .base64Sized, .base32Sized: return false
        default: return true
        }
    }
}

/// How miekg/dns's `RR.String()` prints a field in presentation format, where that is not
/// simply what its ``RDataFieldKind`` implies (decimal integers, names, addresses, lowercase hex,
/// base64, base32hex, type mnemonics for a bitmap, character-strings as escaped text).
///
/// A few styles on a record's first field also choose the form of the whole line: RFC 3597
/// generic data, NULL's comment, TKEY's comment and TSIG's pseudo-section.
public enum RDataPresentation: Equatable, Sendable {
    /// What the kind implies.
    case standard
    /// Not printed (a length that the next field's text already shows).
    case hidden
    /// A character-string in double quotes (HINFO, UINFO, NAPTR).
    case quoted
    /// A type number as its mnemonic (`A`, `TYPE65280`).
    case typeMnemonic
    /// A 32- or 48-bit time as `YYYYMMDDHHMMSS` in UTC.
    case time
    /// CERT's certificate type as its mnemonic (`PKIX`) or number.
    case certificateType
    /// A DNSSEC algorithm as its mnemonic (`RSASHA256`) or number.
    case algorithm
    /// Hex in upper case (DS and SSHFP digests, EID, NIMLOC, the TSIG MAC).
    case uppercaseHex
    /// NSEC3 salt: upper-case hex, `-` when empty.
    case salt
    /// A 64-bit identifier as four groups of four hex digits (`NID` lower case, `L64` upper).
    case hexGroups(uppercase: Bool)
    /// An EUI-48 or EUI-64 as dash-separated lowercase hex bytes.
    case eui
    /// One of LOC's seven fields; the record is printed from all seven at its end.
    case location
    /// Hex split into chunks of 1024 digits separated by spaces (SMIMEA).
    case chunkedHex
    /// RFC 3597 generic data: the line is `name TTL CLASSn TYPEn \# length hex`.
    case genericData
    /// NULL's data: the line is a comment, `;` + header + the bytes as they are.
    case nullData
    /// TKEY's algorithm name: the line is a comment and every field follows a space.
    case commentedAlgorithm
    /// TSIG's algorithm name: the line is a pseudo-section and every field follows a space.
    case pseudoSectionAlgorithm
}

/// One RDATA field: its JSON key (miekg's Go struct field name), its wire layout and how its
/// presentation text differs from what the layout implies.
public struct RDataField: Sendable {
    /// The key dnsmonster's JSON uses for the field.
    public let key: StaticString
    /// How the field is stored.
    public let kind: RDataFieldKind
    /// How `RR.String()` prints it.
    public let presentation: RDataPresentation

    public init(_ key: StaticString, _ kind: RDataFieldKind, _ presentation: RDataPresentation = .standard) {
        self.key = key
        self.kind = kind
        self.presentation = presentation
    }
}
