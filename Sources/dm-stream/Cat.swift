import ArgumentParser
import DMRecord

extension DMStream {
    /// Reads streams in order and writes them as one, validating every record on the way.
    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read DMRecord streams (plain or LZ4) in order and write them as one stream.",
            discussion: """
                Every record passes unchanged; each input section gets a header with this \
                stage's provenance added, and a STATS record with its counters ends the output.
                """)

        @Argument(help: "Inputs: - (standard input), PATH, unix:PATH, unix-listen:PATH, tcp:HOST:PORT, tcp-listen:HOST:PORT.")
        var inputs: [String] = ["-"]

        @Option(help: "Where to write the stream (same forms as the inputs).")
        var out: String = "-"

        @Option(help: "Compress the output: none or lz4.")
        var compress: StreamCompression = .none

        func run() throws {
            StageMain.run(tool: "dm-stream") {
                let endpoints = try self.inputs.map { (text) throws(EndpointError) in try Endpoint(parsing: text) }
                let output = try StageOutput.open(try Endpoint(parsing: self.out), tool: "dm-stream", compression: self.compress)
                var counters = ForwardingCounters()
                var stopped = false
                try output.run(stage: "dm-stream", counters: { counters.fields }) {
                    for endpoint in endpoints where !stopped {
                        let input = try endpoint.openForReading()
                        let reader = RecordReader(fileDescriptor: input.fileDescriptor, inputName: input.name, closesDescriptor: input.owned)
                        try RecordForwarder.run(from: reader, to: output, counters: &counters) { _ in .forward }
                        stopped = reader.stoppedBySignal
                    }
                }
                StandardError.write(StageSummary.line(tool: "dm-stream cat", counters: counters.fields, stopped: stopped))
            }
        }
    }
}

extension StreamCompression: ExpressibleByArgument {}
