import DMStage
import DMSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where a domain list is read from: a file, or an http(s) URL.
public enum DomainListSource: Hashable, Sendable, CustomStringConvertible {
    case file(String)
    case url(String)

    /// `http://…` and `https://…` are URLs; `file:PATH` and anything else a path.
    public init(parsing text: String) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            self = .url(text)
        } else if text.hasPrefix("file:") {
            self = .file(String(text.dropFirst(5)))
        } else {
            self = .file(text)
        }
    }

    public var description: String {
        switch self {
        case .file(let path): return path
        case .url(let url): return url
        }
    }
}

/// A list that could not be read; the loader keeps the list it had.
public struct DomainListLoadError: Error, Hashable, Sendable, CustomStringConvertible {
    public var source: String
    public var reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "\(self.source): \(self.reason)" }
}

/// Holds the current version of one domain list and replaces it whole on reload.
///
/// A reload reads and parses the source completely into a new ``DomainList`` on the calling
/// (background) thread; only then is the reference swapped under a mutex and the generation
/// number raised. The record loop compares the generation (one atomic load) between batches
/// of records and takes the new list when it changed, so every record is matched against
/// exactly one complete version. A failed reload logs why and keeps the old list.
public final class DomainListLoader: @unchecked Sendable {
    /// Fetches an http(s) URL's body; supplied by the stage (the library has no HTTP client).
    public typealias Fetcher = @Sendable (String) throws -> [UInt8]

    /// `skip` or `allow`, for messages and counter names.
    public let role: String
    public let source: DomainListSource
    private let fetch: Fetcher?
    private let log: @Sendable (String) -> Void
    private let current: Mutex<DomainList>
    private let generationCounter = Atomic<UInt64>(0)
    private let loadCounter = Atomic<UInt64>(0)
    private let failureCounter = Atomic<UInt64>(0)
    private let entryCounter = Atomic<UInt64>(0)
    /// The file's identity when it was last read (watcher thread and initial load only).
    let fileState = Mutex<FileSignature?>(nil)

    /// A loader with an empty list; call ``loadInitially()`` before use.
    public init(role: String, source: DomainListSource, fetch: Fetcher?, log: @escaping @Sendable (String) -> Void) {
        self.role = role
        self.source = source
        self.fetch = fetch
        self.log = log
        self.current = Mutex(DomainList())
    }

    /// Raised on every successful load; cheap to compare per batch.
    @inlinable
    public var generation: UInt64 { self.generationNumber() }

    @usableFromInline
    func generationNumber() -> UInt64 { self.generationCounter.load(ordering: .acquiring) }

    /// The list in force.
    public func list() -> DomainList { self.current.withLock { $0 } }

    /// Successful loads, failed loads, entries of the list in force.
    public var loads: UInt64 { self.loadCounter.load(ordering: .relaxed) }
    public var failures: UInt64 { self.failureCounter.load(ordering: .relaxed) }
    public var entries: UInt64 { self.entryCounter.load(ordering: .relaxed) }

    /// The first load; its failure is the stage's failure.
    public func loadInitially() throws(DomainListLoadError) {
        try self.load(reason: "start")
    }

    /// Loads again; logs and keeps the old list on failure. Returns whether it succeeded.
    @discardableResult
    public func reload(reason: String) -> Bool {
        do {
            try self.load(reason: reason)
            return true
        } catch {
            self.failureCounter.add(1, ordering: .relaxed)
            let kept = self.list().count
            self.log("\(self.role) list: reload (\(reason)) failed: \(error); keeping the previous list (\(kept) entries)")
            return false
        }
    }

    private func load(reason: String) throws(DomainListLoadError) {
        let started = WallClock.monotonicNanoseconds()
        var signature: FileSignature?
        let bytes: [UInt8]
        switch self.source {
        case .file(let path):
            signature = FileSignature(path: path)
            bytes = try Self.readFile(path)
        case .url(let url):
            guard let fetch = self.fetch else { throw DomainListLoadError(source: url, reason: "no HTTP client in this tool") }
            do { bytes = try fetch(url) } catch let error as DomainListLoadError { throw error } catch {
                throw DomainListLoadError(source: url, reason: "\(error)")
            }
        }
        let (list, report) = DomainListParser.parse(bytes)
        self.current.withLock { $0 = list }
        self.generationCounter.add(1, ordering: .releasing)
        self.loadCounter.add(1, ordering: .relaxed)
        self.entryCounter.store(UInt64(list.count), ordering: .relaxed)
        if signature != nil { self.fileState.withLock { $0 = signature } }
        let seconds = Double(WallClock.monotonicNanoseconds() - started) / 1e9
        var line = "\(self.role) list: \(report.entries) entries (\(list.suffixCount) suffix, \(list.prefixCount) prefix, "
            + "\(list.fqdnCount) fqdn) from \(self.source) in \(Self.format(seconds)) s (\(reason))"
        if let invalid = report.firstInvalid {
            line += "; \(report.invalidLines) invalid lines ignored, the first is line \(invalid.line): '\(invalid.text)'"
        }
        if report.unknownKinds > 0 { line += "; \(report.unknownKinds) lines of unknown kind taken as fqdn" }
        self.log(line)
    }

