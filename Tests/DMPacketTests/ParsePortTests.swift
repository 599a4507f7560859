@testable import DMPacket
import DMRecord
import DMTestSupport
import Testing

/// `--port`: which UDP and TCP ports the parser reads as DNS, on either side of the exchange.
@Suite("Parse ports")
struct ParsePortTests {
    /// A UDP packet between 10.1.1.1 and 10.2.2.2 carrying the test query.
    static func udp(_ source: UInt16, _ destination: UInt16) -> [UInt8] {
        Frames.ethernet(Frames.ipv4(
            protocol: 17, source: [10, 1, 1, 1], destination: [10, 2, 2, 2],
            Frames.udp(source: source, destination: destination, Frames.query)))
    }

    /// One exchange on port 53 (query and response), one on 5353, one on 8053: ports below,
    /// between and above the listed ones, client ports random as in real traffic.
    static let frames = [udp(40001, 53), udp(53, 40001), udp(40002, 5353), udp(5353, 40002), udp(40003, 8053), udp(8053, 40003)]

    @Test("the listed ports are matched on either side, all others counted", arguments: [
        ([53], [53]),
        ([5353], [5353]),
        ([53, 8053], [53, 8053]),
        ([8053, 5353, 53], [53, 5353, 8053]),
        ([40002], [5353]),
    ] as [([UInt16], Set<UInt16>)])
    func listedPorts(ports: [UInt16], servers: Set<UInt16>) throws {
        let (records, stats) = try TunnelTests.parse(Self.frames, ports: ports.map { .number($0) })
        let seen = records.map { record in
            let ports = [record.metadata.sourcePort, record.metadata.destinationPort]
            return ports.first { $0 < 40000 }!
        }
        #expect(Set(seen) == servers)
        #expect(records.count == 2 * servers.count)
        #expect(stats[counter: "other_ports"] == UInt64(Self.frames.count - 2 * servers.count))
    }

    @Test("--port any reads every UDP packet as DNS")
    func anyPort() throws {
        let (records, stats) = try TunnelTests.parse(Self.frames, ports: [.any])
        #expect(records.count == Self.frames.count)
        #expect(stats[counter: "other_ports"] == 0)
    }
}
