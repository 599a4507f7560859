/// Where an option's effective value came from; higher layers win (flags > environment > file > defaults).
public enum ValueSource: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case environment(variable: String)
    case commandLine

    /// The precedence rank: a layer replaces the values of every lower one.
    var rank: Int {
        switch self {
        case .defaultValue: return 0
        case .file: return 1
        case .environment: return 2
        case .commandLine: return 3
        }
    }

    public var description: String {
        switch self {
        case .defaultValue: return "the default"
        case .file(let path, let line): return "\(path):\(line)"
        case .environment(let variable): return "environment variable \(variable)"
        case .commandLine: return "the command line"
        }
    }
}
