/// Frames built by hand for the packet tests: Ethernet, IPv4, IPv6 and UDP around a DNS query,
/// and the tunnel encapsulations the parser opens.
package enum Frames {
    /// An Ethernet header without its type: destination and source MAC.
    package static let ethernetHeader: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]

    /// A DNS query for example.com/A.
    package static let query: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                                 7] + Array("example".utf8) + [3] + Array("com".utf8) + [0, 0, 1, 0, 1]

    package static func ipv4(protocol number: UInt8, source: [UInt8], destination: [UInt8], _ payload: [UInt8]) -> [UInt8] {
        let total = 20 + payload.count
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 1, 0, 0, 64, number, 0, 0] + source + destination + payload
    }

    package static func ipv6(next: UInt8, lastByte: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let source: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [lastByte]
        let destination: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x53]
        return [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF), next, 64] + source + destination + payload
    }

    package static func udp(source: UInt16, destination: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let length = 8 + payload.count
        return [UInt8(source >> 8), UInt8(source & 0xFF), UInt8(destination >> 8), UInt8(destination & 0xFF),
                UInt8(length >> 8), UInt8(length & 0xFF), 0, 0] + payload
    }

    package static func ethernet(type: UInt16 = 0x0800, _ payload: [UInt8]) -> [UInt8] {
        ethernetHeader + [UInt8(type >> 8), UInt8(type & 0xFF)] + payload
    }

    /// The query from 10.1.1.1:5000 to 10.2.2.2:53: what every tunnel below carries.
    package static let inner = ipv4(protocol: 17, source: [10, 1, 1, 1], destination: [10, 2, 2, 2], udp(source: 5000, destination: 53, query))

    /// An outer IPv4 packet between the tunnel endpoints 192.0.2.1 and 192.0.2.2.
    package static func outer(protocol number: UInt8, _ payload: [UInt8]) -> [UInt8] {
        ipv4(protocol: number, source: [192, 0, 2, 1], destination: [192, 0, 2, 2], payload)
    }

    package static func overUDP(port: UInt16, _ payload: [UInt8]) -> [UInt8] {
        outer(protocol: 17, udp(source: 49152, destination: port, payload))
    }

    package static func vxlan(_ innerFrame: [UInt8]) -> [UInt8] {
        overUDP(port: 4789, [0x08, 0, 0, 0, 0, 0, 0x2A, 0] + ethernet(innerFrame))
    }
}
