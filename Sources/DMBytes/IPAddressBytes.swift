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
        self = padded.withByteView { IPAddressBytes(loadingFrom: $0, at: 0) }
    }

    /// Loads the 16-byte field at `offset` of `bytes`.
    @inlinable
    public init(loadingFrom bytes: ByteView, at offset: Int) {
        self.first = bytes.loadNative(at: offset)
        self.second = bytes.loadNative(at: offset &+ 8)
    }

    /// The first `count` bytes of `bytes` (4 or 16) followed by zeros; fewer when `bytes` is
    /// shorter.
    public init(prefixOf bytes: ByteView, count: Int) {
        var padded = [UInt8](repeating: 0, count: 16)
        for index in 0..<Swift.min(count, bytes.count, 16) { padded[index] = bytes[index] }
        self = padded.withByteView { IPAddressBytes(loadingFrom: $0, at: 0) }
    }

    /// Stores the 16-byte field at `offset` of `bytes`.
    @inlinable
    public func store(into bytes: MutableByteView, at offset: Int) {
        bytes.storeNative(self.first, at: offset)
        bytes.storeNative(self.second, at: offset &+ 8)
    }

    /// Calls `body` with a view of the 16 bytes in order.
    @inlinable
    public func withBytes<Result>(_ body: (ByteView) -> Result) -> Result {
        Swift.withUnsafeBytes(of: (self.first, self.second)) { body(ByteView(unsafeBytes: $0)) }
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
