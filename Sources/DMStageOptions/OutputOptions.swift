import ArgumentParser
import DMRecord

/// The output flags every record-writing stage shares: `--out` and `--compress`.
public struct OutputOptions: ParsableArguments {
    @Option(help: "Where to write records: -, PATH, unix:PATH, unix-listen:PATH, tcp:HOST:PORT, tcp-listen:HOST:PORT.")
    public var out: String = "-"

    @Option(help: "Compress the output: none or lz4.")
    public var compress: StreamCompression = .none

    public init() {}

    /// Opens the output for `tool`, refusing a terminal on standard output.
    public func open(tool: String, lane: UInt16 = 0) throws -> StageOutput {
        try StageOutput.open(try Endpoint(parsing: self.out), tool: tool, compression: self.compress, lane: lane)
    }
}

extension StreamCompression: ExpressibleByArgument {}
