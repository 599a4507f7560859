import DMBytes
import DMRecord
import DNSWire

/// Renders DNS records as the JSON lines dnsmonster prints: its `DNSResult` struct marshalled by
/// Go, with the message as miekg/dns 1.1.50 unpacks it.
///
///     {"Timestamp":"…","DNS":{"Id":…,…,"Rcode":…,"Question":[…],"Answer":[…],"Ns":…,"Extra":…},
///      "IPVersion":4,"SrcIP":"…","SrcPort":…,"DstIP":"…","DstPort":…,"Protocol":"udp",
///      "PacketLength":…,"Identity":"…","Version":"…"}
///
/// `SrcPort`/`DstPort` are left out when 0, `Identity` and `Version` when empty (Go's
/// `omitempty`). `Rcode`
/// carries the EDNS extended bits, as miekg ORs them in. Times are UTC RFC 3339 with nanoseconds,
/// trailing zeros trimmed (Go's `RFC3339Nano`).
///
/// Use: one renderer and one ``OutputByteBuffer`` per output stream; for each record call
/// ``appendLine(_:to:)``, and write `buffer.bytes` out when it is large enough (then
/// ``OutputByteBuffer/removeAll()``). Nothing is allocated per record.
public struct DNSMonsterJSON: Sendable {
    /// Choices where dnsmonster's own builds differ.
    public struct Configuration: Hashable, Sendable {
        /// Escape `<`, `>`, `&` as `\u003c`, `\u003e`, `\u0026` (and U+2028/U+2029), as Go's
        /// encoding/json does in dnsmonster's BSD and linux/arm builds. Off by default: the usual
        /// linux/amd64 build marshals with sonic, which writes them as they are.
        public var escapesHTML: Bool

        /// The configuration with the given choices.
        public init(escapesHTML: Bool = false) {
            self.escapesHTML = escapesHTML
        }
    }

    /// The choices this renderer applies.
    public var configuration: Configuration

    /// A renderer with `configuration`.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Appends the record's JSON object followed by a newline.
    ///
    /// Throws, having written nothing, when the message is one miekg would refuse to unpack
    /// (dnsmonster drops those); `buffer` is then as it was.
    public func appendLine(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) {
        try self.append(record, to: buffer)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Appends the record's JSON object (no newline); throws, having written nothing, for a
    /// message miekg would refuse.
    public func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) {
        try self.append(metadata: record.metadata, identity: record.identity, version: record.version, message: record.message, to: buffer)
    }

