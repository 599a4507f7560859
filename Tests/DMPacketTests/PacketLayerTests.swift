import DMBytes
@testable import DMPacket
import DMRecord
import DMTestSupport
import Testing

/// Link layers and IP headers built by hand, one feature at a time.
@Suite("Packet layers")
struct PacketLayerTests {
    /// An IPv4/UDP packet from 192.0.2.1:5000 to 192.0.2.2:53 with `payload`.
    static func ipv4UDP(_ payload: [UInt8] = [1, 2, 3, 4], options: [UInt8] = []) -> [UInt8] {
        let headerLength = 20 + options.count
        let total = headerLength + 8 + payload.count
        return [UInt8(0x40 | headerLength / 4), 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0, 0, 64, 17, 0, 0,
                192, 0, 2, 1, 192, 0, 2, 2] + options
            + [0x13, 0x88, 0, 53, UInt8((8 + payload.count) >> 8), UInt8((8 + payload.count) & 0xFF), 0, 0] + payload
    }

    /// An IPv6/UDP packet from 2001:db8::1 to 2001:db8::2 behind the extension headers given as
    /// (type, bytes without the next-header field).
    static func ipv6UDP(extensions: [(type: UInt8, body: [UInt8])]) -> [UInt8] {
        let udp: [UInt8] = [0x13, 0x88, 0, 53, 0, 12, 0, 0, 9, 9, 9, 9]
        var chain: [UInt8] = []
        for (index, header) in extensions.enumerated() {
            let next = index + 1 < extensions.count ? extensions[index + 1].type : 17
            chain += [next] + header.body
        }
        let first = extensions.first?.type ?? 17
        let length = chain.count + udp.count
        var address1 = [UInt8](repeating: 0, count: 16), address2 = address1
        address1[0] = 0x20; address1[1] = 0x01; address1[2] = 0x0d; address1[3] = 0xb8; address1[15] = 1
        address2[0] = 0x20; address2[1] = 0x01; address2[2] = 0x0d; address2[3] = 0xb8; address2[15] = 2
        return [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xFF), first, 64] + address1 + address2 + chain + udp
    }

    /// What the tests check of a decoded packet (the view itself points into the frame).
    struct Decoded {
        var version: UInt8
        var transportProtocol: UInt8
        var payloadCount: Int
        var source: IPAddressBytes
        var fragment: IPPacketView.Fragment?
    }

    static func decode(linkType: UInt16, _ frame: [UInt8], rawIP: Bool = false) throws -> Decoded? {
        try frame.withByteView { raw throws -> Decoded? in
            guard let offset = LinkLayer.ipHeaderOffset(linkType: linkType, frame: raw, rawIP: rawIP) else { return nil }
            let view = try IPPacketView(frame: raw, at: offset)
            return Decoded(version: view.version, transportProtocol: view.transportProtocol, payloadCount: view.payload.count,
                           source: view.source, fragment: view.fragment)
        }
    }


    @Test("Ethernet with 0, 1, 2 and 3 VLAN tags (802.1Q, 802.1ad, QinQ) reaches the IPv4 header", arguments: [0, 1, 2, 3])
    func vlanStacks(tags: Int) throws {
        let types: [[UInt8]] = [[0x81, 0x00], [0x88, 0xA8], [0x91, 0x00]]
        var frame = Frames.ethernetHeader
        for index in 0..<tags { frame += types[index] + [0, UInt8(index + 10)] }
        frame += [0x08, 0x00] + Self.ipv4UDP()
        let view = try #require(try Self.decode(linkType: 1, frame))
        #expect(view.version == 4 && view.transportProtocol == 17 && view.payloadCount == 12)
    }

    @Test("PPPoE, SLL, SLL2, NULL in both byte orders and raw IP")
    func otherLinkTypes() throws {
        let packet = Self.ipv4UDP()
        let pppoe = Frames.ethernetHeader + [0x88, 0x64, 0x11, 0, 0, 1, 0, 30, 0x00, 0x21] + packet
        let sll: [UInt8] = [0, 0, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + [0x08, 0x00] + packet
        let sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6] + [UInt8](repeating: 0, count: 8) + packet
        for (linkType, frame) in [(UInt16(1), pppoe), (113, sll), (276, sll2), (0, [2, 0, 0, 0] + packet), (0, [0, 0, 0, 2] + packet),
                                  (108, [0, 0, 0, 2] + packet), (101, packet), (228, packet)] {
            let view = try #require(try Self.decode(linkType: linkType, frame), "link type \(linkType)")
            #expect(view.source == IPAddressBytes([192, 0, 2, 1])!, "link type \(linkType)")
        }
        #expect(try Self.decode(linkType: 1, Frames.ethernetHeader + [0x08, 0x06] + packet) == nil, "ARP is not IP")
        #expect(try Self.decode(linkType: 105, packet) == nil, "802.11 is not walked")
        #expect(try Self.decode(linkType: 1, packet, rawIP: true)?.version == 4, "--no-ether")
    }

    @Test("IPv4 options are skipped; a short or inconsistent header is refused")
    func ipv4Options() throws {
        let view = try #require(try Self.decode(linkType: 101, Self.ipv4UDP(options: [0x94, 0x04, 0, 0, 1, 1, 1, 0])))
        #expect(view.payloadCount == 12)
        #expect(throws: IPPacketView.DecodeError.truncated) { try Self.decode(linkType: 101, Array(Self.ipv4UDP().prefix(30))) }
        var badLength = Self.ipv4UDP()
        badLength[0] = 0x44
        #expect(throws: IPPacketView.DecodeError.malformed) { try Self.decode(linkType: 101, badLength) }
    }

    @Test("the IPv6 extension chain in any order ends at the transport header", arguments: [
        [UInt8](), [0], [0, 60], [60, 43, 0], [43, 60, 51], [0, 44],
    ])
    func ipv6Chains(types: [UInt8]) throws {
        let extensions = types.map { type -> (type: UInt8, body: [UInt8]) in
            switch type {
            case 51: return (51, [1, 0, 0] + [UInt8](repeating: 0, count: 8))  // AH: (1 + 2) * 4 = 12 bytes
            case 44: return (44, [0, 0, 0, 0, 0, 0, 7])  // an atomic fragment: offset 0, no more
            default: return (type, [0] + [UInt8](repeating: 0, count: 6))  // 8 bytes
            }
        }
        let view = try #require(try Self.decode(linkType: 229, Self.ipv6UDP(extensions: extensions)))
        #expect(view.transportProtocol == 17)
        #expect(view.payloadCount == 12)
        #expect(view.fragment == nil)
    }
}
