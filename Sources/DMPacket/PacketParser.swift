import DMBytes
import DMRecord
import DMStage
import DNSWire

/// Why each frame did or did not become a DNS record.
public struct ParseCounters: Sendable {
    var packetsIn: UInt64 = 0
    var unsupportedLink: UInt64 = 0
    var notIP: UInt64 = 0
    var truncatedFrames: UInt64 = 0
    var malformedIP: UInt64 = 0
    var tcpSegments: UInt64 = 0
    var udpMessages: UInt64 = 0
    var otherProtocols: UInt64 = 0
    var otherPorts: UInt64 = 0
    var messages = MessageCounters()
    var recordsForwarded: UInt64 = 0
    var malformedPackets: UInt64 = 0
    var defragmentation = IPDefragmenter.Counters()
    var tcp = TCPReassembler.Counters()
    /// Tunnels opened, per ``Tunnel`` (indexed by its raw value).
    var decapsulated = [UInt64](repeating: 0, count: Tunnel.allCases.count)
    var tunnelNotIP: UInt64 = 0
    var tunnelUndecodable: UInt64 = 0
    var tunnelTooDeep: UInt64 = 0
}

extension ParseCounters: StageCounters {
    /// dm-parse's counters, in the order STATS lists them.
    public static let declared: [Counter<ParseCounters>] = [
        Counter("packets_in", "PACKET records read") { $0.packetsIn },
        Counter("unsupported_link", "frames of a link type dm-parse does not read") { $0.unsupportedLink },
        Counter("not_ip", "frames carrying neither IPv4 nor IPv6") { $0.notIP },
        Counter("truncated_frames", "frames cut short of their IP or transport header") { $0.truncatedFrames },
        Counter("malformed_ip", "IP headers that contradict themselves or the frame") { $0.malformedIP },
        Counter("ip_fragments", "IP fragments taken in for reassembly") { $0.defragmentation.fragments },
        Counter("reassembled", "datagrams rebuilt from fragments") { $0.defragmentation.reassembled },
        Counter("fragment_duplicates", "fragments received twice") { $0.defragmentation.duplicates },
        Counter("fragment_overlaps", "datagrams dropped because two fragments overlapped with different bytes") { $0.defragmentation.overlapping },
        Counter("fragments_expired", "datagrams not completed within 30 s of capture time") { $0.defragmentation.expired },
        Counter("fragments_evicted", "incomplete datagrams dropped to stay within the reassembly limits") { $0.defragmentation.evicted },
        Counter("fragments_invalid", "fragments with impossible offsets or lengths (beyond 64 KiB, a middle one not a multiple of 8)") { $0.defragmentation.invalid },
        Counter("udp_messages", "UDP datagrams on a DNS port") { $0.udpMessages },
        Counter("tcp_segments", "TCP segments on a DNS port") { $0.tcpSegments },
        Counter("tcp_messages", "DNS messages reassembled from TCP streams") { $0.tcp.messages },
        Counter("tcp_retransmissions", "TCP segments already seen") { $0.tcp.retransmissions },
        Counter("tcp_out_of_order", "TCP segments held until the bytes before them arrived") { $0.tcp.outOfOrder },
        Counter("tcp_closed_incomplete", "TCP streams that ended inside a message") { $0.tcp.closedIncomplete },
        Counter("tcp_expired", "TCP streams idle for 60 s of capture time with bytes left") { $0.tcp.expired },
        Counter("tcp_evicted", "TCP streams dropped with their bytes to stay within the stream limits") { $0.tcp.evicted },
        Counter("tcp_over_limit", "TCP streams dropped for holding more than 128 KiB") { $0.tcp.overLimit },
        Counter("tcp_refused", "TCP segments of a stream the table had no room for (their whole messages still parsed)") { $0.tcp.refused },
        Counter("tcp_gaps_skipped", "holes the capture left in TCP streams, skipped") { $0.tcp.gapsSkipped },
    ] + Tunnel.allCases.map { tunnel in
        Counter("decapsulated_\(tunnel)", "\(tunnel) tunnels opened") { $0.decapsulated[Int(tunnel.rawValue)] }
    } + [
        Counter("tunnel_not_ip", "tunnels carrying neither IPv4 nor IPv6") { $0.tunnelNotIP },
        Counter("tunnel_undecodable", "tunnel headers that could not be read") { $0.tunnelUndecodable },
        Counter("tunnel_too_deep", "tunnels nested deeper than --tunnel-depth") { $0.tunnelTooDeep },
        Counter("other_protocols", "IP packets neither UDP nor TCP") { $0.otherProtocols },
        Counter("other_ports", "UDP and TCP packets on no DNS port") { $0.otherPorts },
        Counter("malformed_dns", "DNS messages failing the wire check") { $0.messages.malformed },
        Counter("malformed_kept", "of those, forwarded flagged (--keep-malformed)") { $0.messages.malformedKept },
        Counter("dns_out", "DNS records written") { $0.messages.written },
        Counter("malformed_packet_records", "PACKET records whose layout is broken") { $0.malformedPackets },
        Counter("records_forwarded", "records other than PACKET, passed on") { $0.recordsForwarded },
    ]
}

