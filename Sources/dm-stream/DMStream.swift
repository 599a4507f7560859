import ArgumentParser
import DMRecord

/// `dm-stream`: tools for DMRecord streams themselves — concatenate, recompress, inspect.
@main
struct DMStream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-stream",
        abstract: "Concatenate, (de)compress and inspect DMRecord streams.",
        version: DMRecordVersion.string,
        subcommands: [Cat.self, Dump.self])
}
