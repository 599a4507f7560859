import DMBytes
import DMRecord
import DMStage
import DMSystem
import Foundation
import Testing

/// An owned copy of one stream item, comparable across reads.
package enum OwnedItem: Equatable, CustomStringConvertible {
    case header(StreamHeader)
    case record(type: UInt16, flags: UInt16, body: [UInt8])

    package init(_ item: StreamItem) {
        switch item {
        case .header(let header): self = .header(header)
        case .record(let record): self = .record(type: record.type.rawValue, flags: record.flags, body: Array(record.body))
        }
    }

    package var description: String {
        switch self {
        case .header(let header): return "header(\(header.entries.count) entries)"
        case .record(let type, let flags, let body): return "record(type \(type), flags \(flags), \(body.count) bytes)"
        }
    }

    package var isHeader: Bool { if case .header = self { return true } else { return false } }
}

/// The test process ignores SIGPIPE, as every stage does. A write into a pipe whose reader is
/// gone (a child that exited early, a merger that stopped at an input's error while a feeder
/// thread still writes) then fails with EPIPE where the test sees it, instead of killing the
/// whole test run with signal 13. Children still start with SIGPIPE at its default
/// (``ChildProcess`` resets it). Every helper that opens pipes or files touches this first.
package enum BrokenPipes {
    package static let ignored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()
}

/// A fresh directory under /tmp, removed when the value goes away.
package final class TemporaryDirectory {
    package let path: String

    package init() throws {
        BrokenPipes.ignored
        var template = Array("/tmp/dmrecord-test-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw SystemError.current("mkdtemp", "/tmp") }
        self.path = String(cString: result)
    }

    deinit { try? FileManager.default.removeItem(atPath: self.path) }

    package func file(_ name: String) -> String { self.path + "/" + name }
}

package enum StreamFiles {
    /// Splits a stage's output into its own trailing STATS record and everything else.
    package static func splitOwnStats(_ items: [OwnedItem], stage: String) throws -> (rest: [OwnedItem], stats: StatsRecord) {
        guard case .record(3, _, let body) = items.last else {
            Issue.record("output does not end with a STATS record")
            throw StageError.invalidOption(flag: "test", reason: "no stats")
        }
        let stats = try body.withByteView { try StatsRecord(body: $0) }
        #expect(stats.stage == stage)
        #expect(stats.kind == .final)
        return (Array(items.dropLast()), stats)
    }

    /// Writes a stream to `path` through a RecordWriter.
    package static func write(
        _ path: String, compression: StreamCompression = .none, policy: FlushPolicy = .standard,
        _ build: (RecordWriter) throws -> Void
    ) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SystemError.current("create", path) }
        let writer = RecordWriter(
            fileDescriptor: fd, outputName: path, policy: policy, compression: compression, closesDescriptor: true)
        try build(writer)
        try writer.finish()
    }

    /// Reads every item of the stream in `path`, each read at most `readLimit` bytes.
    package static func read(_ path: String, readLimit: Int = .max) throws -> [OwnedItem] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SystemError.current("open", path) }
        let reader = RecordReader(fileDescriptor: fd, inputName: path, closesDescriptor: true, readLimit: readLimit)
        var items: [OwnedItem] = []
        while let item = try reader.next() { items.append(OwnedItem(item)) }
        return items
    }

    /// The error reading `path` throws, or nil when it reads cleanly.
    package static func readError(_ path: String, readLimit: Int = .max) -> RecordStreamError? {
        do {
            _ = try self.read(path, readLimit: readLimit)
            return nil
        } catch let error as RecordStreamError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    package static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes `bytes` to `path` through a descriptor closed on exec, so a process another test
    /// starts meanwhile does not inherit it (an executable written here and still open for
    /// writing in some child could not be started: ETXTBSY).
    package static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError.current("create", path) }
        defer { close(fd) }
        try bytes.withByteView { (view) throws(SystemError) in try FileDescriptorIO.writeAll(fd, view, object: path) }
    }
}