/// What became of the DNS messages found: a plain value, so the TCP path can count into a copy
/// while the reassembler that hands it messages is being changed.
struct MessageCounters {
    var malformed: UInt64 = 0
    var malformedKept: UInt64 = 0
    var written: UInt64 = 0
}

/// Decodes PACKET records down to DNS messages and writes DNS records.
public struct PacketParser {
    let ports: PortSet
    let rawIP: Bool
    let keepMalformed: Bool
    /// How many tunnels, one inside the other, are opened at most.
    let tunnelDepth: Int
    public internal(set) var counters = ParseCounters()
    var defragmenter = IPDefragmenter()
    var reassembler = TCPReassembler()
    let validator = DNSMessageValidator()

    /// A parser reading DNS on `ports`; `rawIP` takes every frame as a bare IP packet
    /// (dnsmonster's `--noEtherframe`), `keepMalformed` forwards messages that fail the wire
    /// check flagged instead of dropping them, and at most `tunnelDepth` nested tunnels are opened.
    public init(ports: PortSet, rawIP: Bool, keepMalformed: Bool, tunnelDepth: Int = 8) {
        self.ports = ports
        self.rawIP = rawIP
        self.keepMalformed = keepMalformed
        self.tunnelDepth = tunnelDepth
    }

    /// Parses a PACKET record.
    public mutating func parse(_ record: RecordView, into writer: RecordWriter) throws(RecordWriteError) {
        guard let packet = try? PacketRecordView(body: record.body) else {
            self.counters.packetsIn &+= 1
            self.counters.malformedPackets &+= 1
            return
        }
        try self.parse(metadata: packet.metadata, frame: packet.frame, into: writer)
    }

    /// Parses one captured frame, from a PACKET record or straight from a capture file.
    public mutating func parse(metadata: PacketMetadata, frame: ByteView, into writer: RecordWriter) throws(RecordWriteError) {
        self.counters.packetsIn &+= 1
        let linkType = metadata.linkType
        guard self.rawIP || LinkLayer.isSupported(linkType) else {
            self.counters.unsupportedLink &+= 1
            return
        }
        guard let ipOffset = LinkLayer.ipHeaderOffset(linkType: linkType, frame: frame, rawIP: self.rawIP) else {
            self.counters.notIP &+= 1
            return
        }
        try self.parseIP(frame, at: ipOffset, time: metadata.timeNanoseconds, tunnelDepth: 0, into: writer)
    }

