import ArgumentParser
import DMRecord
import DMStageOptions

/// `dm-filter`: the record-to-record filter stage.
@main
struct DMFilter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-filter",
        abstract: "Filter DNS records between dm-parse and dm-out.",
        discussion: """
            This version has no filter options yet (sampling, dedup, masks and domain lists \
            arrive with the dm-filter issue): it forwards every record, adds its provenance to \
            each header and its counters as a STATS record.
            """,
        version: DMRecordVersion.string)

    @Option(help: "Where to read records: -, PATH, unix:PATH, unix-listen:PATH, tcp:HOST:PORT, tcp-listen:HOST:PORT.")
    var input: String = "-"

    @OptionGroup var output: OutputOptions

    func run() throws {
        StageMain.run(tool: "dm-filter") {
            let opened = try Endpoint(parsing: self.input).openForReading()
            let output = try self.output.open(tool: "dm-filter")
            let reader = RecordReader(fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned)
            var counters = ForwardingCounters()
            try output.run(stage: "dm-filter", counters: { counters.fields }) {
                try RecordForwarder.run(from: reader, to: output, counters: &counters) { _ in .forward }
            }
            StandardError.write(StageSummary.line(tool: "dm-filter", counters: counters.fields, stopped: reader.stoppedBySignal))
        }
    }
}

