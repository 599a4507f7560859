import ArgumentParser
import DMRecord
import DMStageOptions

/// `dm-parse`: from captured frames to DNS records.
@main
struct DMParse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-parse",
        abstract: "Turn PACKET records into DNS records: link layers, IPv4/IPv6 with reassembly, UDP and TCP, DNS validation.",
        discussion: """
            DNS over UDP and TCP; IPv4 and IPv6 fragments are reassembled (30 s in capture time, \
            at most 16384 datagrams and 64 MiB pending), TCP streams too (60 s idle, 65536 \
            streams, 128 KiB per stream and 128 MiB in all). Tunnels are opened and only the \
            traffic inside is parsed, so a tunnelled query gives one record: IP-in-IP (4, 41), \
            GRE (47, with IP, Ethernet, PPP or ERSPAN inside), GRE-in-UDP (4754), VXLAN (4789, \
            8472), Geneve (6081) and GTP-U (2152), nested up to --tunnel-depth. A tunnel port \
            named with --port is read as DNS instead.

            Counters: packets_in, unsupported_link, not_ip, truncated_frames, malformed_ip, \
            ip_fragments, reassembled, fragment_duplicates, fragment_overlaps, \
            fragments_expired, fragments_evicted, fragments_invalid, udp_messages, tcp_segments, tcp_messages, \
            tcp_retransmissions, tcp_out_of_order, tcp_closed_incomplete, tcp_expired, \
            tcp_evicted, tcp_over_limit, tcp_refused, tcp_gaps_skipped, \
            decapsulated_ip_in_ip, decapsulated_gre, decapsulated_gre_in_udp, decapsulated_vxlan, \
            decapsulated_geneve, decapsulated_gtp_u, tunnel_not_ip, tunnel_undecodable, tunnel_too_deep, \
            other_protocols, other_ports, malformed_dns, malformed_kept, dns_out, \
            malformed_packet_records, records_forwarded (records other than PACKET, passed on).
            """,
        version: DMRecordVersion.string)

    @Option(help: "Where to read PACKET records, or a pcap/pcapng capture (plain or gzip, recognised by magic): -, PATH, unix:PATH, unix-listen:PATH, tcp:HOST:PORT, tcp-listen:HOST:PORT.")
    var input: String = "-"

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("DNS port on either side (repeatable), or 'any'.", valueName: "PORT"))
    var port: [PortChoice] = [.number(53)]

    @Flag(help: "Frames are bare IP packets whatever their link type says (dnsmonster's --noEtherframe).")
    var noEther = false

    @Flag(help: "Forward DNS messages that fail the wire check, flagged malformed, instead of dropping them.")
    var keepMalformed = false

    @Option(help: ArgumentHelp("Open at most this many nested tunnels (0: leave tunnels closed).", valueName: "N"))
    var tunnelDepth: Int = 8

    func validate() throws {
        guard (0...64).contains(self.tunnelDepth) else {
            throw ValidationError("--tunnel-depth must be between 0 and 64, not \(self.tunnelDepth).")
        }
    }

    func run() throws {
        StageMain.run(tool: "dm-parse") {
            let opened = try Endpoint(parsing: self.input).openForReading()
            var parser = PacketParser(
                ports: PortSet(self.port), rawIP: self.noEther, keepMalformed: self.keepMalformed, tunnelDepth: self.tunnelDepth)
            // `tcpdump -w - | dm-parse`: a capture instead of a record stream is read directly.
            let head = try InputDescriptor.peek(opened.fileDescriptor, name: opened.name, count: 8)
            switch head.withUnsafeBytes({ StreamMagic.foreignFormat($0) }) {
            case .pcap, .pcapng, .gzip:
                try self.parseCapture(opened, alreadyRead: head, parser: &parser)
                return
            default:
                break
            }
            let reader = RecordReader(
                fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned, alreadyRead: head)
            let output = try self.output.open(tool: "dm-parse")
            try output.run(stage: "dm-parse", counters: { parser.counters.fields }) {
                reader.idleObserver = output.writer
                let writer = output.writer
                while let batch = try reader.nextBatch() {
                    switch batch {
                    case .header(let header):
                        try output.beginSection(after: header)
                    case .records(let run):
                        for record in run {
                            if record.type == .packet {
                                try parser.parse(record, into: writer)
                            } else {
                                parser.counters.recordsForwarded &+= 1
                                try writer.write(record)
                            }
                        }
                        try output.writePeriodicStatsIfDue(stage: "dm-parse") { parser.counters.fields }
                    }
                }
            }
            StandardError.write(StageSummary.line(tool: "dm-parse", counters: parser.counters.fields, stopped: reader.stoppedBySignal))
        }
    }

    /// Parses a capture file's frames directly, as dm-capture | dm-parse would.
    private func parseCapture(_ opened: OpenedEndpoint, alreadyRead: [UInt8], parser: inout PacketParser) throws {
        let input = DecompressingInput(
            fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned, alreadyRead: alreadyRead)
        let reader = CaptureFileReader(input: input)
        try reader.open()
        let output = try self.output.open(tool: "dm-parse")
        let idle = IdleMark(passingOnTo: output.writer)
        input.idleObserver = idle
        try output.beginOwnSection(entries: [.source(opened.name)])
        try output.run(stage: "dm-parse", counters: { parser.counters.fields }) {
            // The clock is read once per 1024 packets (not per packet) and after a quiet spell.
            var untilStatsCheck = 1024
            while !StageSignals.stopRequested, let packet = try reader.next() {
                try parser.parse(metadata: packet.metadata, frame: packet.frame, into: output.writer)
                untilStatsCheck -= 1
                if untilStatsCheck == 0 || idle.wentIdle {
                    untilStatsCheck = 1024
                    idle.wentIdle = false
                    try output.writePeriodicStatsIfDue(stage: "dm-parse") { parser.counters.fields }
                }
            }
        }
        if let warning = reader.truncationWarning { StandardError.write("dm-parse: warning: \(reader.inputName): \(warning)\n") }
        StandardError.write(StageSummary.line(tool: "dm-parse", counters: parser.counters.fields, stopped: StageSignals.stopRequested))
    }
}

