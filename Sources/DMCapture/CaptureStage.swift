import DMBytes
import DMPacket
import DMRecord
import DMStage
import DMSystem

/// dm-capture's two loops: the frames of a capture file, or of a live interface, selected
/// (``PacketSelection``) and written as PACKET records stamped with the stage's lane, with the
/// counters as periodic and final STATS and the summary line on standard error.
public struct CaptureStage {
    /// The stage's name in STATS records and messages.
    public static let name = "dm-capture"

    /// Which packets are written, with its counters.
    public private(set) var selection: PacketSelection
    /// The lane written into every record.
    public let lane: UInt16

    public init(selection: PacketSelection, lane: UInt16) {
        self.selection = selection
        self.lane = lane
    }

    /// Writes one packet, stamped with `lane`. (The lane is passed in: reading an @Option inside
    /// the per-packet loop went through ArgumentParser's generic getter and cost 30 % of the time.)
    private static func write(_ packet: CapturedPacket, lane: UInt16, to output: StageOutput) throws(RecordWriteError) {
        var metadata = packet.metadata
        metadata.lane = lane
        try output.writer.writeRecord(type: .packet, bodySize: PacketRecordLayout.fixedSize + packet.frame.count) { body in
            metadata.store(into: body)
            body.copy(packet.frame, to: PacketRecordLayout.fixedSize)
        }
    }

    /// Writes the selected frames of a capture file, in one output section whose header names
    /// the file as its SOURCE, until the file ends, the packet limit or a stop signal.
    public mutating func captureFile(from reader: CaptureFileReader, input: DecompressingInput, to output: StageOutput) throws {
        let idle = IdleMark(passingOnTo: output.writer)
        input.idleObserver = idle
        try output.beginOwnSection(entries: [.source(reader.inputName)])
        func counters() -> [(name: String, value: UInt64)] {
            CaptureCounters(
                selection: self.selection, oversizedFrames: reader.oversizedFrames,
                file: (reader.skippedBlocks, reader.truncationWarning == nil ? 0 : 1)
            ).fields
        }
        let lane = self.lane
        try output.run(stage: Self.name, counters: counters) {
            var countdown = StatsCountdown()
            // Read once: the process-wide flag's accessor costs a lazy-global check per packet.
            let stop = StopSignal.process
            while !self.selection.isDone, !stop.isRaised, let packet = try reader.next() {
                if self.selection.admit(packet) { try Self.write(packet, lane: lane, to: output) }
                if countdown.shouldCheck(inputWentIdle: idle.wentIdle) {
                    idle.wentIdle = false
                    try output.writePeriodicStatsIfDue(stage: Self.name, counters: counters)
                }
            }
        }
        if let warning = reader.truncationWarning { StandardError.write("\(Self.name): warning: \(reader.inputName): \(warning)\n") }
        StandardError.write(StageSummary.line(tool: Self.name, counters: counters(), stopped: StageSignals.stopRequested))
    }

    /// Writes the selected packets of a live capture until a stop signal or the packet limit;
    /// then drains what the kernel already captured. Periodic STATS come also while the
    /// interface is quiet, since the kernel's counters move without packets.
    public mutating func captureLive(from capture: LiveCapture, device: String, user: String, to output: StageOutput) throws {
        do {
            StandardError.write("\(Self.name): \(try PrivilegeDrop.drop(to: user))\n")
        } catch {
            throw CaptureError(input: "--user", message: error.description)
        }
        try output.beginOwnSection(entries: [.source("iface:\(device)")])
        var oversized: UInt64 = 0
        func counters() -> [(name: String, value: UInt64)] {
            CaptureCounters(selection: self.selection, oversizedFrames: oversized, kernel: capture.statistics()).fields
        }
        let lane = self.lane
        try output.run(stage: Self.name, counters: counters) {
            let stop = StopSignal.process
            while !self.selection.isDone, !stop.isRaised {
                switch try capture.next(lane: lane) {
                case .packet(let packet):
                    if packet.frame.count == PacketRecordLayout.maximumFrameSize { oversized &+= 1 }
                    if self.selection.admit(packet) { try Self.write(packet, lane: lane, to: output) }
                    output.writer.inputDidRead()
                case .idle:
                    output.writer.inputWillBlock()
                }
                // Live: also when idle, since the kernel's counters move without packets.
                if output.statsSchedule.isDue() {
                    let fields = counters()
                    try output.writeStats(stage: Self.name, kind: .periodic, counters: fields)
                    StandardError.write(StageSummary.line(tool: Self.name, counters: fields, stopped: false))
                }
            }
            // Stopped by a signal: what the kernel already captured is drained, not dropped.
            while !self.selection.isDone, case .packet(let packet) = try capture.next(lane: lane) {
                if self.selection.admit(packet) { try Self.write(packet, lane: lane, to: output) }
            }
        }
        StandardError.write(StageSummary.line(tool: Self.name, counters: counters(), stopped: StageSignals.stopRequested))
    }
}
