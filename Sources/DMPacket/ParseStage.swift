import DMRecord
import DMStage
import DMSystem

/// dm-parse's two loops: PACKET records read from a stream, or the frames of a capture file read
/// directly (`tcpdump -w - | dm-parse`), each frame decoded by one ``PacketParser`` into DNS
/// records written through the stage's output, with its counters as periodic and final STATS
/// and the summary line on standard error.
public struct ParseStage {
    /// The stage's name in STATS records and messages.
    public static let name = "dm-parse"

    /// The decoder, with its counters.
    public private(set) var parser: PacketParser

    public init(parser: PacketParser) {
        self.parser = parser
    }

    /// Whether `head`, the first bytes of an input, start a capture (pcap, pcapng, or gzip,
    /// which only captures are given as) rather than a record stream.
    public static func isCapture(_ head: [UInt8]) -> Bool {
        switch head.withByteView({ StreamMagic.foreignFormat($0) }) {
        case .pcap, .pcapng, .gzip: return true
        default: return false
        }
    }

    /// Parses every PACKET record of `reader` and forwards every other record unchanged; each
    /// input header starts an output section.
    public mutating func parseRecords(from reader: RecordReader, to output: StageOutput) throws {
        try output.run(stage: Self.name, counters: { self.parser.counters.fields }) {
            reader.idleObserver = output.writer
            let writer = output.writer
            while let batch = try reader.nextBatch() {
                switch batch {
                case .header(let header):
                    try output.beginSection(after: header)
                case .records(let run):
                    for record in run {
                        if record.type == .packet {
                            try self.parser.parse(record, into: writer)
                        } else {
                            self.parser.counters.recordsForwarded &+= 1
                            try writer.write(record)
                        }
                    }
                    try output.writePeriodicStatsIfDue(stage: Self.name) { self.parser.counters.fields }
                }
            }
        }
        StandardError.write(StageSummary.line(tool: Self.name, counters: self.parser.counters.fields, stopped: reader.stoppedBySignal))
    }

    /// Parses a capture file's frames directly, as dm-capture | dm-parse would: one output
    /// section whose header names the capture as its SOURCE.
    public mutating func parseCapture(
        from reader: CaptureFileReader, input: DecompressingInput, to output: StageOutput
    ) throws {
        let idle = IdleMark(passingOnTo: output.writer)
        input.idleObserver = idle
        try output.beginOwnSection(entries: [.source(reader.inputName)])
        try output.run(stage: Self.name, counters: { self.parser.counters.fields }) {
            var countdown = StatsCountdown()
            // Read once: the process-wide flag's accessor costs a lazy-global check per packet.
            let stop = StopSignal.process
            while !stop.isRaised, let packet = try reader.next() {
                try self.parser.parse(metadata: packet.metadata, frame: packet.frame, into: output.writer)
                if countdown.shouldCheck(inputWentIdle: idle.wentIdle) {
                    idle.wentIdle = false
                    try output.writePeriodicStatsIfDue(stage: Self.name) { self.parser.counters.fields }
                }
            }
        }
        if let warning = reader.truncationWarning { StandardError.write("\(Self.name): warning: \(reader.inputName): \(warning)\n") }
        StandardError.write(StageSummary.line(tool: Self.name, counters: self.parser.counters.fields, stopped: StageSignals.stopRequested))
    }
}
