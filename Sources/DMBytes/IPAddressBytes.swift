#if canImport(Glibc)
import Glibc
#endif

/// A 16-byte address field of a DNS record: IPv6 as is, IPv4 as its 4 bytes then 12 zeros.
///
/// Held as two words in memory order so copying it in and out of a record is two stores.
@frozen
public struct IPAddressBytes: Hashable, Sendable {
    /// Bytes 0–7 in memory order.
    public var first: UInt64
    /// Bytes 8–15 in memory order.
    public var second: UInt64

    @inlinable
    public init(first: UInt64, second: UInt64) {
        self.first = first
        self.second = second
    }

    /// Takes 4 (IPv4) or 16 (IPv6) bytes; nil for any other count.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        var padded = [UInt8](repeating: 0, count: 16)
        padded.replaceSubrange(0..<bytes.count, with: bytes)
        let words = padded.withUnsafeBytes {
            ($0.loadUnaligned(fromByteOffset: 0, as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        }
        self.init(first: words.0, second: words.1)
    }

    /// Loads the field at `offset` of `bytes`.
    @inlinable
    public init(loadingFrom bytes: UnsafeRawBufferPointer, at offset: Int) {
        self.first = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        self.second = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)
    }

    /// Stores the field at `offset` of `bytes`.
    @inlinable
    public func store(into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        bytes.storeBytes(of: self.first, toByteOffset: offset, as: UInt64.self)
        bytes.storeBytes(of: self.second, toByteOffset: offset + 8, as: UInt64.self)
    }

    /// The 16 bytes in order.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: (self.first, self.second)) { Array($0) }
    }

    /// The address in text form: dotted quad for version 4, RFC 5952 for version 6.
    public func text(ipVersion: UInt8) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = ipVersion == 4 ? AF_INET : AF_INET6
        let ok = withUnsafeBytes(of: (self.first, self.second)) { raw in
            inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
