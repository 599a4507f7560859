import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads a domain list over http(s) with URLSession: 30 s timeout and a 100 MB limit, as
/// dnsmonster. Runs on the list watcher thread (and once at start-up), never per record.
public enum HTTPListFetcher {
    static let timeoutSeconds: TimeInterval = 30
    static let maximumBytes = 100_000_000

    /// The body of `address`.
    /// - Throws: ``DomainListLoadError`` naming the address and why it could not be fetched.
    public static func fetch(_ address: String) throws -> [UInt8] {
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw DomainListLoadError(source: address, reason: "not an http(s) URL")
        }
        let collector = Collector(limit: self.maximumBytes)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = self.timeoutSeconds
        configuration.timeoutIntervalForResource = self.timeoutSeconds
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        let session = URLSession(configuration: configuration, delegate: collector, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: url).resume()
        // The resource timeout ends the task; the extra seconds only guard against a lost callback.
        guard collector.done.wait(timeout: .now() + self.timeoutSeconds + 5) == .success else {
            throw DomainListLoadError(source: address, reason: "no answer within \(Int(self.timeoutSeconds)) s")
        }
        return try collector.result(address)
    }

    /// Collects the body, refusing error statuses and bodies over the limit.
    final class Collector: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let limit: Int
        let done = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var body: [UInt8] = []
        private var failure: String?

        init(limit: Int) { self.limit = limit }

        func result(_ address: String) throws -> [UInt8] {
            try self.lock.withLock {
                if let failure = self.failure { throw DomainListLoadError(source: address, reason: failure) }
                return self.body
            }
        }

        private func fail(_ reason: String) {
            self.lock.withLock { if self.failure == nil { self.failure = reason } }
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
        ) {
            if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                self.fail("HTTP status \(http.statusCode)")
                completionHandler(.cancel)
            } else if response.expectedContentLength > Int64(self.limit) {
                self.fail("the list is \(response.expectedContentLength) bytes, over the \(self.limit)-byte limit")
                completionHandler(.cancel)
            } else {
                completionHandler(.allow)
            }
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            let over = self.lock.withLock { () -> Bool in
                self.body += data
                return self.body.count > self.limit
            }
            if over {
                self.fail("the list is over the \(self.limit)-byte limit")
                dataTask.cancel()
            }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if let error { self.fail(error.localizedDescription) }
            self.done.signal()
        }
    }
}
