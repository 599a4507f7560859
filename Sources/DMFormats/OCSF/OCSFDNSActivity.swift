import DMBytes
import DMRecord
import DNSWire

/// Renders DNS records as dnsmonster's `json-ocsf` lines: an OCSF DNS Activity object (class
/// 4003) as its `ToOCSF` builds it and Go's encoding/json marshals it (so `<`, `>`, `&` are
/// always escaped, whatever dnsmonster's JSON marshaller is):
///
///     {"type_uid":4003,"category_uid":4,"class_uid":4003,"time":…,"activity_id":1,"severity_id":0,
///      "query":{"class":"IN","hostname":"…","opcode":"QUERY","opcode_id":0,"packet_uid":…,"type":"A"},
///      "answers":[{"class":"IN","flag_ids":[…],"flags":[…],"packet_uid":…,"rdata":"…","ttl":…,"type":"A"}],
///      "rcode":"NOERROR","rcode_id":…,"src_endpoint":{"ip":"…","port":…,"protocol":"udp"},
///      "dst_endpoint":{…},"metadata":{"product":{"name":"dns","vendor_name":"dnsmonster"},"version":"1.0.0"}}
///
/// `time` is Unix seconds; `query` is the first question and is left out without one;
/// `answers` is left out when empty, each answer's `rdata` is miekg's `RR.String()`
/// (``DNSPresentation``) and its `flags` are the message's header flags (`null` when none is
/// set); mnemonics come from miekg's tables and are `""` for numbers they lack; `rcode` is
/// left out when it has no mnemonic and `rcode_id` when 0; ports are left out when 0.
public struct OCSFDNSActivity {
    private let index = DNSMessageIndex()
    private let scratch = OutputByteBuffer(initialCapacity: 4096)
    /// The message's `flag_ids`/`flags` text, written once and copied into every answer.
    private let flagsText = OutputByteBuffer(initialCapacity: 256)

    public init() {}

