import ArgumentParser
import DMPacket
import DMRecord
import DMStage
import DMStageCommand
import DMSystem

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
            """ + "\n\n" + ParseCounters.help,
        version: DMRecordVersion.string)

    @Option(help: ArgumentHelp("Where to read PACKET records, or a pcap/pcapng capture (plain, gzip or LZ4, recognised by magic): \(Endpoint.forms).", valueName: "endpoint"))
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
        try StageMain.run(tool: ParseStage.name) {
            let opened = try Endpoint(parsing: self.input).openForReading()
            var stage = ParseStage(parser: PacketParser(
                ports: PortSet(self.port), rawIP: self.noEther, keepMalformed: self.keepMalformed, tunnelDepth: self.tunnelDepth))
            // `tcpdump -w - | dm-parse`: a capture instead of a record stream is read directly.
            let head = try InputDescriptor.peek(opened.fileDescriptor, name: opened.name, count: 8)
            if ParseStage.isCapture(head) {
                let input = DecompressingInput(
                    fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned, alreadyRead: head)
                let reader = CaptureFileReader(input: input)
                try reader.open()
                try stage.parseCapture(from: reader, input: input, to: try self.output.open(tool: ParseStage.name))
            } else {
                let reader = RecordReader(
                    fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned, alreadyRead: head)
                try stage.parseRecords(from: reader, to: try self.output.open(tool: ParseStage.name))
            }
        }
    }
}

extension PortChoice: ExpressibleByArgument {
    public var defaultValueDescription: String {
        switch self {
        case .number(let number): return String(number)
        case .any: return "any"
        }
    }
}
