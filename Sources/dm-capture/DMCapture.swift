import ArgumentParser
import DMCapture
import DMPacket
import DMRecord
import DMStage
import DMStageCommand

#if canImport(Glibc)
import Glibc
#endif

/// `dm-capture`: turns captured frames into PACKET records.
@main
struct DMCapture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-capture",
        abstract: "Capture frames from a pcap/pcapng file or a live interface and write them as PACKET records.",
        discussion: """
            Files may be gzip- or LZ4-compressed; the compression is recognised by its magic, \
            from files and from standard input.
            """ + "\n\n" + CaptureCounters.help,
        version: DMRecordVersion.string)

    /// dnsmonster's default filter: TCP and UDP over IPv4 and IPv6, and IPv6 fragments.
    static let defaultFilter = "((ip and (ip[9] == 6 or ip[9] == 17)) or (ip6 and (ip6[6] == 17 or ip6[6] == 6 or ip6[6] == 44)))"

    @Option(
        name: [.customLong("input"), .customLong("pcap")],
        help: ArgumentHelp("Capture file to read: pcap or pcapng, plain, gzip or LZ4 (- or fd:N for a stream; --pcap is the older spelling).", valueName: "endpoint"))
    var input: String?

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
        guard (self.input == nil) != (self.iface == nil) else {
            throw ValidationError("give exactly one of --input FILE and --iface DEV")
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
            if let device = self.iface {
                let capture = try LiveCapture(.init(
                    device: device, filter: self.filter, snapLength: self.snaplen, promiscuous: !self.noPromiscuous,
                    bufferMegabytes: self.bufferMb, fanoutGroup: self.fanoutGroup))
                let output = try self.output.open(tool: CaptureStage.name, lane: self.lane, defaultStatsInterval: 10)
                try stage.captureLive(from: capture, device: device, user: self.user, to: output)
            } else {
                let opened = try Endpoint(parsing: self.input!).openForReading()
                let input = DecompressingInput(fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned)
                let reader = CaptureFileReader(input: input)
                try reader.open()
                try stage.captureFile(from: reader, input: input, to: try self.output.open(tool: CaptureStage.name, lane: self.lane))
            }
        }
    }
}

extension Shard: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
