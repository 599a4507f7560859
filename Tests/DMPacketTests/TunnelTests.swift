import DMBytes
@testable import DMPacket
import DMRecord
import DMTestSupport
import Testing

/// Tunnels built by hand: each kind is opened to the inner packet, bad headers are refused, and
/// the parser reports a tunnelled query exactly once, with its inner addresses.
@Suite("Tunnels")
struct TunnelTests {
    /// One case per kind and variant: the outer IP packet (raw IP link type) and the tunnel it holds.
    static let cases: [(name: String, tunnel: Tunnel, packet: [UInt8])] = [
        ("IPIP", .ipInIP, Frames.outer(protocol: 4, Frames.inner)),
        ("6in4", .ipInIP, Frames.outer(protocol: 41, Frames.ipv6(next: 17, lastByte: 1, Frames.udp(source: 5000, destination: 53, Frames.query)))),
        ("GRE with key and sequence", .gre, Frames.outer(protocol: 47, [0x30, 0x00, 0x08, 0x00, 0, 0, 0, 7, 0, 0, 0, 1] + Frames.inner)),
        ("GRE with checksum, Ethernet inside", .gre, Frames.outer(protocol: 47, [0x80, 0x00, 0x65, 0x58, 0, 0, 0, 0] + Frames.ethernet(Frames.inner))),
        ("PPTP GRE with PPP", .gre,
         Frames.outer(protocol: 47, [0x30, 0x81, 0x88, 0x0B, 0, 60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 8] + [0xFF, 0x03, 0x00, 0x21] + Frames.inner)),
        ("PPTP GRE with compressed PPP", .gre, Frames.outer(protocol: 47, [0x20, 0x01, 0x88, 0x0B, 0, 60, 0, 1] + [0x21] + Frames.inner)),
        ("ERSPAN II", .gre, Frames.outer(protocol: 47, [0x10, 0x00, 0x88, 0xBE, 0, 0, 0, 1] + [0x10, 0, 0, 1, 0, 0, 0, 0] + Frames.ethernet(Frames.inner))),
        ("ERSPAN III", .gre,
         Frames.outer(protocol: 47, [0x10, 0x00, 0x22, 0xEB, 0, 0, 0, 1] + [0x20, 0, 0, 1] + [UInt8](repeating: 0, count: 7) + [0x01]
               + [UInt8](repeating: 0, count: 8) + Frames.ethernet(Frames.inner))),
        ("GRE in UDP", .greInUDP, Frames.overUDP(port: 4754, [0x00, 0x00, 0x08, 0x00] + Frames.inner)),
        ("VXLAN", .vxlan, Frames.vxlan(Frames.inner)),
        ("VXLAN with a VLAN tag inside", .vxlan,
         Frames.overUDP(port: 4789, [0x08, 0, 0, 0, 0, 0, 0x2A, 0] + Frames.ethernetHeader + [0x81, 0x00, 0, 5, 0x08, 0x00] + Frames.inner)),
        ("Geneve with an option", .geneve, Frames.overUDP(port: 6081, [0x01, 0, 0x65, 0x58, 0, 0, 1, 0] + [1, 2, 3, 4] + Frames.ethernet(Frames.inner))),
        ("Geneve with IP inside", .geneve, Frames.overUDP(port: 6081, [0x00, 0, 0x08, 0x00, 0, 0, 1, 0] + Frames.inner)),
        ("GTP-U", .gtpUser, Frames.overUDP(port: 2152, [0x30, 0xFF, 0, UInt8(Frames.inner.count), 0, 0, 0, 1] + Frames.inner)),
        ("GTP-U with an extension header", .gtpUser,
         Frames.overUDP(port: 2152, [0x34, 0xFF, 0, UInt8(Frames.inner.count + 8), 0, 0, 0, 1, 0, 0, 0, 0x85] + [1, 0x10, 0x09, 0x00] + Frames.inner)),
    ]

