import ArgumentParser
import DMRecord

/// `dm-parse`: not built yet; it refuses to run rather than pretend.
@main
struct DMParse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-parse",
        abstract: "Parse PACKET records into DNS records (not implemented yet).",
        version: DMRecordVersion.string)

    func run() throws {
        StandardError.write("dm-parse: not implemented yet (tracked in issue 4); nothing was read\n")
        throw ExitCode(2)
    }
}
