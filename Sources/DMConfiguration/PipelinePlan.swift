/// The command lines of one lane of the pipeline: dm-capture | dm-parse | dm-filter | dm-out.
public struct PipelinePlan: Sendable, Equatable {
    /// One stage: the executable's name and its arguments.
    public struct Stage: Sendable, Equatable {
        public var name: String
        public var arguments: [String]

        /// The command line as a shell would read it.
        public var commandLine: String {
            ([name] + arguments).map(ShellQuoting.quote).joined(separator: " ")
        }
    }

    public var capture: Stage
    public var parse: Stage
    public var filter: Stage
    public var out: Stage
    /// Things the user should know (ignored options, differences from dnsmonster); printed once on stderr.
    public var notes: [String]

    /// The stages in pipeline order.
    public var stages: [Stage] { [capture, parse, filter, out] }

    /// The whole pipeline as one shell command line.
    public var shellCommand: String { stages.map(\.commandLine).joined(separator: " | ") }
}

/// Quoting for printing command lines that can be pasted into a POSIX shell.
enum ShellQuoting {
    static func quote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@%+".contains($0) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        self.split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
