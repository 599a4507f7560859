import DMBytes
import DMRecord
import DNSWire

/// One readable line per DNS message, for people at a terminal (dm-out's `text` format):
///
///     2024-05-01T12:34:56.789Z udp 192.168.1.10:53211 > 192.168.1.1:53 id 4660 query www.example.com. IN A
///     2024-05-01T12:34:56.789Z udp 192.168.1.1:53 > 192.168.1.10:53211 id 4660 response NOERROR www.example.com. IN A: CNAME example.com., A 93.184.216.34 (+2 ns, +1 extra)
///
/// Fields, space-separated: UTC time to the millisecond; transport; source `>` destination
/// (IPv6 in brackets, `:port` left out when 0); `id N`; `query` or `response RCODE` (with the
/// EDNS extended bits; a number where there is no mnemonic); a non-QUERY opcode as
/// `opcode NAME`; the header flags `tc` (truncated) and `do` (DNSSEC OK) when set; the first
/// question as `name CLASS TYPE` (`(+N questions)` after it when there are more, `no question`
/// without one); then `: ` and each answer's type and RDATA as miekg prints them, comma
/// separated; and `(+N ns, +M extra)` counting the authority and additional records (the OPT
/// record not counted). Names keep miekg's escapes and control bytes in RDATA are shown as
/// `\DDD`, so every message stays on one line.
public struct DNSTextLine {
    private let index = DNSMessageIndex()
    private let scratch = OutputByteBuffer(initialCapacity: 4096)

    public init() {}

    /// Appends the record's line (no newline); throws, having written nothing, for a message
    /// miekg would refuse to unpack.
    public func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) {
        let index = self.index
        try index.load(record.message)
        let message = record.message
        let summary = index.summary
        let metadata = record.metadata

        // Time, to the millisecond.
        let start = buffer.count
        RFC3339NanoText.append(nanoseconds: metadata.timeNanoseconds / 1_000_000 * 1_000_000 + 1, to: buffer)
        // The +1 ns forces a 9-digit fraction; keep its first 3 digits and the Z.
        buffer.truncate(to: start + 23)
        buffer.append(UInt8(ascii: "Z"))
        buffer.append(UInt8(ascii: " "))
        Self.appendTransport(metadata.transport, to: buffer)
        buffer.append(UInt8(ascii: " "))
        Self.appendEndpoint(metadata.sourceAddress, port: metadata.sourcePort, ipVersion: metadata.ipVersion, to: buffer)
        buffer.append(" > ")
        Self.appendEndpoint(metadata.destinationAddress, port: metadata.destinationPort, ipVersion: metadata.ipVersion, to: buffer)
        buffer.append(" id ")
        buffer.appendDecimal(UInt64(summary.id))
        if summary.isResponse {
            buffer.append(" response ")
            if let name = DNSMnemonics.rcode(UInt16(truncatingIfNeeded: summary.extendedRcode)) {
                buffer.append(name)
            } else {
                buffer.append("RCODE")
                buffer.appendDecimal(UInt64(summary.extendedRcode))
            }
        } else {
            buffer.append(" query")
        }
        if summary.opcode != 0 {
            buffer.append(" opcode ")
            if let name = DNSMnemonics.opcode(summary.opcode) { buffer.append(name) } else { buffer.appendDecimal(UInt64(summary.opcode)) }
        }
        if summary.flags & 0x0200 != 0 { buffer.append(" tc") }
        if let ttl = index.optTTL, ttl & 0x8000 != 0 { buffer.append(" do") }
        if let question = index.questions.first {
            buffer.append(UInt8(ascii: " "))
            DNSPresentationText.appendNameText(at: question.nameOffset, in: message, to: buffer)
            buffer.append(UInt8(ascii: " "))
            DNSMnemonics.appendClassText(question.class, to: buffer)
            buffer.append(UInt8(ascii: " "))
            DNSMnemonics.appendTypeText(question.type, to: buffer)
            if index.questions.count > 1 {
                buffer.append(" (+")
                buffer.appendDecimal(UInt64(index.questions.count - 1))
                buffer.append(" questions)")
            }
        } else {
            buffer.append(" no question")
        }
        let answers = index.records(in: .answer)
        if !answers.isEmpty {
            buffer.append(UInt8(ascii: ":"))
            var first = true
            for answer in answers {
                buffer.append(first ? " " : ", ")
                first = false
                self.scratch.removeAll()
                index.appendPresentation(of: answer, form: .typeAndData, to: self.scratch)
                Self.appendPrintable(self.scratch.bytes, to: buffer)
            }
        }
        let authority = index.records(in: .authority).count
        let additional = index.records(in: .additional).count - (index.optTTL == nil ? 0 : 1)
        if authority > 0 || additional > 0 {
            buffer.append(" (+")
            buffer.appendDecimal(UInt64(authority))
            buffer.append(" ns, +")
            buffer.appendDecimal(UInt64(max(additional, 0)))
            buffer.append(" extra)")
        }
    }

    private static func appendTransport(_ transport: DNSTransport, to buffer: OutputByteBuffer) {
        switch transport {
        case .udp: buffer.append("udp")
        case .tcp: buffer.append("tcp")
        case .dot: buffer.append("dot")
        case .doh: buffer.append("doh")
        case .doq: buffer.append("doq")
        default:
            buffer.append("proto")
            buffer.appendDecimal(UInt64(transport.rawValue))
        }
    }

    private static func appendEndpoint(_ address: IPAddressBytes, port: UInt16, ipVersion: UInt8, to buffer: OutputByteBuffer) {
        if ipVersion == 6 { buffer.append(UInt8(ascii: "[")) }
        GoIPAddressText.append(address, ipVersion: ipVersion, to: buffer)
        if ipVersion == 6 { buffer.append(UInt8(ascii: "]")) }
        if port != 0 {
            buffer.append(UInt8(ascii: ":"))
            buffer.appendDecimal(UInt64(port))
        }
    }

    /// Copies `bytes`, writing control bytes (tabs, newlines, …) as `\DDD`.
    private static func appendPrintable(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        buffer.write(reserving: bytes.count * 4) { output in
            var written = 0
            for byte in bytes {
                if byte < 0x20 || byte == 0x7F {
                    written += DNSPresentationText.storeDecimalEscape(byte, into: output, at: written)
                } else {
                    output[written] = byte
                    written += 1
                }
            }
            return written
        }
    }
}
