import DMBytes
import DNSWire

/// Resource records in presentation format exactly as miekg/dns 1.1.50's `RR.String()` prints
/// them — what dnsmonster puts in OCSF's `answers[].rdata` and what a Go template prints for an
/// RR: `name\tTTL\tCLASS\tTYPE\trdata`, the RDATA fields separated by spaces. The fields and
/// how each is printed come from ``RDataSchema`` (each field's kind and ``RDataPresentation``);
/// this type has no per-type knowledge of its own. The whole-line forms miekg uses for some
/// types are chosen by the first field's presentation: RFC 3597 (`CLASSn TYPEn \# len hex`),
/// NULL and TKEY as comments, TSIG's and OPT's pseudo-sections.
public enum DNSPresentation {
    /// What a record's text holds.
    public enum Form: Sendable {
        /// `RR.String()`: header (name, TTL, class, type, tab-separated), then the RDATA.
        case full
        /// The type mnemonic, a space and the RDATA (for dm-out's text lines).
        case typeAndData
    }

    /// Appends the presentation text of the record whose owner name starts at `nameOffset` in
    /// `message` and whose RDATA starts at `rdataStart` (after the 10 bytes of type, class, TTL
    /// and length). The message was validated; should the RDATA still fail to decode, what was
    /// written stays and the error is thrown.
    public static func appendRecord(
        nameAt nameOffset: Int, type: UInt16, class: UInt16, ttl: UInt32, rdataLength: UInt16, rdataStart: Int,
        in message: ByteView, form: Form = .full, to buffer: OutputByteBuffer
    ) throws(DNSWireError) {
        var writer = DNSPresentationWriter(buffer: buffer, form: form)
        writer.recordStart(nameAt: nameOffset, in: message, type: type, class: `class`, ttl: ttl, rdataLength: rdataLength)
        let end = rdataStart + Int(rdataLength)
        guard end <= message.count else { throw DNSWireError(kind: .truncated, offset: rdataStart) }
        try RDataDecoder.decode(type: type, in: message.subview(0..<end), from: rdataStart, visitor: &writer)
        writer.recordEnd()
    }
}

/// Prints one record at a time as ``DNSPresentation`` describes, listening to the RDATA events
/// of ``RDataDecoder`` (or of a whole ``DNSMessageWalker`` walk, by a visitor that forwards the
/// events of the records it wants printed). Questions and section events are ignored.
struct DNSPresentationWriter: DNSMessageVisitor {
    let buffer: OutputByteBuffer
    let form: DNSPresentation.Form

