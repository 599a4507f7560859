import DMBytes
import DMRecord
import DMStage
import DMSystem

/// dm-capture's dnstap loops: the frames of a dnstap file (unidirectional Frame Streams, as
/// `fstrm_capture` and `dnstap -w` write them) or of the writers connected to a socket, decoded
/// and written as DNS records, with the counters as periodic and final STATS and the summary
/// line on standard error.
public struct DnstapStage {
    /// The stage's name in STATS records and messages.
    public static let name = "dm-capture"
    /// The default largest frame: dnsmonster's (golang-dnstap's) 1 MiB.
    public static let defaultMaximumFrameSize = 1 << 20

    /// How payloads become records, with its counters.
    public private(set) var mapping: DnstapRecordMapping
    /// The largest data frame decoded; longer ones are skipped and counted.
    public let maximumFrameSize: Int

    public init(mapping: DnstapRecordMapping, maximumFrameSize: Int = DnstapStage.defaultMaximumFrameSize) {
        self.mapping = mapping
        self.maximumFrameSize = maximumFrameSize
    }

    /// Whether `head`, the first bytes of an input, start a Frame Streams file: the escape
    /// (four zero bytes) of its START control frame.
    public static func startsFrameStreams(_ head: [UInt8]) -> Bool {
        head.count >= 4 && head[0] == 0 && head[1] == 0 && head[2] == 0 && head[3] == 0
    }

    /// Writes the records of a dnstap file until it ends or a stop signal.
    /// - Parameters:
    ///   - input: the file (or pipe).
    ///   - alreadyRead: bytes read from it to recognise the format.
    ///   - output: where records and STATS go.
    /// - Throws: ``DnstapInputError`` naming the input and offset for a file that is no dnstap
    ///   stream; what reading and writing throw.
    public mutating func readFile(_ input: InputDescriptor, alreadyRead: [UInt8], to output: StageOutput) throws {
        let reader = FrameStreamsReader(maximumFrameSize: self.maximumFrameSize, readSize: 1 << 20)
        var handshake = FrameStreamsHandshake(bidirectional: false)
        var frames: UInt64 = 0
        var truncated: UInt64 = 0
        let idle = IdleMark(passingOnTo: output.writer)
        try output.beginOwnSection(entries: [.source(input.name)])
        func counters() -> [(name: String, value: UInt64)] {
            DnstapCounters(
                frames: frames, framesTooLarge: reader.framesTooLarge, mapping: self.mapping.counters, selection: self.mapping.selection,
                truncatedInputs: truncated
            ).fields
        }
        func failure(_ error: FrameStreamsError) -> DnstapInputError {
            DnstapInputError(input: input.name, offset: error.offset, reason: error.reason)
        }
        alreadyRead.withByteView { head in reader.space().copy(head, to: 0) }
        reader.didRead(alreadyRead.count)
        try output.run(stage: Self.name, counters: counters) {
            var countdown = StatsCountdown()
            let stop = StopSignal.process
            while !stop.isRaised && !self.mapping.isDone {
                do {
                    while !self.mapping.isDone, let frame = try reader.next(acceptsData: handshake.isReceiving) {
                        switch frame {
                        case .data(let payload):
                            frames &+= 1
                            try self.mapping.write(frame: payload, into: output.writer)
                            if countdown.shouldCheck(inputWentIdle: idle.wentIdle) {
                                idle.wentIdle = false
                                try output.writePeriodicStatsIfDue(stage: Self.name, counters: counters)
                            }
                        case .control(let control):
                            _ = try handshake.handle(control, offset: reader.frameOffset)
                            // Files joined end to end (`cat a.fstrm b.fstrm`): each stream's
                            // START follows the STOP before it.
                            if handshake.state == .stopped { handshake = FrameStreamsHandshake(bidirectional: false) }
                        }
                    }
                } catch let error as FrameStreamsError {
                    throw failure(error)
                }
                guard let count = try input.read(into: reader.space(), idleObserver: idle) else { break }
                reader.didRead(count)
            }
            if reader.holdsPartialFrame && !stop.isRaised && !self.mapping.isDone { truncated = 1 }
            if handshake.state == .awaitingStart && frames == 0 && !stop.isRaised {
                throw DnstapInputError(input: input.name, offset: reader.offset, reason: "the input ended before a START control frame: no dnstap file")
            }
        }
        if truncated > 0 {
            StandardError.write("\(Self.name): warning: \(input.name): the file ends inside a frame at offset \(reader.offset); the frames before it are kept\n")
        }
        StandardError.write(StageSummary.line(tool: Self.name, counters: counters(), stopped: StageSignals.stopRequested))
    }

    /// Serves dnstap writers on `server` until a stop signal, writing the records of every
    /// started stream.
    public mutating func serve(_ server: FrameStreamsServer, to output: StageOutput) throws {
        var frames: UInt64 = 0
        try output.beginOwnSection(entries: [.source("dnstap:\(server.listener.name)")])
        func counters() -> [(name: String, value: UInt64)] {
            DnstapCounters(frames: frames, framesTooLarge: server.framesTooLarge, mapping: self.mapping.counters, socket: server.counters).fields
        }
        StandardError.write("\(Self.name): listening for dnstap writers on \(server.listener.name)\n")
        try output.run(stage: Self.name, counters: counters) {
            try server.run(
                stop: StopSignal.process, tickMilliseconds: 100,
                willWait: { output.writer.inputWillBlock() },
                tick: {
                    output.writer.inputDidRead()
                    if output.statsSchedule.isDue() {
                        let fields = counters()
                        try output.writeStats(stage: Self.name, kind: .periodic, counters: fields)
                        StandardError.write(StageSummary.line(tool: Self.name, counters: fields, stopped: false))
                    }
                },
                data: { payload in
                    frames &+= 1
                    try self.mapping.write(frame: payload, into: output.writer)
                })
        }
        StandardError.write(StageSummary.line(tool: Self.name, counters: counters(), stopped: StageSignals.stopRequested))
    }
}

/// An input that is no dnstap stream, with where the problem is.
public struct DnstapInputError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input's name: a path or `standard input`.
    public var input: String
    /// The byte offset where the problem starts.
    public var offset: UInt64
    /// What is wrong.
    public var reason: String

    public var description: String { "\(self.input): offset \(self.offset): \(self.reason)" }
}
