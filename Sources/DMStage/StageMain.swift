import DMRecord
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// Runs a stage's body and turns the way it ends into an exit status.
///
/// Errors become one line on standard error, `TOOL: message`, and status 1. A consumer that
/// went away ends the stage quietly with status 141, as death by SIGPIPE would, so
/// `set -o pipefail` still tells what happened.
public enum StageMain {
    /// The exit status for a closed consumer (128 + SIGPIPE).
    @inlinable public static var consumerClosedStatus: Int32 { 141 }

    /// Runs `body` with signals installed; never returns.
    public static func run(tool: String, _ body: () throws -> Void) -> Never {
        StageSignals.install()
        do {
            try body()
            exit(0)
        } catch let error as RecordWriteError where error.kind == .consumerClosed {
            exit(consumerClosedStatus)
        } catch {
            StandardError.write("\(tool): \(error)\n")
            exit(1)
        }
    }

    /// Fails when standard output is a terminal: stages write binary.
    public static func refuseTerminalOutput(_ fd: Int32 = 1) throws(StageError) {
        if FileDescriptorIO.isTerminal(fd) { throw .terminalOutput }
    }
}

/// Unbuffered writes to standard error (the `stderr` global is not concurrency-safe in Swift 6).
public enum StandardError {
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            try? FileDescriptorIO.writeAll(2, UnsafeRawBufferPointer(bytes), object: "standard error")
        }
    }
}
