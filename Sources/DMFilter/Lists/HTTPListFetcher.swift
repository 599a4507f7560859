import CCurlFetch
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Downloads a domain list over http(s) with libcurl, which waits in poll(2): a server that
/// accepts and never answers costs no CPU. Gives up after `connect` seconds without a
/// connection, `stall` seconds without a byte, or `total` seconds in all, and above 100 MB (as
/// dnsmonster). Runs on the list watcher thread (and once at start-up), never per record.
public struct HTTPListFetcher: Sendable {
    /// The longest a connection may take to open, in seconds.
    public var connectSeconds: Int
    /// The longest the server may send nothing, in seconds (dnsmonster's 30 s timeout).
    public var stallSeconds: Int
    /// The longest a whole download may take, in seconds.
    public var totalSeconds: Int
    /// The largest list accepted.
    public var maximumBytes: Int

    public init(connectSeconds: Int = 10, stallSeconds: Int = 30, totalSeconds: Int = 600, maximumBytes: Int = 100_000_000) {
        self.connectSeconds = connectSeconds
        self.stallSeconds = stallSeconds
        self.totalSeconds = totalSeconds
        self.maximumBytes = maximumBytes
    }

    /// The body of `address`.
    /// - Throws: ``DomainListLoadError`` naming the address and why it could not be fetched.
    public func fetch(_ address: String) throws -> [UInt8] {
        let lowercased = address.lowercased()
        guard lowercased.hasPrefix("http://") || lowercased.hasPrefix("https://") else {
            throw DomainListLoadError(source: address, reason: "not an http(s) URL")
        }
        let fd: Int32
        do { fd = try Folders.openAnonymousFile() } catch {
            throw DomainListLoadError(source: address, reason: error.description)
        }
        defer { close(fd) }
        var status = 0
        var reason = [CChar](repeating: 0, count: 512)
        let result = cdm_http_fetch(
            address, fd, self.connectSeconds, self.stallSeconds, self.totalSeconds, self.maximumBytes, &status, &reason, reason.count)
        guard result == 0 else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw DomainListLoadError(source: address, reason: text)
        }
        lseek(fd, 0, SEEK_SET)
        do {
            return try FileDescriptorIO.readToEnd(fd, object: address)
        } catch {
            throw DomainListLoadError(source: address, reason: error.description)
        }
    }
}
