import ArgumentParser
import DMBytes
import DMRecord
import DMStage

extension DMStream {
    /// Prints one line per header and record, for people and for debugging.
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every header and record of DMRecord streams as text, one per line.")

        @Option(help: ArgumentHelp("An input, read in turn (repeatable; default standard input): \(Endpoint.forms).", valueName: "endpoint"))
        var input: [String] = []

        @Argument(help: ArgumentHelp("More inputs, after those of --input (the older spelling).", valueName: "endpoint"))
        var inputs: [String] = []

        @Flag(help: "Also print each record's body in hex.")
        var hex = false

        func run() throws {
            try StageMain.run(tool: "dm-stream") {
                let output = RecordWriter(fileDescriptor: 1, outputName: "standard output")
                let texts = self.input + self.inputs
                for text in texts.isEmpty ? ["-"] : texts {
                    let input = try Endpoint(parsing: text).openForReading()
                    let reader = RecordReader(fileDescriptor: input.fileDescriptor, inputName: input.name, closesDescriptor: input.owned)
                    while true {
                        let offset = reader.offset
                        guard let item = try reader.next() else { break }
                        let line: String
                        switch item {
                        case .header(let header): line = RecordDescription.header(header, offset: offset)
                        case .record(let record): line = RecordDescription.record(record, offset: offset, hex: self.hex)
                        }
                        try TextOutput.write(line, to: output)
                    }
                }
                try output.flush()
            }
        }
    }
}

/// Writes text through a RecordWriter's buffer, which flushes like any stage output.
enum TextOutput {
    static func write(_ text: String, to writer: RecordWriter) throws {
        var text = text
        try text.withUTF8ByteView { (bytes) throws(RecordWriteError) in try writer.writeRaw(bytes) }
    }
}