    @Test("every kind opens to the inner packet", arguments: 0..<cases.count)
    func opens(index: Int) throws {
        let (name, tunnel, packet) = Self.cases[index]
        try packet.withByteView { raw in
            let outer = try IPPacketView(frame: raw, at: 0)
            let found: Tunnel? = outer.transportProtocol == 17
                ? Tunnel.overUDP(sourcePort: 49152, destinationPort: UInt16(outer.payload[2]) << 8 | UInt16(outer.payload[3]))
                : Tunnel.overIP(protocol: outer.transportProtocol)
            #expect(found == tunnel, "\(name)")
            let payload = outer.transportProtocol == 17 ? outer.payload.subview(from: 8) : outer.payload
            guard case .innerIP(let offset) = tunnel.decapsulate(payload) else {
                Issue.record("\(name): \(tunnel.decapsulate(payload))")
                return
            }
            let inner = try IPPacketView(frame: payload, at: offset)
            #expect(inner.transportProtocol == 17, "\(name)")
            #expect(inner.payload.count == 8 + Frames.query.count, "\(name)")
        }
    }

    @Test("bad or foreign tunnel headers are refused, not guessed")
    func refusals() {
        func open(_ tunnel: Tunnel, _ bytes: [UInt8]) -> Tunnel.Decapsulation { bytes.withByteView { tunnel.decapsulate($0) } }
        #expect(open(.vxlan, [0x00, 0, 0, 0, 0, 0, 1, 0] + Frames.ethernet(Frames.inner)) == .undecodable, "VXLAN without the I flag")
        #expect(open(.vxlan, [0x08, 0, 0, 0, 0, 0, 1]) == .undecodable, "short VXLAN header")
        #expect(open(.vxlan, [0x08, 0, 0, 0, 0, 0, 1, 0] + Frames.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))) == .notIP, "ARP")
        #expect(open(.gre, [0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0] + Frames.inner) == .undecodable, "GRE source routing")
        #expect(open(.gre, [0x00, 0x02, 0x08, 0x00] + Frames.inner) == .undecodable, "GRE version 2")
        #expect(open(.gre, [0x00, 0x01, 0x88, 0x0B] + Frames.inner) == .undecodable, "PPTP GRE without its key")
        #expect(open(.gre, [0x30, 0x00, 0x08, 0x00, 0, 0, 0]) == .undecodable, "GRE cut inside its key")
        #expect(open(.gre, [0x00, 0x00, 0x88, 0x47] + Frames.inner) == .notIP, "MPLS over GRE")
        #expect(open(.geneve, [0x40, 0, 0x65, 0x58, 0, 0, 1, 0] + Frames.ethernet(Frames.inner)) == .undecodable, "Geneve version 1")
        #expect(open(.geneve, [0x3F, 0, 0x65, 0x58, 0, 0, 1, 0] + Frames.ethernet(Frames.inner)) == .undecodable, "options beyond the packet")
        #expect(open(.gtpUser, [0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0]) == .notIP, "GTP echo request")
        #expect(open(.gtpUser, [0x50, 0xFF, 0, 4, 0, 0, 0, 0] + Frames.inner) == .undecodable, "GTP version 2")
        #expect(open(.gtpUser, [0x34, 0xFF, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x85, 0] + Frames.inner) == .undecodable, "zero-length extension")
        #expect(open(.ipInIP, []) == .undecodable)
    }

