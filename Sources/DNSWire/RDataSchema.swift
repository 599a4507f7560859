import DMBytes

/// The layout of every record type's RDATA: the one place that knows which fields a type has,
/// in which order, how each is stored and how miekg's `RR.String()` prints it. The validator
/// walks these fields to check a record; the JSON renderer walks the same fields to print it,
/// under the keys listed here; ``DNSPresentation`` prints them in presentation format.
///
/// The types and fields are miekg/dns 1.1.50's (the Go library dnsmonster decodes with); a type
/// it does not know is printed as RFC 3597 hex under "Rdata".
public enum RDataSchema {
    /// The fields of `type`, in wire order, from a table built once: every record of every
    /// message looks its type up, and handing out an array each time costs two atomic
    /// reference-count operations and a lazy-global check per record.
    @inlinable @inline(__always)
    public static func fieldTable(of type: UInt16) -> StaticTable<RDataField> {
        self.layout(of: type, in: Self.table).fields
    }

    /// One type's RDATA layout as the table holds it.
    public struct Layout: Sendable {
        /// The fields, in wire order.
        public var fields: StaticTable<RDataField>
        /// The RDATA length when every field has a fixed size (A: 4, AAAA: 16, MX without its
        /// name does not qualify), else -1. RDATA of exactly this length is valid for the
        /// type, so the validator accepts it without walking the fields.
        public var fixedSize: Int
        /// Whether the RDATA is one name and nothing else (CNAME, NS, PTR, DNAME …): the
        /// validator skips such a name itself and remembers where it starts, because the
        /// records after a CNAME name their owner by a pointer to its target.
        public var isSingleName: Bool
    }

    /// Every type's layout, for ``layout(of:in:)``: a walk over a message reads this global
    /// once (each read of a lazily built global checks that it was built), not once per record.
    @inline(__always)
    public static var layouts: StaticTable<Layout> { Self.table }

    /// The layout of `type` in ``layouts``.
    @inlinable @inline(__always)
    public static func layout(of type: UInt16, in table: StaticTable<Layout>) -> Layout {
        if Int(type) < Self.directTypes { return table[Int(type)] }
        return table[Self.slot(ofRareType: type)]
    }

    /// The slot of a type past the directly indexed ones, kept out of line: inlined, its
    /// three table addresses were computed ahead of every message's record loop.
    @inline(never)
    @usableFromInline static func slot(ofRareType type: UInt16) -> Int {
        switch type {
        case 32768: Self.directTypes
        case 32769: Self.directTypes + 1
        default: Self.directTypes + 2  // the unknown type's layout
        }
    }

    /// Types below this have their own slot in ``table``.
    @usableFromInline static let directTypes = 260

    /// Slots 0..<260 by type number, then TA, DLV and unknown.
    @usableFromInline static let table: StaticTable<Layout> = {
        let types = (0..<UInt16(Self.directTypes)).map { $0 } + [32768, 32769, 65535]
        return StaticTable(types.map { type in
            let fields = type == 65535 ? Self.unknown : Self.fields(of: type)
            let sizes = fields.map(\.kind.fixedSize)
            let fixedSize = fields.isEmpty || sizes.contains(nil) ? -1 : sizes.reduce(0) { $0 + $1! }
            let isSingleName = fields.count == 1 && fields[0].kind == .name
            return Layout(fields: StaticTable(fields), fixedSize: fixedSize, isSingleName: isSingleName)
        })
    }()

    /// The fields of `type`, in wire order, as an array (``fieldTable(of:)`` looks them up
    /// without reference counting, for per-record use).
    public static func fields(of type: UInt16) -> [RDataField] {
        switch type {
        case 1: return self.a
        case 2: return self.ns
        case 3: return self.md
        case 4: return self.mf
        case 5, 39: return self.target
        case 6: return self.soa
        case 7: return self.mb
        case 8: return self.mg
        case 9: return self.mr
        case 10: return self.null
        case 12, 23: return self.ptr
        case 13: return self.hinfo
        case 14: return self.minfo
        case 15: return self.mx
        case 16, 99, 258: return self.txt
        case 17: return self.rp
        case 18: return self.afsdb
        case 19: return self.x25
        case 21: return self.rt
        case 24, 46: return self.rrsig
        case 25, 48, 57, 60: return self.dnskey
        case 26: return self.px
        case 27: return self.gpos
        case 28: return self.aaaa
        case 29: return self.loc
        case 31: return self.eid
        case 32: return self.nimloc
        case 33: return self.srv
        case 35: return self.naptr
        case 36: return self.kx
        case 37: return self.cert
        case 41: return self.opt
        case 42: return self.apl
        case 43, 59, 32768, 32769: return self.ds
        case 44: return self.sshfp
        case 47: return self.nsec
        case 49: return self.dhcid
        case 50: return self.nsec3
        case 51: return self.nsec3param
        case 52: return self.tlsa
        case 53: return self.smimea
        case 55: return self.hip
        case 56: return self.ninfo
        case 58: return self.talink
        case 61: return self.openpgpkey
        case 62: return self.csync
        case 63: return self.zonemd
        case 64, 65: return self.svcb
        case 100: return self.uinfo
        case 101: return self.uid
        case 102: return self.gid
        case 104: return self.nid
        case 105: return self.l32
        case 106: return self.l64
        case 107: return self.lp
        case 108: return self.eui48
        case 109: return self.eui64
        case 249: return self.tkey
        case 250: return self.tsig
        case 255: return self.any
        case 256: return self.uri
        case 257: return self.caa
        default: return self.unknown
        }
    }