    /// How the current record's line is laid out.
    private enum Layout { case normal, options, location }
    private var layout = Layout.normal
    /// Fields printed so far in the current record (a space goes before every field but the first).
    private var fieldsWritten = 0
    /// TKEY and TSIG put a space before the first field too.
    private var spaceBeforeFirst = false
    /// LOC's seven integers, printed at the record's end.
    private var location: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0)
    private var locationIndex = 0

    init(buffer: OutputByteBuffer, form: DNSPresentation.Form = .full) {
        self.buffer = buffer
        self.form = form
    }

    // MARK: Records

    mutating func questionsStart(count: Int) {}
    mutating func question(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16) {}
    mutating func questionsEnd() {}
    mutating func sectionStart(_ section: DNSSection, count: Int) {}
    mutating func sectionEnd(_ section: DNSSection) {}

    mutating func recordStart(
        nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16, ttl: UInt32,
        rdataLength: UInt16
    ) {
        self.layout = .normal
        self.fieldsWritten = 0
        self.spaceBeforeFirst = false
        self.locationIndex = 0
        self.location = (0, 0, 0, 0, 0, 0, 0)
        let first = RDataSchema.fieldTable(of: type).first
        let buffer = self.buffer

        // A pattern, not `==`: Swift 6.3.1's optimiser crashed on the optional comparison here
        // (SimplifyCFG: "cannot get borrow introducers for unknown guaranteed value").
        if case .ednsOptions? = first?.kind {
            // OPT: a pseudo-section from the header's class (UDP size) and TTL (version, DO).
            self.layout = .options
            buffer.append(self.form == .full ? "\n;; OPT PSEUDOSECTION:\n; EDNS: version " : "OPT version ")
            buffer.appendDecimal(UInt64(ttl >> 16 & 0xFF))
            buffer.append(ttl & 0x8000 != 0 ? "; flags: do; udp: " : "; flags: ; udp: ")
            buffer.appendDecimal(UInt64(`class`))
            return
        }
        if first?.presentation == .location { self.layout = .location }
        let generic = first?.presentation == .genericData

        if self.form == .typeAndData {
            if generic {
                buffer.append("TYPE")
                buffer.appendDecimal(UInt64(type))
            } else {
                DNSMnemonics.appendTypeText(type, to: buffer)
            }
            buffer.append(UInt8(ascii: " "))
            return
        }
        switch first?.presentation {
        case .nullData, .commentedAlgorithm:
            buffer.append(UInt8(ascii: ";"))
        case .pseudoSectionAlgorithm:
            buffer.append("\n;; TSIG PSEUDOSECTION:\n; ")
        default:
            break
        }
        if case .commentedAlgorithm? = first?.presentation { self.spaceBeforeFirst = true }
        if case .pseudoSectionAlgorithm? = first?.presentation { self.spaceBeforeFirst = true }
        DNSPresentationText.appendNameText(at: offset, in: message, to: buffer)
        buffer.append(UInt8(ascii: "\t"))
        buffer.appendDecimal(UInt64(ttl))
        buffer.append(UInt8(ascii: "\t"))
        if generic {
            buffer.append("CLASS")
            buffer.appendDecimal(UInt64(`class`))
            buffer.append("\tTYPE")
            buffer.appendDecimal(UInt64(type))
        } else {
            DNSMnemonics.appendClassText(`class`, to: buffer)
            buffer.append(UInt8(ascii: "\t"))
            DNSMnemonics.appendTypeText(type, to: buffer)
        }
        buffer.append(UInt8(ascii: "\t"))
    }

    mutating func recordEnd() {
        if self.layout == .location { self.appendLocation() }
    }

    /// A space before every field but the first (and before the first too for TKEY and TSIG).
    @inline(__always)
    private mutating func separate() {
        if self.fieldsWritten > 0 || self.spaceBeforeFirst { self.buffer.append(UInt8(ascii: " ")) }
        self.fieldsWritten += 1
    }

    // MARK: Fields

    mutating func unsignedField(_ field: RDataField, _ value: UInt64) {
        let buffer = self.buffer
        switch field.presentation {
        case .hidden:
            return
        case .location:
            self.storeLocation(value)
            return
        case .typeMnemonic:
            self.separate()
            DNSMnemonics.appendTypeText(UInt16(truncatingIfNeeded: value), to: buffer)
        case .time:
            self.separate()
            Self.appendCompactTime(value, to: buffer)
        case .certificateType:
            self.separate()
            if let name = DNSMnemonics.certificateType(UInt16(truncatingIfNeeded: value)) {
                buffer.append(name)
            } else {
                buffer.appendDecimal(value)
            }
        case .algorithm:
            self.separate()
            if let name = DNSMnemonics.algorithm(UInt8(truncatingIfNeeded: value)) {
                buffer.append(name)
            } else {
                buffer.appendDecimal(value)
            }
        case .hexGroups(let uppercase):
            self.separate()
            for group in 0..<4 {
                if group > 0 { buffer.append(UInt8(ascii: ":")) }
                BinaryText.appendHex(value >> UInt64(48 - 16 * group), digits: 4, uppercase: uppercase, to: buffer)
            }
        case .eui:
            self.separate()
            let bytes = field.kind == .uint48 ? 6 : 8
            for index in 0..<bytes {
                if index > 0 { buffer.append(UInt8(ascii: "-")) }
                BinaryText.appendHex(value >> UInt64(8 * (bytes - 1 - index)), digits: 2, uppercase: false, to: buffer)
            }
        default:
            self.separate()
            buffer.appendDecimal(value)
        }
    }

    mutating func bytesField(_ field: RDataField, _ bytes: ByteView) {
        let buffer = self.buffer
        switch field.kind {
        case .ipv4Address, .ipv6Address:
            self.separate()
            GoIPAddressText.append(bytes, to: buffer)
        case .characterString:
            self.separate()
            if field.presentation == .quoted { buffer.append(UInt8(ascii: "\"")) }
            DNSPresentationText.appendCharacterStringText(bytes, to: buffer)
            if field.presentation == .quoted { buffer.append(UInt8(ascii: "\"")) }
        case .octetsToEnd:
            if field.presentation == .nullData {
                // NULL: the bytes follow the header as they are.
                buffer.append(bytes)
            } else {
                self.separate()
                DNSPresentationText.appendOctetText(bytes, to: buffer)
            }
        case .hexToEnd, .hexSized:
            self.separate()
            switch field.presentation {
            case .genericData:
                buffer.append("\\# ")
                buffer.appendDecimal(UInt64(bytes.count))
                buffer.append(UInt8(ascii: " "))
                BinaryText.appendHex(bytes, to: buffer)
            case .uppercaseHex:
                BinaryText.appendUppercaseHex(bytes, to: buffer)
            case .salt:
                if bytes.isEmpty { buffer.append(UInt8(ascii: "-")) } else { BinaryText.appendUppercaseHex(bytes, to: buffer) }
            case .chunkedHex:
                var start = 0
                while start < bytes.count {
                    if start > 0 { buffer.append(UInt8(ascii: " ")) }
                    let end = min(start + 512, bytes.count)
                    BinaryText.appendHex(bytes.subview(start..<end), to: buffer)
                    start = end
                }
            default:
                BinaryText.appendHex(bytes, to: buffer)
            }
        case .base64ToEnd, .base64Sized:
            self.separate()
            BinaryText.appendBase64(bytes, to: buffer)
        case .base32Sized:
            self.separate()
            BinaryText.appendBase32Hex(bytes, to: buffer)
        default:
            break
        }
    }

    mutating func nameField(_ field: RDataField, nameAt offset: Int, in message: ByteView) {
        self.separate()
        DNSPresentationText.appendNameText(at: offset, in: message, to: self.buffer)
    }

    /// Go's zero value of the field, as `String()` prints it: 0, an empty string (`""` when
    /// quoted, `-` for a salt), and nothing at all — not even the space — for a nil address or
    /// an empty list.
    mutating func zeroField(_ field: RDataField) {
        switch field.kind {
        case .uint8, .uint16, .uint32, .uint48, .uint64:
            self.unsignedField(field, 0)
        case .ipv4Address, .ipv6Address, .characterStringsToEnd, .typeBitmap, .namesToEnd, .ednsOptions,
            .serviceParameters, .aplItems:
            break
        case .octetsToEnd where field.presentation == .nullData:
            break
        default:
            self.bytesField(field, ByteView())
            if field.kind == .name { self.separate() }
        }
    }

    mutating func listStart(_ field: RDataField) {}
    mutating func listEnd(_ field: RDataField) {}

    mutating func characterStringElement(_ bytes: ByteView) {
        self.separate()
        self.buffer.append(UInt8(ascii: "\""))
        DNSPresentationText.appendCharacterStringText(bytes, to: self.buffer)
        self.buffer.append(UInt8(ascii: "\""))
    }

    mutating func typeElement(_ type: UInt16) {
        self.separate()
        DNSMnemonics.appendTypeText(type, to: self.buffer)
    }

    mutating func nameElement(nameAt offset: Int, in message: ByteView) {
        self.separate()
        DNSPresentationText.appendNameText(at: offset, in: message, to: self.buffer)
    }

    mutating func ednsOptionElement(_ option: EDNSOption) {
        EDNSOptionText.append(option, to: self.buffer)
    }

    mutating func serviceParameterElement(_ parameter: ServiceParameter) {
        self.separate()
        ServiceParameterText.append(parameter, to: self.buffer)
    }

    /// miekg's `APLPrefix.str()`: `[!]family:address/prefix`, an IPv4-mapped IPv6 address with
    /// `::ffff:` before its dotted quad.
    mutating func aplElement(_ item: APLItem) {
        self.separate()
        let buffer = self.buffer
        if item.negation { buffer.append(UInt8(ascii: "!")) }
        buffer.append(item.family == 1 ? "1:" : "2:")
        item.address.withBytes { raw in
            if item.family == 1 {
                GoIPAddressText.append(raw.subview(0..<4), to: buffer)
            } else {
                if ServiceParameter.isIPv4Mapped(raw, at: 0) { buffer.append("::ffff:") }
                GoIPAddressText.append(raw, to: buffer)
            }
        }
        buffer.append(UInt8(ascii: "/"))
        buffer.appendDecimal(UInt64(item.prefixLength))
    }

    // MARK: Helpers

    /// miekg's `TimeToString` (and `tsigTimeToString`): `YYYYMMDDHHMMSS` in UTC. (Its serial
    /// arithmetic shifts a 32-bit time by 68-year steps only when it lies more than 68 years
    /// from now, which a 32-bit value never does before 2038; the value is used as it is.)
    static func appendCompactTime(_ seconds: UInt64, to buffer: OutputByteBuffer) {
        let time = RFC3339NanoText.civil(seconds: Int64(seconds))
        buffer.appendDecimal(UInt64(time.year), width: 4)
        buffer.appendDecimal(UInt64(time.month), width: 2)
        buffer.appendDecimal(UInt64(time.day), width: 2)
        buffer.appendDecimal(UInt64(time.hour), width: 2)
        buffer.appendDecimal(UInt64(time.minute), width: 2)
        buffer.appendDecimal(UInt64(time.second), width: 2)
    }

    private mutating func storeLocation(_ value: UInt64) {
        switch self.locationIndex {
        case 0: self.location.0 = value
        case 1: self.location.1 = value
        case 2: self.location.2 = value
        case 3: self.location.3 = value
        case 4: self.location.4 = value
        case 5: self.location.5 = value
        default: self.location.6 = value
        }
        self.locationIndex += 1
    }

    /// miekg's LOC `String()`: `DD MM SS.sss N DDD MM SS.sss E ALTm SIZEm HPm VPm`.
    private func appendLocation() {
        let (_, size, horizontal, vertical, latitude, longitude, altitude) = self.location
        let buffer = self.buffer
        let equator: UInt64 = 1 << 31
        func appendAngle(_ raw: UInt64, positive: UInt8, negative: UInt8) {
            var value = raw
            let hemisphere: UInt8
            if value > equator {
                value -= equator
                hemisphere = positive
            } else {
                value = equator - value
                hemisphere = negative
            }
            buffer.appendDecimal(value / 3_600_000, width: 2)
            buffer.append(UInt8(ascii: " "))
            buffer.appendDecimal(value % 3_600_000 / 60_000, width: 2)
            buffer.append(UInt8(ascii: " "))
            let milliseconds = value % 60_000
            buffer.appendDecimal(milliseconds / 1000)
            buffer.append(UInt8(ascii: "."))
            buffer.appendDecimal(milliseconds % 1000, width: 3)
            buffer.append(UInt8(ascii: " "))
            buffer.append(hemisphere)
            buffer.append(UInt8(ascii: " "))
        }
        appendAngle(latitude, positive: UInt8(ascii: "N"), negative: UInt8(ascii: "S"))
        appendAngle(longitude, positive: UInt8(ascii: "E"), negative: UInt8(ascii: "W"))
        // Altitude in centimetres above 100 km below the reference.
        let centimetres = Int64(altitude) - 10_000_000
        if centimetres < 0 { buffer.append(UInt8(ascii: "-")) }
        buffer.appendDecimal(centimetres.magnitude / 100)
        if altitude % 100 != 0 {
            buffer.append(UInt8(ascii: "."))
            buffer.appendDecimal(centimetres.magnitude % 100, width: 2)
        }
        buffer.append("m ")
        for (index, precision) in [size, horizontal, vertical].enumerated() {
            // miekg's cmToM: mantissa and exponent of a size in centimetres.
            var mantissa = precision >> 4 & 0x0F
            let exponent = precision & 0x0F
            if exponent < 2 {
                if exponent == 1 { mantissa *= 10 }
                buffer.append("0.")
                buffer.appendDecimal(mantissa, width: 2)
            } else {
                buffer.appendDecimal(mantissa)
                for _ in 2..<exponent { buffer.append(UInt8(ascii: "0")) }
            }
            buffer.append(index < 2 ? "m " : "m")
        }
    }
}
