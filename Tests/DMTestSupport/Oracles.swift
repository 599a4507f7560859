import DMSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Small references and fixtures shared by several test targets.
package enum Oracles {
    /// Masks `bytes` (4 or 16) independently of AddressMask: bit by bit.
    package static func naiveMask(_ bytes: [UInt8], bits: Int) -> [UInt8] {
        bytes.enumerated().map { index, byte in
            var out: UInt8 = 0
            for bit in 0..<8 where index * 8 + bit < bits { out |= byte & (0x80 >> UInt8(bit)) }
            return out
        }
    }
}

/// A UDP socket on loopback that collects what is sent to it (statsd, syslog).
package enum UDPListener {
    /// A socket bound to 127.0.0.1 on a port the kernel chose, with a 300 ms receive timeout.
    package static func open() throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return (fd, try #require(SocketAddress.localPort(of: fd)))
    }

    /// Every datagram waiting on `fd` (until 300 ms pass without one).
    package static func datagrams(_ fd: Int32) -> [String] {
        var result: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return result }
            result.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }
}