    /// Parses the IP packet at `offset` of `bytes`: a captured frame's, or a tunnel's payload.
    /// Fragments go to the defragmenter; a completed datagram is parsed at once.
    @inline(__always)
    private mutating func parseIP(
        _ bytes: ByteView, at offset: Int, time: UInt64, tunnelDepth: Int, into writer: RecordWriter
    ) throws(RecordWriteError) {
        let ip: IPPacketView
        do {
            ip = try IPPacketView(frame: bytes, at: offset)
        } catch .truncated {
            self.counters.truncatedFrames &+= 1
            return
        } catch {
            self.counters.malformedIP &+= 1
            return
        }
        if ip.fragment != nil {
            let whole = self.defragmenter.add(ip, time: time)
            self.counters.defragmentation = self.defragmenter.counters
            guard let whole else { return }
            // The reassembled datagram's records carry the time of the fragment that completed it.
            try whole.payload.withByteView { (payload) throws(RecordWriteError) in
                try self.parseTransport(
                    whole.transportProtocol, payload, version: whole.version, source: whole.source,
                    destination: whole.destination, time: time, tunnelDepth: tunnelDepth, into: writer)
            }
            return
        }
        try self.parseTransport(
            ip.transportProtocol, ip.payload, version: ip.version, source: ip.source, destination: ip.destination,
            time: time, tunnelDepth: tunnelDepth, into: writer)
    }

    /// Opens `tunnel` and parses the IP packet inside, once: the outer packet itself yields no
    /// record, so a tunnelled query is reported exactly once, with its inner addresses.
    private mutating func decapsulate(
        _ tunnel: Tunnel, _ payload: ByteView, time: UInt64, tunnelDepth: Int, into writer: RecordWriter
    ) throws(RecordWriteError) {
        guard tunnelDepth < self.tunnelDepth else {
            self.counters.tunnelTooDeep &+= 1
            return
        }
        switch tunnel.decapsulate(payload) {
        case .innerIP(let offset):
            self.counters.decapsulated[Int(tunnel.rawValue)] &+= 1
            try self.parseIP(payload, at: offset, time: time, tunnelDepth: tunnelDepth + 1, into: writer)
        case .notIP:
            self.counters.tunnelNotIP &+= 1
        case .undecodable:
            self.counters.tunnelUndecodable &+= 1
        }
    }

    /// Dispatches one whole IP payload (unfragmented or reassembled) on its protocol.
    @inline(__always)
    private mutating func parseTransport(
        _ transportProtocol: UInt8, _ payload: ByteView, version: UInt8, source: IPAddressBytes,
        destination: IPAddressBytes, time: UInt64, tunnelDepth: Int, into writer: RecordWriter
    ) throws(RecordWriteError) {
        switch transportProtocol {
        case 17:
            try self.parseUDP(
                payload, version: version, source: source, destination: destination, time: time, tunnelDepth: tunnelDepth,
                into: writer)
        case 6:
            try self.parseTCP(payload, version: version, source: source, destination: destination, time: time, into: writer)
        default:
            if let tunnel = Tunnel.overIP(protocol: transportProtocol) {
                try self.decapsulate(tunnel, payload, time: time, tunnelDepth: tunnelDepth, into: writer)
            } else {
                self.counters.otherProtocols &+= 1
            }
        }
    }