    static let a = [RDataField("A", .ipv4Address)]
    static let ns = [RDataField("Ns", .name)]
    static let md = [RDataField("Md", .name)]
    static let mf = [RDataField("Mf", .name)]
    static let target = [RDataField("Target", .name)]
    static let soa = [
        RDataField("Ns", .name), RDataField("Mbox", .name), RDataField("Serial", .uint32),
        RDataField("Refresh", .uint32), RDataField("Retry", .uint32), RDataField("Expire", .uint32),
        RDataField("Minttl", .uint32),
    ]
    static let mb = [RDataField("Mb", .name)]
    static let mg = [RDataField("Mg", .name)]
    static let mr = [RDataField("Mr", .name)]
    static let null = [RDataField("Data", .octetsToEnd, .nullData)]
    static let ptr = [RDataField("Ptr", .name)]
    static let hinfo = [RDataField("Cpu", .characterString, .quoted), RDataField("Os", .characterString, .quoted)]
    static let minfo = [RDataField("Rmail", .name), RDataField("Email", .name)]
    static let mx = [RDataField("Preference", .uint16), RDataField("Mx", .name)]
    static let txt = [RDataField("Txt", .characterStringsToEnd)]
    static let rp = [RDataField("Mbox", .name), RDataField("Txt", .name)]
    static let afsdb = [RDataField("Subtype", .uint16), RDataField("Hostname", .name)]
    static let x25 = [RDataField("PSDNAddress", .characterString)]
    static let rt = [RDataField("Preference", .uint16), RDataField("Host", .name)]
    static let rrsig = [
        RDataField("TypeCovered", .uint16, .typeMnemonic), RDataField("Algorithm", .uint8), RDataField("Labels", .uint8),
        RDataField("OrigTtl", .uint32), RDataField("Expiration", .uint32, .time), RDataField("Inception", .uint32, .time),
        RDataField("KeyTag", .uint16), RDataField("SignerName", .name), RDataField("Signature", .base64ToEnd),
    ]
    static let dnskey = [
        RDataField("Flags", .uint16), RDataField("Protocol", .uint8), RDataField("Algorithm", .uint8),
        RDataField("PublicKey", .base64ToEnd),
    ]
    static let px = [RDataField("Preference", .uint16), RDataField("Map822", .name), RDataField("Mapx400", .name)]
    static let gpos = [
        RDataField("Longitude", .characterString), RDataField("Latitude", .characterString),
        RDataField("Altitude", .characterString),
    ]
    static let aaaa = [RDataField("AAAA", .ipv6Address)]
    static let loc = [
        RDataField("Version", .uint8, .location), RDataField("Size", .uint8, .location),
        RDataField("HorizPre", .uint8, .location), RDataField("VertPre", .uint8, .location),
        RDataField("Latitude", .uint32, .location), RDataField("Longitude", .uint32, .location),
        RDataField("Altitude", .uint32, .location),
    ]
    static let eid = [RDataField("Endpoint", .hexToEnd, .uppercaseHex)]
    static let nimloc = [RDataField("Locator", .hexToEnd, .uppercaseHex)]
    static let srv = [
        RDataField("Priority", .uint16), RDataField("Weight", .uint16), RDataField("Port", .uint16),
        RDataField("Target", .name),
    ]
    static let naptr = [
        RDataField("Order", .uint16), RDataField("Preference", .uint16), RDataField("Flags", .characterString, .quoted),
        RDataField("Service", .characterString, .quoted), RDataField("Regexp", .characterString, .quoted),
        RDataField("Replacement", .name),
    ]
    static let kx = [RDataField("Preference", .uint16), RDataField("Exchanger", .name)]
    static let cert = [
        RDataField("Type", .uint16, .certificateType), RDataField("KeyTag", .uint16),
        RDataField("Algorithm", .uint8, .algorithm), RDataField("Certificate", .base64ToEnd),
    ]
    static let opt = [RDataField("Option", .ednsOptions)]
    static let apl = [RDataField("Prefixes", .aplItems)]
    static let ds = [
        RDataField("KeyTag", .uint16), RDataField("Algorithm", .uint8), RDataField("DigestType", .uint8),
        RDataField("Digest", .hexToEnd, .uppercaseHex),
    ]
    static let sshfp = [
        RDataField("Algorithm", .uint8), RDataField("Type", .uint8), RDataField("FingerPrint", .hexToEnd, .uppercaseHex),
    ]
    static let nsec = [RDataField("NextDomain", .name), RDataField("TypeBitMap", .typeBitmap)]
    static let dhcid = [RDataField("Digest", .base64ToEnd)]
    static let nsec3 = [
        RDataField("Hash", .uint8), RDataField("Flags", .uint8), RDataField("Iterations", .uint16),
        RDataField("SaltLength", .uint8, .hidden), RDataField("Salt", .hexSized(lengthField: 3), .salt),
        RDataField("HashLength", .uint8, .hidden), RDataField("NextDomain", .base32Sized(lengthField: 5)),
        RDataField("TypeBitMap", .typeBitmap),
    ]
    static let nsec3param = [
        RDataField("Hash", .uint8), RDataField("Flags", .uint8), RDataField("Iterations", .uint16),
        RDataField("SaltLength", .uint8, .hidden), RDataField("Salt", .hexSized(lengthField: 3), .salt),
    ]
    static let tlsa = [
        RDataField("Usage", .uint8), RDataField("Selector", .uint8), RDataField("MatchingType", .uint8),
        RDataField("Certificate", .hexToEnd),
    ]
    /// SMIMEA: TLSA's fields; miekg prints the certificate in chunks of 1024 hex digits.
    static let smimea = [
        RDataField("Usage", .uint8), RDataField("Selector", .uint8), RDataField("MatchingType", .uint8),
        RDataField("Certificate", .hexToEnd, .chunkedHex),
    ]
    static let hip = [
        RDataField("HitLength", .uint8, .hidden), RDataField("PublicKeyAlgorithm", .uint8),
        RDataField("PublicKeyLength", .uint16, .hidden), RDataField("Hit", .hexSized(lengthField: 0)),
        RDataField("PublicKey", .base64Sized(lengthField: 2)), RDataField("RendezvousServers", .namesToEnd),
    ]
    static let ninfo = [RDataField("ZSData", .characterStringsToEnd)]
    static let talink = [RDataField("PreviousName", .name), RDataField("NextName", .name)]
    static let openpgpkey = [RDataField("PublicKey", .base64ToEnd)]
    static let csync = [RDataField("Serial", .uint32), RDataField("Flags", .uint16), RDataField("TypeBitMap", .typeBitmap)]
    static let zonemd = [
        RDataField("Serial", .uint32), RDataField("Scheme", .uint8), RDataField("Hash", .uint8),
        RDataField("Digest", .hexToEnd),
    ]
    static let svcb = [RDataField("Priority", .uint16), RDataField("Target", .name), RDataField("Value", .serviceParameters)]
    static let uinfo = [RDataField("Uinfo", .characterString, .quoted)]
    static let uid = [RDataField("Uid", .uint32)]
    static let gid = [RDataField("Gid", .uint32)]
    static let nid = [RDataField("Preference", .uint16), RDataField("NodeID", .uint64, .hexGroups(uppercase: false))]
    static let l32 = [RDataField("Preference", .uint16), RDataField("Locator32", .ipv4Address)]
    static let l64 = [RDataField("Preference", .uint16), RDataField("Locator64", .uint64, .hexGroups(uppercase: true))]
    static let lp = [RDataField("Preference", .uint16), RDataField("Fqdn", .name)]
    static let eui48 = [RDataField("Address", .uint48, .eui)]
    static let eui64 = [RDataField("Address", .uint64, .eui)]
    static let tkey = [
        RDataField("Algorithm", .name, .commentedAlgorithm), RDataField("Inception", .uint32, .time),
        RDataField("Expiration", .uint32, .time),
        RDataField("Mode", .uint16), RDataField("Error", .uint16), RDataField("KeySize", .uint16),
        RDataField("Key", .hexSized(lengthField: 5)), RDataField("OtherLen", .uint16),
        RDataField("OtherData", .hexSized(lengthField: 7)),
    ]
    static let tsig = [
        RDataField("Algorithm", .name, .pseudoSectionAlgorithm), RDataField("TimeSigned", .uint48, .time),
        RDataField("Fudge", .uint16), RDataField("MACSize", .uint16), RDataField("MAC", .hexSized(lengthField: 3), .uppercaseHex),
        RDataField("OrigId", .uint16),
        RDataField("Error", .uint16), RDataField("OtherLen", .uint16), RDataField("OtherData", .hexSized(lengthField: 7)),
    ]
    /// ANY (255) has no fields: any RDATA is left over.
    static let any: [RDataField] = []
    static let uri = [RDataField("Priority", .uint16), RDataField("Weight", .uint16), RDataField("Target", .octetsToEnd)]
    static let caa = [RDataField("Flag", .uint8), RDataField("Tag", .characterString), RDataField("Value", .octetsToEnd)]
    /// A type miekg does not know: RFC 3597 generic RDATA.
    static let unknown = [RDataField("Rdata", .hexToEnd, .genericData)]
}
