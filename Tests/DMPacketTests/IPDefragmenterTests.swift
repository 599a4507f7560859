import DMBytes
@testable import DMPacket
import DMRecord
import Testing

/// IPv4/IPv6 reassembly: every order, duplicates, overlaps, time-outs and the memory bound.
@Suite("IP defragmentation")
struct IPDefragmenterTests {
    /// Builds IPv4 fragment packets (20-byte headers) of `payload`, split at `cuts`.
    static func ipv4Fragments(_ payload: [UInt8], cuts: [Int], identification: UInt16 = 0x4242, source: UInt8 = 1) -> [[UInt8]] {
        let bounds = [0] + cuts + [payload.count]
        return (0..<(bounds.count - 1)).map { index in
            let piece = Array(payload[bounds[index]..<bounds[index + 1]])
            let more = index < bounds.count - 2
            let field = UInt16(bounds[index] / 8) | (more ? 0x2000 : 0)
            let total = UInt16(20 + piece.count)
            return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), UInt8(identification >> 8), UInt8(identification & 0xFF),
                    UInt8(field >> 8), UInt8(field & 0xFF), 64, 17, 0, 0, 10, 0, 0, source, 10, 0, 0, 2] + piece
        }
    }

    /// Builds IPv6 fragment packets (40-byte header + 8-byte fragment header).
    static func ipv6Fragments(_ payload: [UInt8], cuts: [Int]) -> [[UInt8]] {
        let bounds = [0] + cuts + [payload.count]
        return (0..<(bounds.count - 1)).map { index in
            let piece = Array(payload[bounds[index]..<bounds[index + 1]])
            let more = index < bounds.count - 2
            let field = UInt16(bounds[index]) | (more ? 1 : 0)
            let length = UInt16(8 + piece.count)
            var packet: [UInt8] = [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), 44, 64]
            packet += [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15) + [2]
            packet += [17, 0, UInt8(field >> 8), UInt8(field & 0xFF), 0, 0, 0x12, 0x34]
            return packet + piece
        }
    }

    static func add(_ packets: [[UInt8]], to defragmenter: inout IPDefragmenter, time: UInt64 = 1_000) throws -> [IPDefragmenter.Reassembled] {
        var done: [IPDefragmenter.Reassembled] = []
        for packet in packets {
            let result = try packet.withByteView { raw throws -> IPDefragmenter.Reassembled? in
                let view = try IPPacketView(frame: raw, at: 0)
                #expect(view.fragment != nil)
                return defragmenter.add(view, time: time)
            }
            if let result { done.append(result) }
        }
        return done
    }

    static let payload: [UInt8] = (0..<1000).map { UInt8($0 % 251) }

    @Test("four IPv4 fragments in every one of their 24 orders give the datagram once")
    func everyOrder() throws {
        let fragments = Self.ipv4Fragments(Self.payload, cuts: [96, 400, 808])
        func permutations(_ items: [Int]) -> [[Int]] {
            items.count <= 1 ? [items] : items.indices.flatMap { index in
                permutations(Array(items[..<index] + items[(index + 1)...])).map { [items[index]] + $0 }
            }
        }
        for order in permutations([0, 1, 2, 3]) {
            var defragmenter = IPDefragmenter()
            let done = try Self.add(order.map { fragments[$0] }, to: &defragmenter)
            #expect(done.count == 1, "order \(order)")
            #expect(done.first?.payload == Self.payload, "order \(order)")
            #expect(done.first?.transportProtocol == 17)
            #expect(defragmenter.pendingDatagrams == 0 && defragmenter.pendingBytes == 0)
        }
    }

    @Test("IPv6 fragments, with an exact duplicate, reassemble; the duplicate is counted")
    func ipv6WithDuplicate() throws {
        let fragments = Self.ipv6Fragments(Self.payload, cuts: [504])
        var defragmenter = IPDefragmenter()
        let done = try Self.add([fragments[1], fragments[1], fragments[0]], to: &defragmenter)
        #expect(done.map(\.payload) == [Self.payload])
        #expect(done.first?.version == 6)
        #expect(defragmenter.counters.duplicates == 1)
    }

    @Test("overlapping fragments with different data discard the datagram (RFC 5722)")
    func overlapDiscards() throws {
        var fragments = Self.ipv4Fragments(Self.payload, cuts: [400])
        // A second first fragment that covers 0..<408 with other bytes overlaps the tail's start.
        var rogue = Self.ipv4Fragments(Array(repeating: 0xEE, count: 1000), cuts: [408])[0]
        rogue[7] = 0  // keep "more fragments" and offset 0
        fragments.insert(rogue, at: 1)
        var defragmenter = IPDefragmenter()
        let done = try Self.add(fragments, to: &defragmenter)
        #expect(done.isEmpty)
        #expect(defragmenter.counters.overlapping == 1)
    }

    @Test("an incomplete datagram expires after the timeout in capture time")
    func timeout() throws {
        var defragmenter = IPDefragmenter(limits: .init(timeoutNanoseconds: 5_000_000_000))
        let fragments = Self.ipv4Fragments(Self.payload, cuts: [400])
        _ = try Self.add([fragments[0]], to: &defragmenter, time: 1_000_000_000)
        #expect(defragmenter.pendingDatagrams == 1)
        // The second half arrives too late: the first has expired, so it starts a new datagram.
        let late = try Self.add([fragments[1]], to: &defragmenter, time: 7_000_000_000)
        #expect(late.isEmpty)
        #expect(defragmenter.counters.expired == 1)
        #expect(defragmenter.pendingDatagrams == 1)
    }

    @Test("a million fragments that never complete stay within the bounds, every eviction counted")
    func memoryBound() throws {
        var defragmenter = IPDefragmenter(limits: .init(maximumDatagrams: 1000, maximumBytes: 1 << 20))
        let template = Self.ipv4Fragments(Array(Self.payload.prefix(96)), cuts: [48])[0]
        for index in 0..<1_000_000 {
            var packet = template
            packet[4] = UInt8(index >> 8 & 0xFF)
            packet[5] = UInt8(index & 0xFF)
            packet[15] = UInt8(index >> 16 & 0xFF)
            _ = try packet.withByteView { raw in defragmenter.add(try IPPacketView(frame: raw, at: 0), time: UInt64(index)) }
            if index % 100_000 == 0 {
                #expect(defragmenter.pendingDatagrams <= 1000)
                #expect(defragmenter.pendingBytes <= 1 << 20)
            }
        }
        #expect(defragmenter.pendingDatagrams == 1000)
        #expect(defragmenter.counters.fragments == 1_000_000)
        #expect(defragmenter.counters.evicted == 999_000)
    }
}
