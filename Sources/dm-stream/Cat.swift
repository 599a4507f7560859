import ArgumentParser
import DMRecord
import DMStage
import DMStageCommand

extension DMStream {
    /// Reads streams in order and writes them as one, validating every record on the way.
    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read DMRecord streams (plain or LZ4) in order and write them as one stream.",
            discussion: """
                Every record passes unchanged; each input section gets a header with this \
                stage's provenance added, and a STATS record with its counters ends the output.
                """)

        @Option(help: ArgumentHelp("An input, read in turn (repeatable; default standard input): \(Endpoint.forms).", valueName: "endpoint"))
        var input: [String] = []

        @Argument(help: ArgumentHelp("More inputs, after those of --input (the older spelling).", valueName: "endpoint"))
        var inputs: [String] = []

        @OptionGroup var output: OutputOptions

        func run() throws {
            try StageMain.run(tool: "dm-stream") {
                let texts = self.input + self.inputs
                let endpoints = try (texts.isEmpty ? ["-"] : texts).map { (text) throws(EndpointError) in try Endpoint(parsing: text) }
                let output = try self.output.open(tool: "dm-stream")
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

