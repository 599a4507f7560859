import DMBytes
import DNSWire

/// Prints a DNS message as the JSON of miekg/dns's `Msg` sections, listening to
/// ``DNSMessageWalker``: `"Question":[…]`, then `"Answer"`, `"Ns"`, `"Extra"`, each record as
/// `{"Hdr":{…}` followed by its type's fields under miekg's Go field names. Empty sections are
/// `null`, as Go marshals nil slices.
///
/// The header fields before "Question" are written by ``DNSMonsterJSON``, which needs the
/// extended rcode that only a first pass over the message finds.
struct DNSMessageJSONWriter: DNSMessageVisitor {
    let buffer: OutputByteBuffer
    let escapesHTML: Bool
    /// Whether the current section has had no question or record yet.
    private var firstInSection = true
    /// Whether the current RDATA list field has had no element yet (kept apart from the
    /// section's: an empty list inside a record must not lose the comma before the next record).
    private var firstInList = true

    init(buffer: OutputByteBuffer, escapesHTML: Bool) {
        self.buffer = buffer
        self.escapesHTML = escapesHTML
    }

    // MARK: Sections

    mutating func questionsStart(count: Int) {
        self.buffer.append(count == 0 ? ",\"Question\":null" : ",\"Question\":[")
        self.firstInSection = true
    }

    mutating func question(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16) {
        self.buffer.append(self.firstInSection ? "{\"Name\":" : ",{\"Name\":")
        self.firstInSection = false
        DNSPresentationText.appendName(at: offset, in: message, to: self.buffer, escapesHTML: self.escapesHTML)
        self.buffer.append(",\"Qtype\":")
        self.buffer.appendDecimal(UInt64(type))
        self.buffer.append(",\"Qclass\":")
        self.buffer.appendDecimal(UInt64(`class`))
        self.buffer.append(UInt8(ascii: "}"))
    }

    mutating func questionsEnd() {
        if !self.firstInSection { self.buffer.append(UInt8(ascii: "]")) }
    }

    mutating func sectionStart(_ section: DNSSection, count: Int) {
        switch section {
        case .answer: self.buffer.append(",\"Answer\":")
        case .authority: self.buffer.append(",\"Ns\":")
        case .additional: self.buffer.append(",\"Extra\":")
        }
        self.buffer.append(count == 0 ? "null" : "[")
        self.firstInSection = true
    }

    mutating func sectionEnd(_ section: DNSSection) {
        if !self.firstInSection { self.buffer.append(UInt8(ascii: "]")) }
    }

    mutating func recordStart(
        nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16, ttl: UInt32,
        rdataLength: UInt16
    ) {
        self.buffer.append(self.firstInSection ? "{\"Hdr\":{\"Name\":" : ",{\"Hdr\":{\"Name\":")
        self.firstInSection = false
        DNSPresentationText.appendName(at: offset, in: message, to: self.buffer, escapesHTML: self.escapesHTML)
        self.buffer.append(",\"Rrtype\":")
        self.buffer.appendDecimal(UInt64(type))
        self.buffer.append(",\"Class\":")
        self.buffer.appendDecimal(UInt64(`class`))
        self.buffer.append(",\"Ttl\":")
        self.buffer.appendDecimal(UInt64(ttl))
        self.buffer.append(",\"Rdlength\":")
        self.buffer.appendDecimal(UInt64(rdataLength))
        self.buffer.append(UInt8(ascii: "}"))
    }

    mutating func recordEnd() {
        self.buffer.append(UInt8(ascii: "}"))
    }

    // MARK: RDATA fields

    /// `,"Key":`
    private func appendKey(_ field: RDataField) {
        self.buffer.append(",\"")
        self.buffer.append(field.key)
        self.buffer.append("\":")
    }

    mutating func unsignedField(_ field: RDataField, _ value: UInt64) {
        self.appendKey(field)
        self.buffer.appendDecimal(value)
    }

