import DMRecord
import Testing

/// Tunnels built by hand: each kind is opened to the inner packet, bad headers are refused, and
/// dm-parse reports a tunnelled query exactly once, with its inner addresses.
@Suite("Tunnels")
struct TunnelTests {
    /// A DNS query for example.com/A.
    static let query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                 7] + Array("example".utf8) + [3] + Array("com".utf8) + [0, 0, 1, 0, 1]

    static func ipv4(protocol number: UInt8, source: [UInt8], destination: [UInt8], _ payload: [UInt8]) -> [UInt8] {
        let total = 20 + payload.count
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0, 0, 64, number, 0, 0] + source + destination + payload
    }

    static func ipv6(next: UInt8, lastByte: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [lastByte]
        let destination: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x53]
        return [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF), next, 64] + source + destination + payload
    }

    static func udp(source: UInt16, destination: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let length = 8 + payload.count
        return [UInt8(source >> 8), UInt8(source & 0xFF), UInt8(destination >> 8), UInt8(destination & 0xFF),
                UInt8(length >> 8), UInt8(length & 0xFF), 0, 0] + payload
    }

    static func ethernet(type: UInt16 = 0x0800, _ payload: [UInt8]) -> [UInt8] {
        PacketLayerTests.ethernetHeader + [UInt8(type >> 8), UInt8(type & 0xFF)] + payload
    }

    /// The query from 10.1.1.1:5000 to 10.2.2.2:53: what every tunnel below carries.
    static let inner = ipv4(protocol: 17, source: [10, 1, 1, 1], destination: [10, 2, 2, 2], udp(source: 5000, destination: 53, query))

    /// An outer IPv4 packet between the tunnel endpoints 192.0.2.1 and 192.0.2.2.
    static func outer(protocol number: UInt8, _ payload: [UInt8]) -> [UInt8] {
        ipv4(protocol: number, source: [192, 0, 2, 1], destination: [192, 0, 2, 2], payload)
    }

    static func overUDP(port: UInt16, _ payload: [UInt8]) -> [UInt8] {
        outer(protocol: 17, udp(source: 49152, destination: port, payload))
    }

    static func vxlan(_ innerFrame: [UInt8]) -> [UInt8] {
        overUDP(port: 4789, [0x08, 0, 0, 0, 0, 0, 0x2A, 0] + ethernet(innerFrame))
    }

    /// One case per kind and variant: the outer IP packet (raw IP link type) and the tunnel it holds.
    static let cases: [(name: String, tunnel: Tunnel, packet: [UInt8])] = [
        ("IPIP", .ipInIP, outer(protocol: 4, inner)),
        ("6in4", .ipInIP, outer(protocol: 41, ipv6(next: 17, lastByte: 1, udp(source: 5000, destination: 53, query)))),
        ("GRE with key and sequence", .gre, outer(protocol: 47, [0x30, 0x00, 0x08, 0x00, 0, 0, 0, 7, 0, 0, 0, 1] + inner)),
        ("GRE with checksum, Ethernet inside", .gre, outer(protocol: 47, [0x80, 0x00, 0x65, 0x58, 0, 0, 0, 0] + ethernet(inner))),
        ("PPTP GRE with PPP", .gre,
         outer(protocol: 47, [0x30, 0x81, 0x88, 0x0B, 0, 60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 8] + [0xFF, 0x03, 0x00, 0x21] + inner)),
        ("PPTP GRE with compressed PPP", .gre, outer(protocol: 47, [0x20, 0x01, 0x88, 0x0B, 0, 60, 0, 1] + [0x21] + inner)),
        ("ERSPAN II", .gre, outer(protocol: 47, [0x10, 0x00, 0x88, 0xBE, 0, 0, 0, 1] + [0x10, 0, 0, 1, 0, 0, 0, 0] + ethernet(inner))),
        ("ERSPAN III", .gre,
         outer(protocol: 47, [0x10, 0x00, 0x22, 0xEB, 0, 0, 0, 1] + [0x20, 0, 0, 1] + [UInt8](repeating: 0, count: 7) + [0x01]
               + [UInt8](repeating: 0, count: 8) + ethernet(inner))),
        ("GRE in UDP", .greInUDP, overUDP(port: 4754, [0x00, 0x00, 0x08, 0x00] + inner)),
        ("VXLAN", .vxlan, vxlan(inner)),
        ("VXLAN with a VLAN tag inside", .vxlan,
         overUDP(port: 4789, [0x08, 0, 0, 0, 0, 0, 0x2A, 0] + PacketLayerTests.ethernetHeader + [0x81, 0x00, 0, 5, 0x08, 0x00] + inner)),
        ("Geneve with an option", .geneve, overUDP(port: 6081, [0x01, 0, 0x65, 0x58, 0, 0, 1, 0] + [1, 2, 3, 4] + ethernet(inner))),
        ("Geneve with IP inside", .geneve, overUDP(port: 6081, [0x00, 0, 0x08, 0x00, 0, 0, 1, 0] + inner)),
        ("GTP-U", .gtpUser, overUDP(port: 2152, [0x30, 0xFF, 0, UInt8(inner.count), 0, 0, 0, 1] + inner)),
        ("GTP-U with an extension header", .gtpUser,
         overUDP(port: 2152, [0x34, 0xFF, 0, UInt8(inner.count + 8), 0, 0, 0, 1, 0, 0, 0, 0x85] + [1, 0x10, 0x09, 0x00] + inner)),
    ]

    @Test("every kind opens to the inner packet", arguments: 0..<cases.count)
    func opens(index: Int) throws {
        let (name, tunnel, packet) = Self.cases[index]
        try packet.withUnsafeBytes { raw in
            let outer = try IPPacketView(frame: raw, at: 0)
            let found: Tunnel? = outer.transportProtocol == 17
                ? Tunnel.overUDP(sourcePort: 49152, destinationPort: UInt16(outer.payload[2]) << 8 | UInt16(outer.payload[3]))
                : Tunnel.overIP(protocol: outer.transportProtocol)
            #expect(found == tunnel, "\(name)")
            let payload = outer.transportProtocol == 17 ? UnsafeRawBufferPointer(rebasing: outer.payload[8...]) : outer.payload
            guard case .innerIP(let offset) = tunnel.decapsulate(payload) else {
                Issue.record("\(name): \(tunnel.decapsulate(payload))")
                return
            }
            let inner = try IPPacketView(frame: payload, at: offset)
            #expect(inner.transportProtocol == 17, "\(name)")
            #expect(inner.payload.count == 8 + Self.query.count, "\(name)")
        }
    }

    @Test("bad or foreign tunnel headers are refused, not guessed")
    func refusals() {
        func open(_ tunnel: Tunnel, _ bytes: [UInt8]) -> Tunnel.Decapsulation { bytes.withUnsafeBytes { tunnel.decapsulate($0) } }
        #expect(open(.vxlan, [0x00, 0, 0, 0, 0, 0, 1, 0] + Self.ethernet(Self.inner)) == .undecodable, "VXLAN without the I flag")
        #expect(open(.vxlan, [0x08, 0, 0, 0, 0, 0, 1]) == .undecodable, "short VXLAN header")
        #expect(open(.vxlan, [0x08, 0, 0, 0, 0, 0, 1, 0] + Self.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))) == .notIP, "ARP")
        #expect(open(.gre, [0x40, 0x00, 0x08, 0x00, 0, 0, 0, 0] + Self.inner) == .undecodable, "GRE source routing")
        #expect(open(.gre, [0x00, 0x02, 0x08, 0x00] + Self.inner) == .undecodable, "GRE version 2")
        #expect(open(.gre, [0x00, 0x01, 0x88, 0x0B] + Self.inner) == .undecodable, "PPTP GRE without its key")
        #expect(open(.gre, [0x30, 0x00, 0x08, 0x00, 0, 0, 0]) == .undecodable, "GRE cut inside its key")
        #expect(open(.gre, [0x00, 0x00, 0x88, 0x47] + Self.inner) == .notIP, "MPLS over GRE")
        #expect(open(.geneve, [0x40, 0, 0x65, 0x58, 0, 0, 1, 0] + Self.ethernet(Self.inner)) == .undecodable, "Geneve version 1")
        #expect(open(.geneve, [0x3F, 0, 0x65, 0x58, 0, 0, 1, 0] + Self.ethernet(Self.inner)) == .undecodable, "options beyond the packet")
        #expect(open(.gtpUser, [0x32, 0x01, 0, 4, 0, 0, 0, 0, 0, 1, 0, 0]) == .notIP, "GTP echo request")
        #expect(open(.gtpUser, [0x50, 0xFF, 0, 4, 0, 0, 0, 0] + Self.inner) == .undecodable, "GTP version 2")
        #expect(open(.gtpUser, [0x34, 0xFF, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0x85, 0] + Self.inner) == .undecodable, "zero-length extension")
        #expect(open(.ipInIP, []) == .undecodable)
    }

    /// Runs dm-parse on Ethernet frames and returns its DNS records and counters.
    static func parse(_ frames: [[UInt8]], _ arguments: [String] = []) throws -> (records: [DNSRecord], stats: StatsRecord) {
        let directory = try TemporaryDirectory()
        try StreamFiles.write(directory.file("in")) { writer in
            try writer.writeHeader(StreamHeader())
            for (index, frame) in frames.enumerated() {
                let metadata = PacketMetadata(timeNanoseconds: UInt64(index + 1) * 1000, originalLength: UInt32(frame.count), linkType: 1)
                try writer.writeRecord(type: .packet, body: PacketRecord(metadata: metadata, frame: frame).encodedBody())
            }
        }
        let result = try Programs.run(Programs.product("dm-parse"), arguments, input: directory.file("in"), output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        let (rest, stats) = try StageProcessTests.splitOwnStats(try StreamFiles.read(directory.file("out")), stage: "dm-parse")
        let records = try rest.compactMap { item -> DNSRecord? in
            guard case .record(2, _, let body) = item else { return nil }
            return DNSRecord(try body.withUnsafeBytes { try DNSRecordView(body: $0) })
        }
        return (records, stats)
    }

    @Test("dm-parse reports each tunnelled query once, with the inner addresses and ports")
    func onceWithInnerAddresses() throws {
        let (records, stats) = try Self.parse(Self.cases.map { Self.ethernet($0.packet) })
        #expect(records.count == Self.cases.count)
        for record in records {
            #expect(record.message == Self.query)
            #expect(record.metadata.sourcePort == 5000 && record.metadata.destinationPort == 53)
            #expect(record.metadata.sourceAddress == IPAddressBytes([10, 1, 1, 1])! || record.metadata.ipVersion == 6)
        }
        for tunnel in Tunnel.allCases {
            #expect(stats[counter: "decapsulated_\(tunnel)"] == UInt64(Self.cases.filter { $0.tunnel == tunnel }.count), "\(tunnel)")
        }
        #expect(stats[counter: "dns_out"] == UInt64(Self.cases.count))
    }

    @Test("nested tunnels open up to --tunnel-depth; 0 leaves them closed; a tunnel port named in --port is DNS")
    func depthAndPorts() throws {
        let triple = Self.ethernet(Self.vxlan(Self.vxlan(Self.vxlan(Self.inner))))
        let opened = try Self.parse([triple])
        #expect(opened.records.count == 1)
        #expect(opened.stats[counter: "decapsulated_vxlan"] == 3)
        let tooDeep = try Self.parse([triple], ["--tunnel-depth", "2"])
        #expect(tooDeep.records.isEmpty)
        #expect(tooDeep.stats[counter: "tunnel_too_deep"] == 1 && tooDeep.stats[counter: "decapsulated_vxlan"] == 2)
        let closed = try Self.parse(Self.cases.map { Self.ethernet($0.packet) }, ["--tunnel-depth", "0"])
        #expect(closed.records.isEmpty)
        #expect(closed.stats[counter: "tunnel_too_deep"] == UInt64(Self.cases.count))
        let asDNS = try Self.parse([Self.ethernet(Self.vxlan(Self.inner))], ["--port", "4789", "--keep-malformed"])
        #expect(asDNS.records.count == 1 && asDNS.stats[counter: "malformed_kept"] == 1, "VXLAN bytes read as a DNS message")
        let undecodable = try Self.parse([Self.ethernet(Self.overUDP(port: 4789, [0, 0, 0, 0, 0, 0, 0, 0]))])
        #expect(undecodable.stats[counter: "tunnel_undecodable"] == 1)
        #expect(try Programs.run(Programs.product("dm-parse"), ["--tunnel-depth", "99"], output: "/dev/null").standardError
            .contains("--tunnel-depth must be between 0 and 64"))
    }

    @Test("MPLS label stacks on Ethernet reach the IP header")
    func mpls() throws {
        let frame = Self.ethernet(type: 0x8847, [0, 1, 0x20, 64, 0, 2, 0x21, 64] + Self.inner)
        let view = try #require(try PacketLayerTests.decode(linkType: 1, frame))
        #expect(view.source == IPAddressBytes([10, 1, 1, 1])!)
        #expect(try PacketLayerTests.decode(linkType: 1, Self.ethernet(type: 0x8847, [0, 1, 0x21, 64, 0x00, 0x00, 0, 0])) == nil,
                "a pseudowire control word is not IP")
    }
}
