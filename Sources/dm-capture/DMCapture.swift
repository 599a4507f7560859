import ArgumentParser
import DMRecord
import DMStageOptions

/// `dm-capture`: turns captured frames into PACKET records.
@main
struct DMCapture: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-capture",
        abstract: "Read a pcap or pcapng capture and write its frames as PACKET records.",
        discussion: """
            Captures may be gzip- or LZ4-compressed; the compression is recognised by its magic, \
            from files and from standard input.

            Counters (STATS record and the summary on standard error): packets_read, \
            other_shards (--shard), sampled_out (--sample), packets_written, bytes_written, \
            oversized_frames (frames cut to the 1 MiB a record carries), skipped_blocks \
            (pcapng blocks without packets), truncated_inputs (the capture ended inside a \
            packet; every whole packet before it is kept).
            """,
        version: DMRecordVersion.string)

    @Option(help: "Capture file to read, or - for standard input: pcap or pcapng, plain, gzip or LZ4.")
    var pcap: String

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Keep exactly A of every B packets (dnsmonster's 1:10 keeps ~25 %; this keeps 10 %).", valueName: "A:B"))
    var sample: SampleRatio?

    @Option(help: ArgumentHelp("Keep only shard I of N (0 ≤ I < N) by a symmetric address-pair hash, so N processes split one file flow by flow.", valueName: "I/N"))
    var shard: Shard?

    @Option(help: ArgumentHelp("Stop after writing N packets.", valueName: "N"))
    var packetLimit: UInt64?

    @Option(help: "Lane number written into records and STATS (0–65535).")
    var lane: UInt16 = 0

    func run() throws {
        StageMain.run(tool: "dm-capture") {
            let endpoint = try Endpoint(parsing: self.pcap)
            let opened = try endpoint.openForReading()
            let reader = CaptureFileReader(
                input: DecompressingInput(fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned))
            try reader.open()
            let output = try self.output.open(tool: "dm-capture", lane: self.lane)
            try output.beginOwnSection(entries: [.source(opened.name)])
            var selection = PacketSelection(sample: self.sample, shard: self.shard, limit: self.packetLimit)
            let lane = self.lane
            func counters() -> [(name: String, value: UInt64)] {
                [("packets_read", selection.packetsRead), ("other_shards", selection.otherShards),
                 ("sampled_out", selection.sampledOut), ("packets_written", selection.packetsWritten),
                 ("bytes_written", selection.bytesWritten), ("oversized_frames", reader.oversizedFrames),
                 ("skipped_blocks", reader.skippedBlocks), ("truncated_inputs", reader.truncationWarning == nil ? 0 : 1)]
            }
            try output.run(stage: "dm-capture", counters: counters) {
                while !selection.isDone, !StageSignals.stopRequested, var packet = try reader.next() {
                    guard selection.admit(packet) else { continue }
                    packet.metadata.lane = lane
                    try output.writer.writeRecord(type: .packet, bodySize: PacketRecordLayout.fixedSize + packet.frame.count) { body in
                        packet.metadata.store(into: body)
                        body.copyBytes(packet.frame, at: PacketRecordLayout.fixedSize)
                    }
                }
            }
            if let warning = reader.truncationWarning { StandardError.write("dm-capture: warning: \(reader.inputName): \(warning)\n") }
            StandardError.write(StageSummary.line(tool: "dm-capture", counters: counters(), stopped: StageSignals.stopRequested))
        }
    }
}