    mutating func bytesField(_ field: RDataField, _ bytes: ByteView) {
        self.appendKey(field)
        switch field.kind {
        case .ipv4Address, .ipv6Address:
            self.buffer.append(UInt8(ascii: "\""))
            GoIPAddressText.append(bytes, to: self.buffer)
            self.buffer.append(UInt8(ascii: "\""))
        case .characterString:
            DNSPresentationText.appendCharacterString(bytes, to: self.buffer, escapesHTML: self.escapesHTML)
        case .octetsToEnd:
            GoJSONString.append(bytes, to: self.buffer, escapesHTML: self.escapesHTML)
        case .hexToEnd, .hexSized:
            self.appendQuoted(bytes, BinaryText.appendHex)
        case .base64ToEnd, .base64Sized:
            self.appendQuoted(bytes, BinaryText.appendBase64)
        case .base32Sized:
            self.appendQuoted(bytes, BinaryText.appendBase32Hex)
        default:
            // Every other kind reports through its own event.
            self.buffer.append("\"\"")
        }
    }

    private func appendQuoted(_ bytes: ByteView, _ encode: (ByteView, OutputByteBuffer) -> Void) {
        self.buffer.append(UInt8(ascii: "\""))
        encode(bytes, self.buffer)
        self.buffer.append(UInt8(ascii: "\""))
    }

    mutating func nameField(_ field: RDataField, nameAt offset: Int, in message: ByteView) {
        self.appendKey(field)
        DNSPresentationText.appendName(at: offset, in: message, to: self.buffer, escapesHTML: self.escapesHTML)
    }

    /// Go's zero value of the field's type: 0 for integers, "" for strings and `net.IP`, null
    /// for slices.
    mutating func zeroField(_ field: RDataField) {
        self.appendKey(field)
        switch field.kind {
        case .uint8, .uint16, .uint32, .uint48, .uint64:
            self.buffer.append(UInt8(ascii: "0"))
        case .characterStringsToEnd, .typeBitmap, .namesToEnd, .ednsOptions, .serviceParameters, .aplItems:
            self.buffer.append("null")
        default:
            self.buffer.append("\"\"")
        }
    }

    mutating func listStart(_ field: RDataField) {
        self.appendKey(field)
        self.firstInList = true
    }

    mutating func listEnd(_ field: RDataField) {
        // A list with no element is a nil slice in miekg's struct.
        self.buffer.append(self.firstInList ? "null" : "]")
    }

    /// `[` before the first element of a list, `,` before the others.
    private mutating func elementSeparator() {
        self.buffer.append(self.firstInList ? UInt8(ascii: "[") : UInt8(ascii: ","))
        self.firstInList = false
    }

    mutating func characterStringElement(_ bytes: ByteView) {
        self.elementSeparator()
        DNSPresentationText.appendCharacterString(bytes, to: self.buffer, escapesHTML: self.escapesHTML)
    }

    mutating func typeElement(_ type: UInt16) {
        self.elementSeparator()
        self.buffer.appendDecimal(UInt64(type))
    }

    mutating func nameElement(nameAt offset: Int, in message: ByteView) {
        self.elementSeparator()
        DNSPresentationText.appendName(at: offset, in: message, to: self.buffer, escapesHTML: self.escapesHTML)
    }

    mutating func ednsOptionElement(_ option: EDNSOption) {
        self.elementSeparator()
        EDNSOptionJSON.append(option, to: self.buffer, escapesHTML: self.escapesHTML)
    }

    mutating func serviceParameterElement(_ parameter: ServiceParameter) {
        self.elementSeparator()
        ServiceParameterJSON.append(parameter, to: self.buffer, escapesHTML: self.escapesHTML)
    }

    /// miekg's `APLPrefix`: `{"Negation":…,"Network":{"IP":…,"Mask":…}}`, the mask as the
    /// base64 of Go's `net.CIDRMask` bytes.
    mutating func aplElement(_ item: APLItem) {
        self.elementSeparator()
        let size = item.family == 1 ? 4 : 16
        self.buffer.append(item.negation ? "{\"Negation\":true,\"Network\":{\"IP\":\"" : "{\"Negation\":false,\"Network\":{\"IP\":\"")
        item.address.withBytes { raw in
            GoIPAddressText.append(raw.subview(0..<size), to: self.buffer)
        }
        self.buffer.append("\",\"Mask\":\"")
        var mask = [UInt8](repeating: 0, count: 16)
        for bit in 0..<min(Int(item.prefixLength), 128) { mask[bit / 8] |= 0x80 >> UInt8(bit % 8) }
        mask.withByteView { BinaryText.appendBase64($0.subview(0..<size), to: self.buffer) }
        self.buffer.append("\"}}")
    }
}