/// A `--port` value.
enum PortChoice: ExpressibleByArgument, Equatable {
    case number(UInt16)
    case any

    init?(argument: String) {
        if argument == "any" {
            self = .any
        } else if let number = UInt16(argument), number > 0 {
            self = .number(number)
        } else {
            return nil
        }
    }
}

/// The ports that make a datagram DNS, looked up in constant time.
struct PortSet {
    private var bits = [UInt64](repeating: 0, count: 1024)
    /// The lowest and highest port listed (an empty range when none is). A port outside them
    /// is answered without reading the 8 KiB bitmap: responses go to random client ports, and
    /// reading the bitmap at one of those missed the cache for nearly every response.
    private var lowest = Int(UInt16.max) + 1, highest = -1
    /// `--port any`.
    private(set) var matchesAny = false

    init(_ choices: [PortChoice]) {
        for choice in choices {
            switch choice {
            case .any: self.matchesAny = true
            case .number(let port):
                self.bits[Int(port) >> 6] |= 1 << UInt64(port & 63)
                self.lowest = min(self.lowest, Int(port))
                self.highest = max(self.highest, Int(port))
            }
        }
    }

    @inline(__always)
    func contains(_ port: UInt16) -> Bool {
        self.matchesAny || self.lists(port)
    }

    /// Whether `port` was named itself, not only matched by `any`: a tunnel port given on
    /// purpose is read as DNS, while `any` still lets tunnels be opened.
    @inline(__always)
    func lists(_ port: UInt16) -> Bool {
        guard Int(port) >= self.lowest && Int(port) <= self.highest else { return false }
        return self.bits[Int(port) >> 6] & (1 << UInt64(port & 63)) != 0
    }
}
