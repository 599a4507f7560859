import ArgumentParser
import CPcap
import DMRecord
import DMStageOptions

#if canImport(Glibc)
import Glibc
#endif

/// `dm-capture`: turns captured frames into PACKET records.
@main
struct DMCapture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-capture",
        abstract: "Read a pcap or pcapng capture and write its frames as PACKET records.",
        discussion: """
            Counters (STATS record and the summary on standard error): packets, bytes, \
            truncated_inputs (the capture ended inside a packet; every whole packet before \
            it is kept).
            """,
        version: DMRecordVersion.string)

    @Option(help: "Capture file to read, or - for standard input (pcap or pcapng).")
    var pcap: String

    @OptionGroup var output: OutputOptions

    @Option(help: "Lane number written into records and STATS (0–65535).")
    var lane: UInt16 = 0

    func run() throws {
        StageMain.run(tool: "dm-capture") {
            let capture = try PcapFile(path: self.pcap)
            let output = try self.output.open(tool: "dm-capture", lane: self.lane)
            try output.beginOwnSection(entries: [.source(self.pcap == "-" ? "standard input" : self.pcap)])
            var counters = CaptureCounters()
            try output.run(stage: "dm-capture", counters: { counters.fields }) {
                try capture.forEachPacket(lane: self.lane, counters: &counters) { (metadata, frame) throws(RecordWriteError) in
                    try output.writer.writeRecord(type: .packet, bodySize: PacketRecordLayout.fixedSize + frame.count) { body in
                        metadata.store(into: body)
                        body.copyBytes(frame, at: PacketRecordLayout.fixedSize)
                    }
                }
            }
            if let warning = counters.truncationWarning { StandardError.write("dm-capture: warning: \(warning)\n") }
            StandardError.write(StageSummary.line(tool: "dm-capture", counters: counters.fields, stopped: StageSignals.stopRequested))
        }
    }
}

