/// How one RDATA field is stored on the wire, in the terms miekg/dns unpacks it with (dnsmonster
/// prints what miekg decodes, so its rules are the ones to follow).
enum RDataFieldKind {
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

    /// Whether the RDATA may end right after this field, leaving later fields at their zero
    /// values. miekg allows that after every field except one whose size another field gives.
    var allowsEndAfter: Bool {
        switch self {
        case .hexSized, .base64Sized, .base32Sized: return false
        default: return true
        }
    }
}

/// One RDATA field: its JSON key (miekg's Go struct field name) and its wire layout.
struct RDataField {
    /// The key dnsmonster's JSON uses for the field.
    let key: StaticString
    /// How the field is stored.
    let kind: RDataFieldKind

    init(_ key: StaticString, _ kind: RDataFieldKind) {
        self.key = key
        self.kind = kind
    }
}
