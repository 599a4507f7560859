import ArgumentParser
import DMRecord
import DMStage

/// The output flags every record-writing stage shares: `--out`, `--compress` and
/// `--stats-interval`.
public struct OutputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Where to write records: \(Endpoint.forms).", valueName: "endpoint"))
    public var out: String = "-"

    @Option(help: "Compress the output: none or lz4.")
    public var compress: StreamCompression = .none

    @Option(help: ArgumentHelp(
        "Also write a periodic STATS record every N seconds while records flow (0: only the final one; default 0, for live capture 10).",
        valueName: "N"))
    public var statsInterval: Double?

    public init() {}

    public func validate() throws {
        if let interval = self.statsInterval, !(interval >= 0 && interval <= 86_400) {
            throw ValidationError("--stats-interval must be between 0 and 86400 seconds, not \(interval)")
        }
    }

    /// Opens the output for `tool`, refusing a terminal on standard output; periodic STATS
    /// every `--stats-interval` seconds, or `defaultStatsInterval` when it is not given.
    public func open(tool: String, lane: UInt16 = 0, defaultStatsInterval: Double = 0) throws -> StageOutput {
        let output = try StageOutput.open(try Endpoint(parsing: self.out), tool: tool, compression: self.compress, lane: lane)
        output.statsSchedule = StatsSchedule(seconds: self.statsInterval ?? defaultStatsInterval)
        return output
    }
}

extension StreamCompression: ExpressibleByArgument {}
