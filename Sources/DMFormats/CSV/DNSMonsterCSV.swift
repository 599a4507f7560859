import DMBytes
import DMRecord
import DNSWire

/// Renders DNS records as the CSV rows dnsmonster prints (`csv` and `csv_no_header`): 22
/// columns joined by commas, Go's `%v` of each value, no quoting or escaping.
///
///     Year,Month,Day,Hour,Minute,Second,Ns,Server,IPVersion,SrcIP,DstIP,Protocol,Qr,OpCode,
///     Class,Type,ResponseCode,Question,Size,Edns0Present,DoBit,ID
///
/// The time parts are UTC; `Server` is dnsmonster's `--serverName`; `SrcIP`/`DstIP` are integers
/// — an IPv4 address as its big-endian 32 bits, an IPv6 address as its first 8 bytes big-endian
/// (the upper /64 only, as dnsmonster does for ClickHouse); `Protocol` is 17 for UDP and 6 for
/// anything else; `Class`, `Type` and `Question` are the first question's; `ResponseCode` has
/// the EDNS extended bits; `Edns0Present`/`DoBit` come from the last OPT record. A message with
/// no question has no row (dnsmonster prints nothing for it).
public struct DNSMonsterCSV: Sendable {
    /// The header line (without newline), the names of dnsmonster's `csvRow` fields.
    public static let header: StaticString =
        "Year,Month,Day,Hour,Minute,Second,Ns,Server,IPVersion,SrcIP,DstIP,Protocol,Qr,OpCode,Class,Type,ResponseCode,Question,Size,Edns0Present,DoBit,ID"

    /// The Server column's text.
    public let serverName: [UInt8]

    /// A renderer printing `serverName` in the Server column (dnsmonster's default: `default`).
    public init(serverName: String = "default") {
        self.serverName = Array(serverName.utf8)
    }

    /// Appends the record's row (no newline) and returns true, or returns false having written
    /// nothing when the message has no question. Throws, having written nothing, for a message
    /// miekg would refuse to unpack.
    public func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        let message = record.message
        var scan = DNSQuestionScan()
        let summary = try DNSMessageWalker.walk(message, visitor: &scan)
        guard let question = scan.firstQuestion else { return false }
        let metadata = record.metadata

        let seconds = Int64(metadata.timeNanoseconds / 1_000_000_000)
        let time = RFC3339NanoText.civil(seconds: seconds)
        buffer.reserve(160)
        for part in [time.year, time.month, time.day, time.hour, time.minute, time.second] {
            buffer.appendDecimal(UInt64(part))
            buffer.appendUnchecked(UInt8(ascii: ","))
        }
        buffer.appendDecimal(metadata.timeNanoseconds % 1_000_000_000)
        buffer.append(UInt8(ascii: ","))
        buffer.append(self.serverName)
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(UInt64(metadata.ipVersion))
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(Self.integer(metadata.sourceAddress, ipVersion: metadata.ipVersion))
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(Self.integer(metadata.destinationAddress, ipVersion: metadata.ipVersion))
        buffer.append(metadata.transport == .udp ? ",17," : ",6,")
        buffer.append(summary.isResponse ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(UInt64(summary.opcode))
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(UInt64(question.class))
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(UInt64(question.type))
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(UInt64(summary.extendedRcode))
        buffer.append(UInt8(ascii: ","))
        DNSPresentationText.appendNameText(at: question.nameOffset, in: message, to: buffer)
        buffer.append(UInt8(ascii: ","))
        buffer.appendDecimal(UInt64(metadata.packetLength))
        if scan.hasEDNS {
            buffer.append(scan.dnssecOK ? ",1,1," : ",1,0,")
        } else {
            buffer.append(",0,0,")
        }
        buffer.appendDecimal(UInt64(summary.id))
        return true
    }

    /// dnsmonster's integer form of an address.
    @inline(__always)
    static func integer(_ address: IPAddressBytes, ipVersion: UInt8) -> UInt64 {
        address.withBytes { raw in
            if ipVersion == 4 { return UInt64(raw.loadBigEndian(at: 0, as: UInt32.self)) }
            return raw.loadBigEndian(at: 0, as: UInt64.self)
        }
    }
}
