import ArgumentParser
import DMRecord
import DMStage

extension StageMain {
    /// Runs a stage's body with signals installed and turns the way it ends into the exit
    /// status ArgumentParser exits with.
    ///
    /// An error becomes one line on standard error, `TOOL: message`, and status 1. A consumer
    /// that went away ends the stage quietly with status 141, as death by SIGPIPE would, so
    /// `set -o pipefail` still tells what happened.
    /// - Throws: `ExitCode` when the body fails; nothing when it succeeds (status 0).
    public static func run(tool: String, _ body: () throws -> Void) throws(ExitCode) {
        StageSignals.install()
        do {
            try body()
        } catch let error as RecordWriteError where error.kind == .consumerClosed {
            throw ExitCode(Self.consumerClosedStatus)
        } catch {
            StandardError.write("\(tool): \(error)\n")
            throw ExitCode.failure
        }
    }
}
