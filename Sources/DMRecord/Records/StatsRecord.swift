import DMBytes

/// A STATS record (docs/record-format.md, section 3.3): the counters of one stage.
///
/// Counter values are totals since the stage started, so the latest record per
/// (stage, process id, lane) is the truth and consumers sum across lanes.
public struct StatsRecord: Hashable, Sendable {
    /// Whether the counters are a snapshot or the stage's last word.
    @frozen
    public struct Kind: RawRepresentable, Hashable, Sendable {
        public var rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Written periodically while the stage runs.
        @inlinable public static var periodic: Kind { Kind(rawValue: 1) }
        /// Written once when the stage's input ended or it was stopped.
        @inlinable public static var final: Kind { Kind(rawValue: 2) }
    }

    public var timeNanoseconds: UInt64
    public var processID: UInt32
    public var lane: UInt16
    public var kind: Kind
    public var stage: String
    /// Counter names and values in the order the stage reports them.
    public var counters: [(name: String, value: UInt64)]

    public init(
        timeNanoseconds: UInt64, processID: UInt32, lane: UInt16, kind: Kind, stage: String,
        counters: [(name: String, value: UInt64)]
    ) {
        self.timeNanoseconds = timeNanoseconds
        self.processID = processID
        self.lane = lane
        self.kind = kind
        self.stage = stage
        self.counters = counters
    }

    /// The value of the counter `name`, if the record has it.
    public subscript(counter name: String) -> UInt64? {
        self.counters.first { $0.name == name }?.value
    }

    /// Decodes a STATS body, validating every length before reading.
    public init(body: ByteView) throws(RecordLayoutError) {
        func fail(_ reason: String) -> RecordLayoutError { RecordLayoutError(type: .stats, reason: reason) }
        guard body.count >= 16 else { throw fail("body of \(body.count) bytes is shorter than the 16-byte fixed part") }
        let stageLength = Int(body[15])
        guard stageLength > 0, 16 + stageLength <= body.count else {
            throw fail("stage name length \(stageLength) does not fit the body")
        }
        var counters: [(name: String, value: UInt64)] = []
        var offset = 16 + stageLength
        while offset < body.count {
            let nameLength = Int(body[offset])
            guard nameLength > 0, offset + 1 + nameLength + 8 <= body.count else {
                throw fail("counter at body offset \(offset) runs past the end of the body")
            }
            let name = String(decoding: body[(offset + 1)..<(offset + 1 + nameLength)], as: UTF8.self)
            counters.append((name, body.loadLittleEndian(at: offset + 1 + nameLength)))
            offset += 1 + nameLength + 8
        }
        self.init(
            timeNanoseconds: body.loadLittleEndian(at: 0), processID: body.loadLittleEndian(at: 8),
            lane: body.loadLittleEndian(at: 12), kind: Kind(rawValue: body[14]),
            stage: String(decoding: body[16..<(16 + stageLength)], as: UTF8.self), counters: counters)
    }

    /// The encoded body. Names are cut to 255 bytes, the most the format can carry.
    public func encodedBody() -> [UInt8] {
        var body: [UInt8] = []
        body.appendLittleEndian(self.timeNanoseconds)
        body.appendLittleEndian(self.processID)
        body.appendLittleEndian(self.lane)
        body.append(self.kind.rawValue)
        let stage = Array(self.stage.utf8.prefix(255))
        body.append(UInt8(stage.count))
        body.append(contentsOf: stage)
        for counter in self.counters {
            let name = Array(counter.name.utf8.prefix(255))
            body.append(UInt8(name.count))
            body.append(contentsOf: name)
            body.appendLittleEndian(counter.value)
        }
        return body
    }

    public static func == (lhs: StatsRecord, rhs: StatsRecord) -> Bool {
        lhs.timeNanoseconds == rhs.timeNanoseconds && lhs.processID == rhs.processID && lhs.lane == rhs.lane
            && lhs.kind == rhs.kind && lhs.stage == rhs.stage
            && lhs.counters.map(\.name) == rhs.counters.map(\.name)
            && lhs.counters.map(\.value) == rhs.counters.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.stage)
        hasher.combine(self.timeNanoseconds)
    }
}
