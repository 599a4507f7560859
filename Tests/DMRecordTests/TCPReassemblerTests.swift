import DMRecord
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
            try bytes.withUnsafeBytes { raw throws in
                let segment = try #require(TCPReassembler.Segment(raw))
                try reassembler.add(segment, key: Self.key, time: time) { out.append(Array($0)) }
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
        try Self.segment(sequence: 1, [0, 1]).withUnsafeBytes { raw in
            try reassembler.add(TCPReassembler.Segment(raw)!, key: other, time: 5000) { _ in }
        }
        #expect(reassembler.counters.expired == 1)
        #expect(reassembler.streamCount == 1)
    }
}