    /// Appends the JSON object of a record given by its parts.
    public func append(
        metadata: DNSMetadata, identity: ByteView, version: ByteView = ByteView(), message: ByteView,
        to buffer: OutputByteBuffer
    ) throws(DNSWireError) {
        // One pass: the header is printed from the fixed 12 bytes, the sections as the walk
        // checks them; on damage everything written is taken back.
        guard message.count >= 12 else { throw DNSWireError(kind: .shortHeader, offset: 0) }
        let summary = DNSMessageValidator.Summary(
            id: message.uncheckedLoadBigEndian(at: 0), flags: message.uncheckedLoadBigEndian(at: 2), questionCount: 0, answerCount: 0,
            authorityCount: 0, additionalCount: 0, extendedRcodeBits: 0)
        let start = buffer.count
        let escapesHTML = self.configuration.escapesHTML

        buffer.append("{\"Timestamp\":\"")
        RFC3339NanoText.append(nanoseconds: metadata.timeNanoseconds, to: buffer)
        buffer.append("\",\"DNS\":{\"Id\":")
        buffer.appendDecimal(UInt64(summary.id))
        let flags = summary.flags
        buffer.append(flags & 0x8000 != 0 ? ",\"Response\":true,\"Opcode\":" : ",\"Response\":false,\"Opcode\":")
        buffer.appendDecimal(UInt64(summary.opcode))
        buffer.append(HeaderFlagText.shared.text(flags: flags))
        let rcodeStart = buffer.count
        buffer.appendDecimal(UInt64(summary.rcode))
        let rcodeEnd = buffer.count

        var writer = DNSMessageJSONWriter(buffer: buffer, escapesHTML: escapesHTML)
        let walked: DNSMessageValidator.Summary
        do {
            walked = try DNSMessageWalker.walk(message, visitor: &writer)
        } catch {
            buffer.truncate(to: start)
            throw error
        }
        if walked.extendedRcodeBits != 0 {
            // The OPT record comes last, so the 4-bit rcode printed above gets its EDNS bits now.
            withTemporaryBytes(count: 24) { digits in
                let count = OutputByteBuffer.storeDecimal(UInt64(walked.extendedRcode), into: ReservedBytes(digits), at: 0)
                buffer.replaceSubrange(rcodeStart..<rcodeEnd, with: digits.view.subview(0..<count))
            }
        }

        buffer.append("},\"IPVersion\":")
        buffer.appendDecimal(UInt64(metadata.ipVersion))
        buffer.append(",\"SrcIP\":\"")
        GoIPAddressText.append(metadata.sourceAddress, ipVersion: metadata.ipVersion, to: buffer)
        buffer.append(UInt8(ascii: "\""))
        if metadata.sourcePort != 0 {
            buffer.append(",\"SrcPort\":")
            buffer.appendDecimal(UInt64(metadata.sourcePort))
        }
        buffer.append(",\"DstIP\":\"")
        GoIPAddressText.append(metadata.destinationAddress, ipVersion: metadata.ipVersion, to: buffer)
        buffer.append(UInt8(ascii: "\""))
        if metadata.destinationPort != 0 {
            buffer.append(",\"DstPort\":")
            buffer.appendDecimal(UInt64(metadata.destinationPort))
        }
        buffer.append(",\"Protocol\":")
        Self.appendProtocol(metadata.transport, to: buffer)
        buffer.append(",\"PacketLength\":")
        buffer.appendDecimal(UInt64(metadata.packetLength))
        if !identity.isEmpty {
            buffer.append(",\"Identity\":")
            GoJSONString.append(identity, to: buffer, escapesHTML: escapesHTML)
        }
        if !version.isEmpty {
            buffer.append(",\"Version\":")
            GoJSONString.append(version, to: buffer, escapesHTML: escapesHTML)
        }
        buffer.append(UInt8(ascii: "}"))
    }

    /// The JSON of the seven header bits from AA to CD, up to `"Rcode":`, for each of their
    /// 128 combinations, built once: one copy per record instead of fourteen.
    final class HeaderFlagText: @unchecked Sendable {
        static let shared = HeaderFlagText()
        /// Bytes of one combination's slot; the longest text is 166 bytes.
        private static let slot = 176
        private static let names = ["Authoritative", "Truncated", "RecursionDesired", "RecursionAvailable", "Zero", "AuthenticatedData", "CheckingDisabled"]
        /// The texts, one per slot; written once in `init` and only read after.
        private let storage = ByteStorage(count: 128 * HeaderFlagText.slot)
        /// All of ``storage``.
        private let texts: ByteView
        private let lengths: [Int]

        private init() {
            var lengths = [Int](repeating: 0, count: 128)
            for combination in 0..<128 {
                var text = ""
                for (position, name) in Self.names.enumerated() {
                    text += ",\"\(name)\":" + (combination & (0x40 >> position) != 0 ? "true" : "false")
                }
                let bytes = Array((text + ",\"Rcode\":").utf8)
                precondition(bytes.count <= Self.slot)
                self.storage.mutableView.copy(bytes, to: combination * Self.slot)
                lengths[combination] = bytes.count
            }
            self.lengths = lengths
            self.texts = self.storage.view
        }

        /// The text for the header flags word `flags` (bits 0x0400 AA through 0x0010 CD).
        @inline(__always)
        func text(flags: UInt16) -> ByteView {
            let combination = Int(flags >> 4) & 0x7F
            let start = combination * Self.slot
            return self.texts.subview(start..<(start + self.lengths[combination]))
        }
    }

    /// dnsmonster's lowercase protocol names; a transport it has no name for prints as its
    /// number would in ``DNSTransport/description``.
    static func appendProtocol(_ transport: DNSTransport, to buffer: OutputByteBuffer) {
        switch transport {
        case .udp: buffer.append("\"udp\"")
        case .tcp: buffer.append("\"tcp\"")
        case .dot: buffer.append("\"dot\"")
        case .doh: buffer.append("\"doh\"")
        case .doq: buffer.append("\"doq\"")
        default:
            Array(transport.description.utf8).withByteView { GoJSONString.append($0, to: buffer, escapesHTML: false) }
        }
    }
}