/// Runs the package's own executables and other programs.
package enum Programs {
    /// The directory holding the built products (next to the test bundle).
    package static let productsDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // swift test runs <products>/<Package>PackageTests.xctest; step out of a bundle folder if any.
        while directory.lastPathComponent.hasSuffix(".xctest") || directory.lastPathComponent == "MacOS" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.path
    }()

    /// The package root (for examples/).
    package static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    package static func product(_ name: String) -> String { productsDirectory + "/" + name }

    package struct Result {
        package var status: Int32
        package var terminatedBySignal: Bool
        package var standardError: String
    }

    /// Runs `executable` with files (or /dev/null) as its standard input and output and
    /// returns its exit status and what it wrote to standard error.
    package static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, output: String? = nil
    ) throws -> Result {
        let inputFD = open(input ?? "/dev/null", O_RDONLY | O_CLOEXEC)
        guard inputFD >= 0 else { throw SystemError.current("open", input ?? "/dev/null") }
        defer { close(inputFD) }
        let outputFD = open(output ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard outputFD >= 0 else { throw SystemError.current("create", output ?? "/dev/null") }
        defer { close(outputFD) }
        let errors = try PipePair()
        let child = try ChildProcess(executable, arguments, standardInput: inputFD, standardOutput: outputFD, standardError: errors.writeEnd)
        errors.closeWriteEnd()
        let text = errors.readAll()
        let (status, signaled) = child.wait()
        return Result(status: status, terminatedBySignal: signaled, standardError: text)
    }

    /// Runs a shell command line; for pipelines whose exit statuses matter.
    package static func shell(_ command: String) throws -> Result {
        try self.run("/bin/bash", ["-c", command])
    }
}

/// A pipe whose ends the test closes explicitly (no run loops, no Foundation.Process).
package final class PipePair {
    package private(set) var readEnd: Int32
    package private(set) var writeEnd: Int32

    package init() throws {
        BrokenPipes.ignored
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemError.current("pipe", "test") }
        // Close-on-exec, so children get only the ends dup2'ed onto their standard descriptors.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        self.readEnd = fds[0]
        self.writeEnd = fds[1]
    }

    deinit {
        self.closeReadEnd()
        self.closeWriteEnd()
    }

    package func closeReadEnd() {
        if self.readEnd >= 0 { close(self.readEnd); self.readEnd = -1 }
    }

    package func closeWriteEnd() {
        if self.writeEnd >= 0 { close(self.writeEnd); self.writeEnd = -1 }
    }

    package func write(_ bytes: [UInt8]) throws {
        try bytes.withByteView { try FileDescriptorIO.writeAll(self.writeEnd, $0, object: "test pipe") }
    }

    /// Reads until end of input.
    package func readAll() -> String {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(self.readEnd, $0.baseAddress, $0.count) }
            if count > 0 { data += chunk[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            break
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A child process started with posix_spawn: default signal dispositions, an empty signal
/// mask, and exactly the three standard descriptors it is given.
package final class ChildProcess {
    package let pid: pid_t
    private var reaped = false

    package init(_ executable: String, _ arguments: [String], standardInput: Int32, standardOutput: Int32, standardError: Int32) throws {
        BrokenPipes.ignored
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, standardInput, 0)
        posix_spawn_file_actions_adddup2(&actions, standardOutput, 1)
        posix_spawn_file_actions_adddup2(&actions, standardError, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SystemError(code: status, operation: "spawn", object: executable) }
        self.pid = pid
    }

    deinit {
        if !self.reaped {
            kill(self.pid, SIGKILL)
            _ = self.wait()
        }
    }

    package func signal(_ signal: Int32) { kill(self.pid, signal) }

    /// Waits for the child; returns its exit status (or signal number) and whether a signal ended it.
    @discardableResult
    package func wait() -> (status: Int32, signaled: Bool) {
        var status: Int32 = 0
        while waitpid(self.pid, &status, 0) < 0 && errno == EINTR {}
        self.reaped = true
        let signal = status & 0x7F
        return signal == 0 ? ((status >> 8) & 0xFF, false) : (signal, true)
    }
}

/// The counters of a stage's summary line (`dm-capture: a=1 b=2 …`).
package enum SummaryCounters {
    /// The `name=N` pairs of the last line of `text` that contains `marker`; empty when none does.
    package static func parse(_ text: String, lastLineContaining marker: String) -> [String: UInt64] {
        guard let line = text.split(separator: "\n").last(where: { $0.contains(marker) }) else { return [:] }
        var counters: [String: UInt64] = [:]
        for field in line.split(separator: " ") {
            let parts = field.split(separator: "=")
            if parts.count == 2, let value = UInt64(parts[1]) { counters[String(parts[0])] = value }
        }
        return counters
    }
}

/// A deterministic random source for building test data from a property-test seed.
package struct SplitMix64: RandomNumberGenerator {
    package var state: UInt64
    package init(seed: UInt64) { self.state = seed }
    package mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