    /// Parses Ethernet frames as dm-parse does (one ``PacketParser``) and returns the DNS
    /// records it writes and its counters, as its final STATS record would carry them.
    static func parse(
        _ frames: [[UInt8]], ports: [PortChoice] = [.number(53)], tunnelDepth: Int = 8, keepMalformed: Bool = false
    ) throws -> (records: [DNSRecord], stats: StatsRecord) {
        let directory = try TemporaryDirectory()
        var parser = PacketParser(ports: PortSet(ports), rawIP: false, keepMalformed: keepMalformed, tunnelDepth: tunnelDepth)
        try StreamFiles.write(directory.file("out")) { writer in
            try writer.writeHeader(StreamHeader())
            for (index, frame) in frames.enumerated() {
                let metadata = PacketMetadata(timeNanoseconds: UInt64(index + 1) * 1000, originalLength: UInt32(frame.count), linkType: 1)
                try frame.withByteView { try parser.parse(metadata: metadata, frame: $0, into: writer) }
            }
        }
        let records = try StreamFiles.read(directory.file("out")).compactMap { item -> DNSRecord? in
            guard case .record(2, _, let body) = item else { return nil }
            return DNSRecord(try body.withByteView { try DNSRecordView(body: $0) })
        }
        let stats = StatsRecord(
            timeNanoseconds: 0, processID: 0, lane: 0, kind: .final, stage: ParseStage.name, counters: parser.counters.fields)
        return (records, stats)
    }

    @Test("the parser reports each tunnelled Frames.query once, with the Frames.inner addresses and ports")
    func onceWithInnerAddresses() throws {
        let (records, stats) = try Self.parse(Self.cases.map { Frames.ethernet($0.packet) })
        #expect(records.count == Self.cases.count)
        for record in records {
            #expect(record.message == Frames.query)
            #expect(record.metadata.sourcePort == 5000 && record.metadata.destinationPort == 53)
            #expect(record.metadata.sourceAddress == IPAddressBytes([10, 1, 1, 1])! || record.metadata.ipVersion == 6)
        }
        for tunnel in Tunnel.allCases {
            #expect(stats[counter: "decapsulated_\(tunnel)"] == UInt64(Self.cases.filter { $0.tunnel == tunnel }.count), "\(tunnel)")
        }
        #expect(stats[counter: "dns_out"] == UInt64(Self.cases.count))
    }

    @Test("nested tunnels open up to the depth limit; 0 leaves them closed; a tunnel port listed as DNS is DNS")
    func depthAndPorts() throws {
        let triple = Frames.ethernet(Frames.vxlan(Frames.vxlan(Frames.vxlan(Frames.inner))))
        let opened = try Self.parse([triple])
        #expect(opened.records.count == 1)
        #expect(opened.stats[counter: "decapsulated_vxlan"] == 3)
        let tooDeep = try Self.parse([triple], tunnelDepth: 2)
        #expect(tooDeep.records.isEmpty)
        #expect(tooDeep.stats[counter: "tunnel_too_deep"] == 1 && tooDeep.stats[counter: "decapsulated_vxlan"] == 2)
        let closed = try Self.parse(Self.cases.map { Frames.ethernet($0.packet) }, tunnelDepth: 0)
        #expect(closed.records.isEmpty)
        #expect(closed.stats[counter: "tunnel_too_deep"] == UInt64(Self.cases.count))
        let asDNS = try Self.parse([Frames.ethernet(Frames.vxlan(Frames.inner))], ports: [.number(4789)], keepMalformed: true)
        #expect(asDNS.records.count == 1 && asDNS.stats[counter: "malformed_kept"] == 1, "VXLAN bytes read as a DNS message")
        let undecodable = try Self.parse([Frames.ethernet(Frames.overUDP(port: 4789, [0, 0, 0, 0, 0, 0, 0, 0]))])
        #expect(undecodable.stats[counter: "tunnel_undecodable"] == 1)
    }

    @Test("MPLS label stacks on Ethernet reach the IP header")
    func mpls() throws {
        let frame = Frames.ethernet(type: 0x8847, [0, 1, 0x20, 64, 0, 2, 0x21, 64] + Frames.inner)
        let view = try #require(try PacketLayerTests.decode(linkType: 1, frame))
        #expect(view.source == IPAddressBytes([10, 1, 1, 1])!)
        #expect(try PacketLayerTests.decode(linkType: 1, Frames.ethernet(type: 0x8847, [0, 1, 0x21, 64, 0x00, 0x00, 0, 0])) == nil,
                "a pseudowire control word is not IP")
    }
}
