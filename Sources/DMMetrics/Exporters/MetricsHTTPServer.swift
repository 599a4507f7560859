import DMBytes
import DMRecord
import DMSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server for a metrics endpoint: one thread accepts connections and
/// answers each with one response (`Connection: close`), as a Prometheus scrape needs. `GET`
/// (or `HEAD`) on the path gets the exposition; other paths 404, other methods 405. A client
/// gets 2 seconds to send its request head, so a stalled client cannot hold the endpoint.
public final class MetricsHTTPServer: @unchecked Sendable {
    /// The media type of the Prometheus text format, version 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public let address: MetricsEndpoint.PrometheusAddress
    /// The port listened on (the kernel's choice when the address asked for port 0).
    public let port: UInt16
    private let listener: Int32
    private let render: @Sendable () -> [UInt8]
    private let stopping = Atomic<Bool>(false)
    private let scrapeCount = Atomic<UInt64>(0)
    private var thread: WorkerThread?

    /// Binds and listens on `address`; `render` makes each response body.
    public init(address: MetricsEndpoint.PrometheusAddress, render: @escaping @Sendable () -> [UInt8]) throws(MetricsEndpointError) {
        let text = "http://\(address.host):\(address.port)\(address.path)"
        do {
            self.listener = try SocketAddress.resolve(host: address.host, port: address.port, object: text).listen(backlog: 16, object: text)
        } catch {
            throw .unreachable(option: "metricPrometheusEndpoint", value: text, reason: "\(error)")
        }
        self.address = address
        self.port = SocketAddress.localPort(of: self.listener) ?? address.port
        self.render = render
    }

    deinit {
        self.stop()
        close(self.listener)
    }

    /// Requests answered with the exposition so far.
    public var scrapes: UInt64 { self.scrapeCount.load(ordering: .relaxed) }

    /// Starts answering on a thread of its own.
    public func start() throws(SystemError) {
        self.thread = try WorkerThread { [self] in self.serve() }
    }

    /// Stops answering and waits for the thread.
    public func stop() {
        guard let thread = self.thread else { return }
        self.stopping.store(true, ordering: .releasing)
        thread.join()
        self.thread = nil
    }

    private func serve() {
        var descriptor = pollfd(fd: self.listener, events: Int16(POLLIN), revents: 0)
        while !self.stopping.load(ordering: .acquiring) {
            // Wakes at least every 200 ms to see whether it should stop.
            guard poll(&descriptor, 1, 200) > 0 else { continue }
            let connection = accept(self.listener, nil, nil)
            guard connection >= 0 else { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            self.answer(connection)
            close(connection)
        }
    }

    private func answer(_ connection: Int32) {
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard let head = Self.readHead(connection) else { return }
        let requestLine = head.split(separator: "\r\n", maxSplits: 1).first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        let response: [UInt8]
        if parts.count < 3 || !parts[2].hasPrefix("HTTP/") {
            response = Self.response(status: "400 Bad Request", body: Array("bad request\n".utf8), includeBody: true)
        } else if parts[0] != "GET" && parts[0] != "HEAD" {
            response = Self.response(status: "405 Method Not Allowed", body: Array("only GET\n".utf8), includeBody: true, extra: "Allow: GET, HEAD\r\n")
        } else if parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0] != self.address.path {
            response = Self.response(status: "404 Not Found", body: Array("metrics are at \(self.address.path)\n".utf8), includeBody: true)
        } else {
            self.scrapeCount.add(1, ordering: .relaxed)
            response = Self.response(status: "200 OK", body: self.render(), includeBody: parts[0] == "GET", contentType: Self.contentType)
        }
        response.withByteView { bytes in
            var offset = 0
            // A client that goes away mid-response just misses the rest: nothing to report.
            while offset < bytes.count, let sent = try? FileDescriptorIO.send(connection, bytes.subview(from: offset), object: "a scraper"),
                sent > 0
            {
                offset += sent
            }
        }
    }

    /// The request up to its blank line (at most 16 KiB), or nil when the client sent none in time.
    static func readHead(_ connection: Int32) -> String? {
        var head: [UInt8] = []
        let chunk = ByteStorage(count: 4096)
        while head.count < 16 << 10 {
            guard let count = try? FileDescriptorIO.receive(connection, into: chunk.mutableView, object: "a scraper"), count > 0 else {
                return nil
            }
            head += chunk.view.subview(0..<count)
            if let text = String(validating: head, as: UTF8.self), text.contains("\r\n\r\n") { return text }
        }
        return nil
    }

    static func response(
        status: String, body: [UInt8], includeBody: Bool, contentType: String = "text/plain; charset=utf-8", extra: String = ""
    ) -> [UInt8] {
        let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n\(extra)Connection: close\r\n\r\n"
        return Array(head.utf8) + (includeBody ? body : [])
    }
}
