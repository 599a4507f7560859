import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// One stage that touched a stream: the PROVENANCE header entry (docs/record-format.md, section 2).
public struct Provenance: Hashable, Sendable {
    /// When the stage started, in nanoseconds since the Unix epoch.
    public var startTimeNanoseconds: UInt64
    /// The stage's process id.
    public var processID: UInt32
    /// The tool name, such as `dm-capture`.
    public var tool: String
    /// The tool version.
    public var version: String
    /// The command line, `argv[0]` first.
    public var arguments: [String]

    public init(startTimeNanoseconds: UInt64, processID: UInt32, tool: String, version: String, arguments: [String]) {
        self.startTimeNanoseconds = startTimeNanoseconds
        self.processID = processID
        self.tool = tool
        self.version = version
        self.arguments = arguments
    }

    /// The provenance of the running process.
    public static func current(tool: String, version: String = DMRecordVersion.string) -> Provenance {
        Provenance(
            startTimeNanoseconds: WallClock.nowNanoseconds(), processID: UInt32(truncatingIfNeeded: getpid()),
            tool: tool, version: version, arguments: CommandLine.arguments)
    }

    /// Decodes an entry value; nil when it is too short or a string lacks its NUL.
    public init?(value: [UInt8]) {
        guard value.count >= 12 else { return nil }
        var time: UInt64 = 0
        var pid: UInt32 = 0
        for i in 0..<8 { time |= UInt64(value[i]) << (8 * UInt64(i)) }
        for i in 0..<4 { pid |= UInt32(value[8 + i]) << (8 * UInt32(i)) }
        var strings: [String] = []
        var start = 12
        while start < value.count {
            guard let end = value[start...].firstIndex(of: 0) else { return nil }
            strings.append(String(decoding: value[start..<end], as: UTF8.self))
            start = end + 1
        }
        guard strings.count >= 2 else { return nil }
        self.init(
            startTimeNanoseconds: time, processID: pid, tool: strings[0], version: strings[1],
            arguments: Array(strings.dropFirst(2)))
    }

    /// The header entry carrying this provenance.
    public var entry: HeaderEntry {
        var value: [UInt8] = []
        value.appendLittleEndian(self.startTimeNanoseconds)
        value.appendLittleEndian(self.processID)
        for string in [self.tool, self.version] + self.arguments {
            // Arguments cannot contain NUL on Unix; drop any that slipped in so the framing holds.
            value.append(contentsOf: string.utf8.lazy.filter { $0 != 0 })
            value.append(0)
        }
        return HeaderEntry(tag: HeaderEntry.provenanceTag, value: value)
    }
}

/// The version string every tool of this package reports.
public enum DMRecordVersion {
    public static let string = "0.1.0"
}