    /// Appends the record's object (no newline); throws, having written nothing, for a message
    /// miekg would refuse to unpack.
    public func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) {
        let index = self.index
        try index.load(record.message)
        let message = record.message
        let summary = index.summary
        let metadata = record.metadata

        buffer.append("{\"type_uid\":4003,\"category_uid\":4,\"class_uid\":4003,\"time\":")
        buffer.appendDecimal(metadata.timeNanoseconds / 1_000_000_000)
        buffer.append(",\"activity_id\":1,\"severity_id\":0")
        if let question = index.questions.first {
            buffer.append(",\"query\":{\"class\":")
            Self.appendMnemonic(DNSMnemonics.class(question.class), to: buffer)
            buffer.append(",\"hostname\":")
            DNSPresentationText.appendName(at: question.nameOffset, in: message, to: buffer, escapesHTML: true)
            buffer.append(",\"opcode\":")
            Self.appendMnemonic(DNSMnemonics.opcode(summary.opcode), to: buffer)
            buffer.append(",\"opcode_id\":")
            buffer.appendDecimal(UInt64(summary.opcode))
            buffer.append(",\"packet_uid\":")
            buffer.appendDecimal(UInt64(summary.id))
            buffer.append(",\"type\":")
            Self.appendMnemonic(DNSMnemonics.type(question.type), to: buffer)
            buffer.append(UInt8(ascii: "}"))
        }
        let answers = index.records(in: .answer)
        if !answers.isEmpty {
            buffer.append(",\"answers\":[")
            self.flagsText.removeAll()
            Self.appendFlags(summary.flags, to: self.flagsText)
            var first = true
            for answer in answers {
                buffer.append(first ? "{\"class\":" : ",{\"class\":")
                first = false
                Self.appendMnemonic(DNSMnemonics.class(answer.class), to: buffer)
                buffer.append(self.flagsText.bytes)
                buffer.append(",\"packet_uid\":")
                buffer.appendDecimal(UInt64(summary.id))
                buffer.append(",\"rdata\":")
                self.scratch.removeAll()
                index.appendPresentation(of: answer, to: self.scratch)
                GoJSONString.append(self.scratch.bytes, to: buffer, escapesHTML: true)
                buffer.append(",\"ttl\":")
                buffer.appendDecimal(UInt64(answer.ttl))
                buffer.append(",\"type\":")
                Self.appendMnemonic(DNSMnemonics.type(answer.type), to: buffer)
                buffer.append(UInt8(ascii: "}"))
            }
            buffer.append(UInt8(ascii: "]"))
        }
        let rcode = summary.extendedRcode
        if let name = DNSMnemonics.rcode(UInt16(truncatingIfNeeded: rcode)) {
            buffer.append(",\"rcode\":\"")
            buffer.append(name)
            buffer.append(UInt8(ascii: "\""))
        }
        if rcode != 0 {
            buffer.append(",\"rcode_id\":")
            buffer.appendDecimal(UInt64(rcode))
        }
        buffer.append(",\"src_endpoint\":")
        Self.appendEndpoint(metadata.sourceAddress, port: metadata.sourcePort, metadata: metadata, to: buffer)
        buffer.append(",\"dst_endpoint\":")
        Self.appendEndpoint(metadata.destinationAddress, port: metadata.destinationPort, metadata: metadata, to: buffer)
        buffer.append(",\"metadata\":{\"product\":{\"name\":\"dns\",\"vendor_name\":\"dnsmonster\"},\"version\":\"1.0.0\"}}")
    }

    /// A mnemonic as a JSON string; `""` where miekg's map has none.
    @inline(__always)
    private static func appendMnemonic(_ name: StaticString?, to buffer: OutputByteBuffer) {
        buffer.append(UInt8(ascii: "\""))
        if let name { buffer.append(name) }
        buffer.append(UInt8(ascii: "\""))
    }

    /// `,"flag_ids":[…],"flags":[…]` in dnsmonster's order: Response 0, Authoritative 1,
    /// Truncated 2, RecursionDesired 3, RecursionAvailable 4, AuthenticatedData 5,
    /// CheckingDisabled 6; `null` for both when no flag is set (Go's nil slices).
    private static func appendFlags(_ flags: UInt16, to buffer: OutputByteBuffer) {
        @inline(__always) func bit(_ id: Int) -> UInt16 {
            switch id {
            case 0: 0x8000
            case 1: 0x0400
            case 2: 0x0200
            case 3: 0x0100
            case 4: 0x0080
            case 5: 0x0020
            default: 0x0010
            }
        }
        guard flags & 0x87B0 != 0 else { return buffer.append(",\"flag_ids\":null,\"flags\":null") }
        buffer.append(",\"flag_ids\":[")
        var first = true
        for id in 0..<7 where flags & bit(id) != 0 {
            if !first { buffer.append(UInt8(ascii: ",")) }
            first = false
            buffer.appendDecimal(UInt64(id))
        }
        buffer.append("],\"flags\":[")
        first = true
        for id in 0..<7 where flags & bit(id) != 0 {
            if !first { buffer.append(UInt8(ascii: ",")) }
            first = false
            switch id {
            case 0: buffer.append("\"Response\"")
            case 1: buffer.append("\"Authoritative\"")
            case 2: buffer.append("\"Truncated\"")
            case 3: buffer.append("\"RecursionDesired\"")
            case 4: buffer.append("\"RecursionAvailable\"")
            case 5: buffer.append("\"AuthenticatedData\"")
            default: buffer.append("\"CheckingDisabled\"")
            }
        }
        buffer.append(UInt8(ascii: "]"))
    }

    /// `{"ip":"…","port":…,"protocol":"…"}`.
    private static func appendEndpoint(_ address: IPAddressBytes, port: UInt16, metadata: DNSMetadata, to buffer: OutputByteBuffer) {
        buffer.append("{\"ip\":\"")
        GoIPAddressText.append(address, ipVersion: metadata.ipVersion, to: buffer)
        buffer.append(UInt8(ascii: "\""))
        if port != 0 {
            buffer.append(",\"port\":")
            buffer.appendDecimal(UInt64(port))
        }
        buffer.append(",\"protocol\":")
        DNSMonsterJSON.appendProtocol(metadata.transport, to: buffer)
        buffer.append(UInt8(ascii: "}"))
    }
}
