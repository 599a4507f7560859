#if canImport(Glibc)
import Glibc
#endif

/// The command lines of the pipeline: one or more lanes of dm-capture | dm-parse | dm-filter,
/// merged into one dm-out.
public struct PipelinePlan: Sendable, Equatable {
    /// One stage: the executable's name and its arguments.
    public struct Stage: Sendable, Equatable {
        public var name: String
        public var arguments: [String]

        /// The command line as a shell would read it.
        public var commandLine: String {
            ([name] + arguments).map(ShellQuoting.quote).joined(separator: " ")
        }
    }

    /// One lane: the stages that read a share of the input (a shard of a file, a member of a
    /// fanout group) and hand DNS records to dm-out.
    public struct Lane: Sendable, Equatable {
        public var capture: Stage
        /// dm-parse; nil when the capture writes DNS records itself (dnstap).
        public var parse: Stage?
        public var filter: Stage

        /// The lane's stages in pipeline order.
        public var stages: [Stage] { [capture] + (parse.map { [$0] } ?? []) + [filter] }
    }

    /// The lanes; with several, lane I's records reach dm-out on descriptor
    /// ``firstLaneDescriptor`` + I, which its `--input fd:N` arguments name.
    public var lanes: [Lane]
    public var out: Stage
    /// Things the user should know (ignored options, differences from dnsmonster); printed once on stderr.
    public var notes: [String]
    /// Where the pipeline's metrics go; dnsmonster reads every STATS record from dm-out's
    /// `--stats-out fd:`\(``statsDescriptor``).
    public var metrics: Metrics
    /// The descriptor dm-out writes the pipeline's STATS records to, for dnsmonster's
    /// metrics and end-of-run summary.
    public var statsDescriptor: Int32
    /// dnsmonster's `--logLevel` (0 panic … 3 info, the default, 4 debug): what of the stages'
    /// standard error reaches the user.
    public var logLevel: UInt64 = 3
    /// Variables the stages get in their environment rather than on their command line
    /// (secrets, which `ps` would show): `DM_CLICKHOUSE_PASSWORD`.
    public var environment: [String: String] = [:]

    /// dnsmonster's `[metric]` options, checked.
    public struct Metrics: Sendable, Equatable {
        /// `--metricEndpointType`: stderr, statsd or prometheus.
        public var endpointType: String
        /// `--metricStderrFormat`: json or kv.
        public var stderrFormat: String
        /// `--metricStatsdAgent` (HOST:PORT), for statsd.
        public var statsdAgent: String
        /// `--metricPrometheusEndpoint` (http://HOST:PORT/PATH), for prometheus.
        public var prometheusEndpoint: String
        /// `--metricFlushInterval` in nanoseconds: how often stderr and statsd get the metrics
        /// and the stages report their counters; 0 for only at the end.
        public var flushIntervalNanoseconds: Int64
        /// `--serverName`, part of every metric name.
        public var serverName: String

        public init(
            endpointType: String, stderrFormat: String = "json", statsdAgent: String = "", prometheusEndpoint: String = "",
            flushIntervalNanoseconds: Int64 = 10_000_000_000, serverName: String = "default"
        ) {
            self.endpointType = endpointType
            self.stderrFormat = stderrFormat
            self.statsdAgent = statsdAgent
            self.prometheusEndpoint = prometheusEndpoint
            self.flushIntervalNanoseconds = flushIntervalNanoseconds
            self.serverName = serverName
        }
    }

    /// The descriptor dm-out reads lane 0 from when there are several lanes.
    public static let firstLaneDescriptor: Int32 = 3

    /// Lane 0's capture stage (the only one with one lane).
    public var capture: Stage { lanes[0].capture }
    /// Lane 0's parse stage; nil for dnstap.
    public var parse: Stage? { lanes[0].parse }
    /// Lane 0's filter stage.
    public var filter: Stage { lanes[0].filter }

    /// Every stage: each lane's in order, then dm-out.
    public var stages: [Stage] { lanes.flatMap(\.stages) + [out] }

    /// The pipeline as shell command lines: one line with one lane; otherwise a line per lane
    /// ending at dm-out's descriptor for it, then dm-out's own line.
    public var shellCommands: [String] {
        if lanes.count == 1 { return [(lanes[0].stages + [out]).map(\.commandLine).joined(separator: " | ")] }
        return lanes.enumerated().map { index, lane in
            lane.stages.map(\.commandLine).joined(separator: " | ") + " >&\(Self.firstLaneDescriptor + Int32(index))  # lane \(index)"
        } + [out.commandLine]
    }
}

/// Facts about the machine that shape the plan, passed in so plans are testable.
public struct PlanningHost: Sendable {
    /// CPU cores online: the number of lanes when `--lanes` is 0.
    public var cores: Int
    /// The PACKET_FANOUT group id the live lanes share (unique on the host while it runs).
    public var fanoutGroup: UInt16

    /// What a path names, as stat(2) says (following links, so `/dev/stdout` is its target).
    public enum FileKind: Sendable, Equatable {
        case missing, folder, regularFile
        /// A FIFO, a pipe, a socket, a character device (`/dev/stdin`, `<(…)`).
        case other
    }

    /// What `path` names on this host: a capture that is not a regular file is read by one
    /// lane; a `--fileOutputPath` that exists and is not a folder is written to itself.
    public var fileKind: @Sendable (String) -> FileKind

    public init(cores: Int, fanoutGroup: UInt16, fileKind: @escaping @Sendable (String) -> FileKind = PlanningHost.fileKind) {
        self.cores = cores
        self.fanoutGroup = fanoutGroup
        self.fileKind = fileKind
    }

    /// stat(2) of `path`.
    public static let fileKind: @Sendable (String) -> FileKind = { path in
        var status = stat()
        guard stat(path, &status) == 0 else { return .missing }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: return .folder
        case S_IFREG: return .regularFile
        default: return .other
        }
    }
}

/// Quoting for printing command lines that can be pasted into a POSIX shell.
enum ShellQuoting {
    static func quote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@%+".contains($0) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        self.split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
