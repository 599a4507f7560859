import ArgumentParser
import DMCapture
import DMDnstap
import DMPacket
import DMRecord
import DMStage
import DMStageCommand
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// `dm-capture`: turns captured frames into PACKET records.
@main
struct DMCapture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-capture",
        abstract: "Capture frames from a pcap/pcapng file or a live interface and write them as PACKET records; read dnstap as DNS records.",
        discussion: """
            Files may be gzip- or LZ4-compressed; the compression is recognised by its magic, \
            from files and from standard input.

            dnstap: --dnstap listens for resolvers (BIND, Unbound, Knot, PowerDNS, dnsdist, \
            CoreDNS …) writing Frame Streams to a Unix or TCP socket; a dnstap file (fstrm_capture, \
            dnstap -w) given to --input is recognised by its first bytes. Either way DNS records \
            come out directly, without dm-parse. One listener serves any number of writers from \
            one thread (about a million messages a second); to use more cores, run one dm-capture \
            per resolver or socket.
            """ + "\n\n" + CaptureCounters.help + "\n\ndnstap " + DnstapCounters.help,
        version: DMRecordVersion.string)

    /// dnsmonster's default filter: TCP and UDP over IPv4 and IPv6, and IPv6 fragments.
    static let defaultFilter = "((ip and (ip[9] == 6 or ip[9] == 17)) or (ip6 and (ip6[6] == 17 or ip6[6] == 6 or ip6[6] == 44)))"

    @Option(
        name: [.customLong("input"), .customLong("pcap")],
        help: ArgumentHelp(
            "Capture file to read: pcap or pcapng, plain, gzip or LZ4, or a dnstap file (- or fd:N for a stream; --pcap is the older spelling).",
            valueName: "endpoint"))
    var input: String?

    @Option(help: ArgumentHelp("Listen for dnstap writers (Frame Streams) on unix:///path or tcp://host:port.", valueName: "address"))
    var dnstap: String?

    @Option(help: ArgumentHelp("File mode of the dnstap Unix socket, octal (dnsmonster's --dnstapPermission).", valueName: "octal"))
    var dnstapPermission: String = "755"

    @Option(help: ArgumentHelp("dnstap message types to keep, comma-separated: AQ AR RQ RR CQ CR FQ FR SQ SR TQ TR UQ UR or full names (default: all).", valueName: "list"))
    var dnstapTypes: String?

    @Flag(help: "dnstap: a message that carries both query and response gives a record for each (dnsmonster: one, the query).")
    var dnstapBoth = false

    @Option(help: ArgumentHelp("dnstap: the largest frame decoded; longer ones are skipped and counted (K, M suffixes).", valueName: "size"))
    var dnstapMaxFrame: ByteCountArgument = ByteCountArgument(argument: "1M")!

    @Option(help: ArgumentHelp("dnstap: the most writers connected at once; more are closed at once and counted.", valueName: "N"))
    var dnstapMaxClients: Int = 1024

    @Flag(help: "dnstap: keep DNS messages that fail the wire check, flagged malformed (as dm-parse --keep-malformed).")
    var keepMalformed = false

    @Option(help: ArgumentHelp("Capture live on this interface (libpcap).", valueName: "DEV"))
    var iface: String?

    @OptionGroup var output: OutputOptions

    @Option(help: "BPF filter for live capture (default: dnsmonster's TCP/UDP/IPv6-fragment filter; \"\" for none).")
    var filter: String = DMCapture.defaultFilter

    @Option(help: "Bytes to capture of each live packet.")
    var snaplen: Int32 = 262_144

    @Flag(help: "Do not put the interface into promiscuous mode.")
    var noPromiscuous = false

    @Option(help: "Kernel capture buffer in MiB.")
    var bufferMb: Int32 = 64

    @Option(help: ArgumentHelp("Share the interface with the other dm-capture processes of this PACKET_FANOUT group, flow by flow.", valueName: "ID"))
    var fanoutGroup: UInt16?

    @Option(help: ArgumentHelp("When started as root, switch to this user once the capture is open (root: stay root).", valueName: "NAME"))
    var user: String = "nobody"

    @Option(help: ArgumentHelp("Keep exactly A of every B packets (dnsmonster's 1:10 keeps ~25 %; this keeps 10 %).", valueName: "A:B"))
    var sample: RecordSampler?

    @Option(help: ArgumentHelp("Files: keep only shard I of N (0 ≤ I < N) by a symmetric address-pair hash, so N processes split one file flow by flow.", valueName: "I/N"))
    var shard: Shard?

    @Option(help: ArgumentHelp("Stop after writing N packets.", valueName: "N"))
    var packetLimit: UInt64?

    @Option(help: "Lane number written into records and STATS (0–65535).")
    var lane: UInt16 = 0

    func validate() throws {
        guard [self.input, self.iface, self.dnstap].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --input FILE, --iface DEV and --dnstap ADDRESS")
        }
        if self.dnstap != nil && (self.shard != nil || self.fanoutGroup != nil || self.sample != nil || self.packetLimit != nil) {
            throw ValidationError(
                "--shard, --fanout-group, --sample and --packet-limit split and select files and interfaces; a dnstap socket's messages are selected by dm-filter (--sample)")
        }
        guard UInt32(self.dnstapPermission, radix: 8).map({ $0 <= 0o7777 }) == true else {
            throw ValidationError("--dnstap-permission takes an octal file mode such as 755 or 0660, not \"\(self.dnstapPermission)\"")
        }
        guard self.dnstapMaxClients > 0 else { throw ValidationError("--dnstap-max-clients must be at least 1") }
        guard (64...(1 << 30)).contains(Int(self.dnstapMaxFrame.bytes)) else {
            throw ValidationError("--dnstap-max-frame must be between 64 bytes and 1G")
        }
        if self.iface != nil && self.shard != nil {
            throw ValidationError("--shard splits files; live captures share an interface with --fanout-group")
        }
        if self.input != nil && self.fanoutGroup != nil {
            throw ValidationError("--fanout-group is for live capture; split files with --shard I/N")
        }
    }

    func run() throws {
        try StageMain.run(tool: CaptureStage.name) {
            var stage = CaptureStage(
                selection: PacketSelection(sample: self.sample, shard: self.shard, limit: self.packetLimit), lane: self.lane)
            if let address = self.dnstap {
                let listener = try FrameStreamsAddress(parsing: address).listen(permissions: UInt32(self.dnstapPermission, radix: 8)!)
                let server = FrameStreamsServer(
                    listener: listener, maximumFrameSize: Int(self.dnstapMaxFrame.bytes), maximumClients: self.dnstapMaxClients,
                    report: { StandardError.write("\(DnstapStage.name): \($0)\n") })
                var stage = DnstapStage(mapping: try self.dnstapMapping(), maximumFrameSize: Int(self.dnstapMaxFrame.bytes))
                try stage.serve(server, to: try self.output.open(tool: DnstapStage.name, lane: self.lane, defaultStatsInterval: 10))
            } else if let device = self.iface {
                let capture = try LiveCapture(.init(
                    device: device, filter: self.filter, snapLength: self.snaplen, promiscuous: !self.noPromiscuous,
                    bufferMegabytes: self.bufferMb, fanoutGroup: self.fanoutGroup))
                let output = try self.output.open(tool: CaptureStage.name, lane: self.lane, defaultStatsInterval: 10)
                try stage.captureLive(from: capture, device: device, user: self.user, to: output)
            } else {
                let opened = try Endpoint(parsing: self.input!).openForReading()
                let head = try InputDescriptor.peek(opened.fileDescriptor, name: opened.name, count: 4)
                if DnstapStage.startsFrameStreams(head) {
                    var stage = DnstapStage(mapping: try self.dnstapMapping(), maximumFrameSize: Int(self.dnstapMaxFrame.bytes))
                    let input = InputDescriptor(fileDescriptor: opened.fileDescriptor, name: opened.name, closesDescriptor: opened.owned)
                    try stage.readFile(input, alreadyRead: head, to: try self.output.open(tool: DnstapStage.name, lane: self.lane))
                    return
                }
                let input = DecompressingInput(
                    fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned, alreadyRead: head)
                let reader = CaptureFileReader(input: input)
                try reader.open()
                try stage.captureFile(from: reader, input: input, to: try self.output.open(tool: CaptureStage.name, lane: self.lane))
            }
        }
    }
}

extension DMCapture {
    /// The dnstap mapping the options ask for.
    func dnstapMapping() throws -> DnstapRecordMapping {
        var types = DnstapTypeSelection.all
        if let list = self.dnstapTypes {
            do {
                types = try DnstapTypeSelection(parsing: list)
            } catch {
                throw ValidationError("--dnstap-types: \(error)")
            }
        }
        return DnstapRecordMapping(
            types: types, writesBothMessages: self.dnstapBoth, keepsMalformed: self.keepMalformed,
            selection: DnstapSelection(shard: self.shard.map { ($0.index, $0.count) }, sample: self.sample, limit: self.packetLimit))
    }
}

extension Shard: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