    static func format(_ seconds: Double) -> String {
        let milliseconds = Int((seconds * 1000).rounded())
        let fraction = milliseconds % 1000
        return "\(milliseconds / 1000).\(fraction < 10 ? "00" : fraction < 100 ? "0" : "")\(fraction)"
    }

    /// Reads a whole file with read(2).
    static func readFile(_ path: String) throws(DomainListLoadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DomainListLoadError(source: path, reason: Self.errorText(errno)) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw DomainListLoadError(source: path, reason: Self.errorText(errno)) }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw DomainListLoadError(source: path, reason: "is a directory") }
        do {
            return try FileDescriptorIO.readToEnd(fd, object: path, expectedSize: Int(status.st_size))
        } catch {
            throw DomainListLoadError(source: path, reason: Self.errorText(error.code))
        }
    }

    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// A file's identity and version as stat(2) shows it: a changed value means a changed file
/// (rewritten in place, or replaced by a rename).
struct FileSignature: Hashable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int64
    var modifiedNanoseconds: Int64
    var changedSeconds: Int64
    var changedNanoseconds: Int64

    /// Nil when the file cannot be stat'ed.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        self.device = UInt64(status.st_dev)
        self.inode = UInt64(status.st_ino)
        self.size = Int64(status.st_size)
        self.modifiedSeconds = Int64(status.st_mtim.tv_sec)
        self.modifiedNanoseconds = Int64(status.st_mtim.tv_nsec)
        self.changedSeconds = Int64(status.st_ctim.tv_sec)
        self.changedNanoseconds = Int64(status.st_ctim.tv_nsec)
    }
}

/// The background thread that reloads lists: every `refresh` interval, when a list file
/// changes (checked every `poll` interval; a change is acted on once the file has stayed the
/// same for one poll, so a file being rewritten is not read half-written), and on SIGHUP.
public final class DomainListWatcher: @unchecked Sendable {
    private let loaders: [DomainListLoader]
    private let refreshNanoseconds: UInt64
    private let pollNanoseconds: UInt64
    private let stopped = Atomic<Bool>(false)

    /// `refresh` 0 turns periodic reloads off.
    public init(loaders: [DomainListLoader], refreshNanoseconds: UInt64, pollNanoseconds: UInt64 = 100_000_000) {
        self.loaders = loaders
        self.refreshNanoseconds = refreshNanoseconds
        self.pollNanoseconds = pollNanoseconds
    }

    /// Starts the thread; it runs until ``stop()`` or the end of the process.
    /// - Throws: `SystemError` when no thread can be started.
    public func start() throws(SystemError) {
        try WorkerThread.startDetached { [self] in self.run() }
    }

    /// Asks the thread to end after its current poll.
    public func stop() { self.stopped.store(true, ordering: .relaxed) }

    private func run() {
        var nextRefresh = WallClock.monotonicNanoseconds() &+ self.refreshNanoseconds
        // Per file loader: the signature seen at the last poll and the one last acted on.
        var seen: [FileSignature?] = self.loaders.map { loader in loader.fileState.withLock { $0 } }
        var attempted = seen
        while !self.stopped.load(ordering: .relaxed) {
            WallClock.sleep(nanoseconds: self.pollNanoseconds)
            if self.stopped.load(ordering: .relaxed) { return }
            if StageSignals.takeReopenRequest() {
                for loader in self.loaders { loader.reload(reason: "SIGHUP") }
                attempted = self.loaders.map { loader in loader.fileState.withLock { $0 } }
                seen = attempted
                continue
            }
            let now = WallClock.monotonicNanoseconds()
            if self.refreshNanoseconds > 0 && now >= nextRefresh {
                for loader in self.loaders { loader.reload(reason: "refresh") }
                nextRefresh = WallClock.monotonicNanoseconds() &+ self.refreshNanoseconds
                attempted = self.loaders.map { loader in loader.fileState.withLock { $0 } }
                seen = attempted
                continue
            }
            for (index, loader) in self.loaders.enumerated() {
                guard case .file(let path) = loader.source else { continue }
                let signature = FileSignature(path: path)
                defer { seen[index] = signature }
                // Changed since the last attempt, and unchanged for one poll: read it.
                guard signature != attempted[index], signature == seen[index] else { continue }
                attempted[index] = signature
                loader.reload(reason: signature == nil ? "file disappeared" : "file changed")
            }
        }
    }
}
