import DMBytes
@testable import DMPacket
import DMRecord
import DMTestSupport
import Testing

/// DNS over TCP: framing across and within segments, any order, retransmissions, cleanup, bounds.
@Suite("TCP reassembly")
struct TCPReassemblerTests {
    static let key = TCPReassembler.StreamKey(
        version: 4, source: IPAddressBytes([10, 0, 0, 1])!, destination: IPAddressBytes([10, 0, 0, 2])!,
        sourcePort: 40000, destinationPort: 53)

    /// A TCP header (20 bytes) with `flags`, then `payload`.
    static func segment(sequence: UInt32, flags: UInt8 = 0x18, _ payload: [UInt8] = []) -> [UInt8] {
        [0x9C, 0x40, 0, 53, UInt8(sequence >> 24), UInt8(sequence >> 16 & 0xFF), UInt8(sequence >> 8 & 0xFF), UInt8(sequence & 0xFF),
         0, 0, 0, 0, 0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0] + payload
    }

    /// Three messages of 30, 300 and 5 bytes, each behind its length, as one byte stream.
    static let messages: [[UInt8]] = [30, 300, 5].enumerated().map { index, size in (0..<size).map { UInt8((index * 7 + $0) & 0xFF) } }
    static let stream: [UInt8] = messages.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xFF)] + $0 }

    static func feed(_ segments: [[UInt8]], into reassembler: inout TCPReassembler, time: UInt64 = 5) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for bytes in segments {
            try bytes.withByteView { raw throws in
                let segment = try #require(TCPReassembler.Segment(raw))
                reassembler.add(segment, key: Self.key, time: time) { message, _, _ in out.append(Array(message)) }
            }
        }
        return out
    }

    /// The stream cut at `cuts` into segments starting at sequence 1001 (after a SYN at 1000).
    static func segments(cuts: [Int]) -> [[UInt8]] {
        let bounds = [0] + cuts + [stream.count]
        return (0..<(bounds.count - 1)).map { Self.segment(sequence: 1001 + UInt32(bounds[$0]), Array(stream[bounds[$0]..<bounds[$0 + 1]])) }
    }

    @Test("messages split across segments, several in one, arrive whole and in order", arguments: [[1], [2, 33], [10, 40, 200, 334], Array(stride(from: 1, to: 341, by: 17))])
    func framing(cuts: [Int]) throws {
        var reassembler = TCPReassembler()
        let out = try Self.feed([Self.segment(sequence: 1000, flags: 0x02)] + Self.segments(cuts: cuts), into: &reassembler)
        #expect(out == Self.messages)
        #expect(reassembler.counters.messages == 3)
    }

    @Test("segments in reverse and shuffled order, with retransmissions, give the same messages")
    func anyOrder() throws {
        let parts = Self.segments(cuts: [5, 40, 100, 200, 334])
        var rng = SplitMix64(seed: 5)
        for round in 0..<50 {
            var order = round == 0 ? Array(parts.reversed()) : parts.shuffled(using: &rng)
            if round % 3 == 0 { order.insert(order[Int.random(in: 0..<order.count, using: &rng)], at: Int.random(in: 0...order.count, using: &rng)) }
            var reassembler = TCPReassembler()
            let out = try Self.feed([Self.segment(sequence: 1000, flags: 0x02)] + order + parts, into: &reassembler)
            #expect(out == Self.messages, "round \(round)")
        }
    }

    @Test("without a SYN the first segment starts the stream; FIN with half a message is counted")
    func midStreamAndFin() throws {
        var reassembler = TCPReassembler()
        let half = Array(Self.stream.prefix(40))
        let out = try Self.feed([Self.segment(sequence: 7, half), Self.segment(sequence: 47, flags: 0x11)], into: &reassembler)
        #expect(out == [Self.messages[0]])
        #expect(reassembler.counters.closedIncomplete == 1)
        #expect(reassembler.streamCount == 0 && reassembler.pendingBytes == 0)
    }

    @Test("a stream holding more than its byte bound is dropped and counted; idle streams expire")
    func bounds() throws {
        var reassembler = TCPReassembler(limits: .init(idleTimeoutNanoseconds: 1000, maximumStreamBytes: 100))
        // A length of 1000 that never completes: the stream passes 100 bytes held and is dropped.
        _ = try Self.feed([Self.segment(sequence: 1, [0x03, 0xE8] + [UInt8](repeating: 1, count: 150))], into: &reassembler)
        #expect(reassembler.counters.overLimit == 1)
        #expect(reassembler.streamCount == 0)
        _ = try Self.feed([Self.segment(sequence: 1, [0, 50, 1, 2])], into: &reassembler, time: 10)
        #expect(reassembler.streamCount == 1)
        var other = Self.key
        other.sourcePort = 1
        Self.segment(sequence: 1, [0, 1]).withByteView { raw in
            reassembler.add(TCPReassembler.Segment(raw)!, key: other, time: 5000) { _, _, _ in }
        }
        #expect(reassembler.counters.expired == 1)
        #expect(reassembler.streamCount == 1)
    }

    /// Feeds (segment, stream, time) triples; returns each message with its stream's source
    /// port and its time.
    static func feedTimed(_ segments: [(bytes: [UInt8], key: TCPReassembler.StreamKey, time: UInt64)],
                          into reassembler: inout TCPReassembler) throws -> [(message: [UInt8], port: UInt16, time: UInt64)] {
        var out: [(message: [UInt8], port: UInt16, time: UInt64)] = []
        for (bytes, key, time) in segments {
            try bytes.withByteView { raw throws in
                let segment = try #require(TCPReassembler.Segment(raw))
                reassembler.add(segment, key: key, time: time) { message, stream, completed in
                    out.append((Array(message), stream.sourcePort, completed))
                }
            }
        }
        return out
    }

    /// A segment of the reverse stream acknowledging `acknowledgement`.
    static func acknowledgement(_ acknowledgement: UInt32) -> [UInt8] {
        var bytes = Self.segment(sequence: 500, flags: 0x10)
        bytes[8] = UInt8(acknowledgement >> 24); bytes[9] = UInt8(acknowledgement >> 16 & 0xFF)
        bytes[10] = UInt8(acknowledgement >> 8 & 0xFF); bytes[11] = UInt8(acknowledgement & 0xFF)
        return bytes
    }

    /// Message 0 whole, message 1 cut in the middle by a lost segment, message 2 after it.
    static func holeSegments() -> (before: [UInt8], after: [UInt8], end: UInt32) {
        let cut = 2 + 30 + 2 + 100  // inside message 1
        let resume = 2 + 30 + 2 + 300  // message 2 starts here
        return (Self.segment(sequence: 1001, Array(Self.stream[..<cut])),
                Self.segment(sequence: 1001 + UInt32(resume), Array(Self.stream[resume...])), 1001 + UInt32(Self.stream.count))
    }

    @Test("a hole the receiver acknowledged is skipped: the stream resumes at the next segment, with that segment's time")
    func acknowledgedHole() throws {
        var reassembler = TCPReassembler()
        let (before, after, end) = Self.holeSegments()
        let reverse = TCPReassemblerTests.key.reversedForTests
        let out = try Self.feedTimed([(Self.segment(sequence: 1000, flags: 0x02), Self.key, 1), (before, Self.key, 2),
                                      (after, Self.key, 3), (Self.acknowledgement(end - 10), reverse, 4),
                                      (Self.acknowledgement(end), reverse, 5)], into: &reassembler)
        #expect(out.map(\.message) == [Self.messages[0], Self.messages[2]])
        #expect(out.map(\.time) == [2, 3])
        #expect(out.allSatisfy { $0.port == Self.key.sourcePort })
        #expect(reassembler.counters.gapsSkipped == 1)
        #expect(reassembler.pendingBytes == 0)
    }

    @Test("an acknowledgement short of the waiting segment keeps waiting; the late segment still fills the hole")
    func unacknowledgedHoleWaits() throws {
        var reassembler = TCPReassembler()
        let (before, after, _) = Self.holeSegments()
        let missing = Self.segment(sequence: 1001 + 134, Array(Self.stream[134..<334]))
        let out = try Self.feedTimed([(Self.segment(sequence: 1000, flags: 0x02), Self.key, 1), (before, Self.key, 2),
                                      (after, Self.key, 3), (Self.acknowledgement(1001 + 134), TCPReassemblerTests.key.reversedForTests, 4),
                                      (missing, Self.key, 6)], into: &reassembler)
        #expect(out.map(\.message) == Self.messages)
        #expect(out.map(\.time) == [2, 6, 6])
        #expect(reassembler.counters.gapsSkipped == 0)
    }

    @Test("FIN, expiry and the byte bound after a hole still report what follows it")
    func holeAtTheEnd() throws {
        let (before, after, end) = Self.holeSegments()
        var finished = TCPReassembler()
        let fin = try Self.feedTimed([(before, Self.key, 2), (after, Self.key, 3), (Self.segment(sequence: end, flags: 0x11), Self.key, 4)],
                                     into: &finished)
        #expect(fin.map(\.message) == [Self.messages[0], Self.messages[2]])
        #expect(finished.streamCount == 0 && finished.pendingBytes == 0)

        var idle = TCPReassembler(limits: .init(idleTimeoutNanoseconds: 100))
        var other = Self.key
        other.sourcePort = 1
        let expired = try Self.feedTimed([(before, Self.key, 2), (after, Self.key, 3), (Self.segment(sequence: 9, [0, 1]), other, 500)],
                                         into: &idle)
        #expect(expired.map(\.message) == [Self.messages[0], Self.messages[2]])
        #expect(expired.last?.time == 3)

        // 2 × 140 bytes ahead of a hole pass the 200-byte bound: the hole is skipped, nothing dropped.
        var bounded = TCPReassembler(limits: .init(maximumStreamBytes: 200))
        let small = [UInt8](repeating: 0xAB, count: 138)
        let tail = [0, 138] + small
        let out = try Self.feedTimed([(Self.segment(sequence: 1, [0, 5, 1]), Self.key, 1), (Self.segment(sequence: 100, tail), Self.key, 2),
                                      (Self.segment(sequence: 240, tail), Self.key, 3)], into: &bounded)
        #expect(out.map(\.message) == [small, small])
        #expect(bounded.counters.overLimit == 0 && bounded.counters.gapsSkipped == 1)
    }
}

extension TCPReassembler.StreamKey {
    /// The other direction of the connection.
    var reversedForTests: TCPReassembler.StreamKey {
        TCPReassembler.StreamKey(version: self.version, source: self.destination, destination: self.source,
                                 sourcePort: self.destinationPort, destinationPort: self.sourcePort)
    }
}
