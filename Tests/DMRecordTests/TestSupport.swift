import DMRecord
import Foundation
import Testing

/// An owned copy of one stream item, comparable across reads.
enum OwnedItem: Equatable, CustomStringConvertible {
    case header(StreamHeader)
    case record(type: UInt16, flags: UInt16, body: [UInt8])

    init(_ item: StreamItem) {
        switch item {
        case .header(let header): self = .header(header)
        case .record(let record): self = .record(type: record.type.rawValue, flags: record.flags, body: Array(record.body))
        }
    }

    var description: String {
        switch self {
        case .header(let header): return "header(\(header.entries.count) entries)"
        case .record(let type, let flags, let body): return "record(type \(type), flags \(flags), \(body.count) bytes)"
        }
    }

    var isHeader: Bool { if case .header = self { return true } else { return false } }
}

/// A fresh directory under /tmp, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/dmrecord-test-XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw SystemError.current("mkdtemp", "/tmp") }
        self.path = String(cString: result)
    }

    deinit { try? FileManager.default.removeItem(atPath: self.path) }

    func file(_ name: String) -> String { self.path + "/" + name }
}

enum StreamFiles {
    /// Writes a stream to `path` through a RecordWriter.
    static func write(
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
    static func read(_ path: String, readLimit: Int = .max) throws -> [OwnedItem] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SystemError.current("open", path) }
        let reader = RecordReader(fileDescriptor: fd, inputName: path, closesDescriptor: true, readLimit: readLimit)
        var items: [OwnedItem] = []
        while let item = try reader.next() { items.append(OwnedItem(item)) }
        return items
    }

    /// The error reading `path` throws, or nil when it reads cleanly.
    static func readError(_ path: String, readLimit: Int = .max) -> RecordStreamError? {
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

    static func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}

/// Runs the package's own executables and other programs.
enum Programs {
    /// The directory holding the built products (next to the test bundle).
    static let productsDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // swift test runs <products>/<Package>PackageTests.xctest; step out of a bundle folder if any.
        while directory.lastPathComponent.hasSuffix(".xctest") || directory.lastPathComponent == "MacOS" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.path
    }()

    /// The package root (for examples/).
    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func product(_ name: String) -> String { productsDirectory + "/" + name }

    struct Result {
        var status: Int32
        var terminatedBySignal: Bool
        var standardError: String
    }

    /// Runs `executable` with files (or /dev/null) as its standard input and output.
    static func run(
        _ executable: String, _ arguments: [String], input: String? = nil, output: String? = nil,
        environment: [String: String]? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input ?? "/dev/null"))
        if let output {
            FileManager.default.createFile(atPath: output, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        } else {
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/null"))
        }
        let errorPipe = Pipe()
        process.standardError = errorPipe
        try process.run()
        let errorData = errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, terminatedBySignal: process.terminationReason == .uncaughtSignal,
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// Runs a shell command line; for pipelines whose exit statuses matter.
    static func shell(_ command: String) throws -> Result {
        try self.run("/bin/bash", ["-c", command])
    }
}

/// A deterministic random source for building test data from a property-test seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