    private mutating func parseTCP(
        _ bytes: ByteView, version: UInt8, source: IPAddressBytes, destination: IPAddressBytes,
        time: UInt64, into writer: RecordWriter
    ) throws(RecordWriteError) {
        guard bytes.count >= 4, let segment = TCPReassembler.Segment(bytes) else {
            self.counters.truncatedFrames &+= 1
            return
        }
        let sourcePort = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let destinationPort = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        // Ports are per connection, so filtering before reassembly is the same as after it and
        // keeps other TCP traffic out of the reassembly tables.
        guard self.ports.contains(sourcePort) || self.ports.contains(destinationPort) else {
            self.counters.otherPorts &+= 1
            return
        }
        self.counters.tcpSegments &+= 1
        let key = TCPReassembler.StreamKey(
            version: version, source: source, destination: destination, sourcePort: sourcePort, destinationPort: destinationPort)
        // The closure counts into a local copy: `self.reassembler` is being mutated while it runs.
        var messages = self.counters.messages
        defer {
            self.counters.tcp = self.reassembler.counters
            self.counters.messages = messages
        }
        let keepMalformed = self.keepMalformed
        let validator = self.validator
        try self.reassembler.add(segment, key: key, time: time) { (message, stream, completed) throws(RecordWriteError) in
            // The message may belong to another stream than this segment's (the reverse one
            // skipping an acknowledged hole, or one that expired), so its addresses come from it.
            try Self.writeDNS(
                message, transport: .tcp, version: stream.version, source: stream.source, destination: stream.destination,
                sourcePort: stream.sourcePort, destinationPort: stream.destinationPort, time: completed,
                validator: validator, keepMalformed: keepMalformed, counters: &messages, into: writer)
        }
    }

    @inline(__always)
    private mutating func parseUDP(
        _ datagram: ByteView, version: UInt8, source: IPAddressBytes, destination: IPAddressBytes,
        time: UInt64, tunnelDepth: Int, into writer: RecordWriter
    ) throws(RecordWriteError) {
        guard datagram.count >= 8 else {
            self.counters.truncatedFrames &+= 1
            return
        }
        let sourcePort = UInt16(datagram[0]) << 8 | UInt16(datagram[1])
        let destinationPort = UInt16(datagram[2]) << 8 | UInt16(datagram[3])
        let length = Int(datagram[4]) << 8 | Int(datagram[5])
        let listed = self.ports.lists(destinationPort) || self.ports.lists(sourcePort)
        let tunnel = listed ? nil : Tunnel.overUDP(sourcePort: sourcePort, destinationPort: destinationPort)
        guard listed || tunnel != nil || self.ports.matchesAny else {
            self.counters.otherPorts &+= 1
            return
        }
        guard length >= 8, length <= datagram.count else {
            self.counters.truncatedFrames &+= 1
            return
        }
        let message = datagram.subview(8..<length)
        if let tunnel {
            try self.decapsulate(tunnel, message, time: time, tunnelDepth: tunnelDepth, into: writer)
            return
        }
        self.counters.udpMessages &+= 1
        try Self.writeDNS(
            message, transport: .udp, version: version, source: source, destination: destination, sourcePort: sourcePort,
            destinationPort: destinationPort, time: time, validator: self.validator, keepMalformed: self.keepMalformed,
            counters: &self.counters.messages,
            into: writer)
    }

    /// Validates one DNS message and writes its record (or counts it as malformed).
    /// The packet length is the message's: the UDP payload, or the TCP message without its prefix.
    @inline(__always)
    private static func writeDNS(
        _ message: ByteView, transport: DNSTransport, version: UInt8,
        source: IPAddressBytes, destination: IPAddressBytes, sourcePort: UInt16, destinationPort: UInt16,
        time: UInt64, validator: DNSMessageValidator, keepMalformed: Bool, counters: inout MessageCounters,
        into writer: RecordWriter
    ) throws(RecordWriteError) {
        var flags: UInt16 = 0
        do {
            _ = try validator.validate(message)
        } catch {
            counters.malformed &+= 1
            guard keepMalformed else { return }
            counters.malformedKept &+= 1
            flags = DNSRecordLayout.malformedFlag
        }
        let metadata = DNSMetadata(
            timeNanoseconds: time, packetLength: UInt32(message.count), ipVersion: version, transport: transport,
            sourcePort: sourcePort, destinationPort: destinationPort, sourceAddress: source, destinationAddress: destination)
        try writer.writeRecord(type: .dns, flags: flags, bodySize: DNSRecordLayout.fixedSize + message.count) { body in
            metadata.store(into: body, identityLength: 0)
            body.copy(message, to: DNSRecordLayout.fixedSize)
        }
        counters.written &+= 1
    }
}
