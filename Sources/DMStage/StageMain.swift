import DMBytes
import DMRecord
import DMSystem

/// What every stage's main shares: the exit status for a consumer that went away, and the
/// refusal to write binary records to a terminal. (Running the body and turning its end into
/// an exit status is `StageMain.run` in DMStageCommand, through ArgumentParser's `ExitCode`.)
public enum StageMain {
    /// The exit status for a closed consumer (128 + SIGPIPE).
    @inlinable public static var consumerClosedStatus: Int32 { 141 }

    /// Fails when standard output is a terminal: stages write binary.
    public static func refuseTerminalOutput(_ fd: Int32 = 1) throws(StageError) {
        if FileDescriptorIO.isTerminal(fd) { throw .terminalOutput }
    }
}

/// Unbuffered writes to standard error (the `stderr` global is not concurrency-safe in Swift 6).
public enum StandardError {
    public static func write(_ text: String) {
        var text = text
        text.withUTF8ByteView { bytes in
            // A failed write to standard error has nowhere left to be reported.
            try? FileDescriptorIO.writeAll(2, bytes, object: "standard error")
        }
    }
}
