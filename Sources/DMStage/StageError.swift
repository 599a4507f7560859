import DMRecord

/// Failures of a stage that are not about the stream's bytes.
public enum StageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Binary output would go to a terminal.
    case terminalOutput
    /// A command-line value the stage cannot use.
    case invalidOption(flag: String, reason: String)
    /// A record whose body violates its type's layout.
    case malformedRecord(RecordLayoutError, offsetHint: String)

    public var description: String {
        switch self {
        case .terminalOutput:
            return "refusing to write binary records to a terminal: pipe them into the next stage "
                + "(| dm-parse, | dm-stream dump) or redirect to a file (> out.dmr), or use --out"
        case .invalidOption(let flag, let reason):
            return "\(flag): \(reason)"
        case .malformedRecord(let error, let hint):
            return "\(hint): \(error)"
        }
    }
}
