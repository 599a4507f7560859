import ArgumentParser
import DMRecord

/// `dm-out`: not built yet; it refuses to run rather than pretend.
@main
struct DMOut: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-out",
        abstract: "Write DNS records as JSON, CSV, OCSF or text (not implemented yet).",
        version: DMRecordVersion.string)

    func run() throws {
        StandardError.write("dm-out: not implemented yet (tracked in issue 5); nothing was read\n")
        throw ExitCode(2)
    }
}
