/// Everything that can be wrong with a dnsmonster configuration, each with a message a user can act on.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// A `--flag` dnsmonster does not have; `suggestion` is the closest known one.
    case unknownFlag(String, suggestion: String?)
    /// A flag that needs a value came last on the command line.
    case missingValue(flag: String)
    /// A word on the command line that is not a flag (dnsmonster takes no arguments).
    case unexpectedArgument(String)
    /// A value that does not parse as the option's type or is not one of its choices.
    case invalidValue(option: OptionSpec, value: String, expected: String, source: ValueSource)
    /// A configuration file that cannot be read.
    case unreadableFile(path: String, reason: String)
    /// A line of an INI file that is neither a section, a `key = value`, a comment nor blank.
    case malformedINILine(path: String, line: Int, text: String)
    /// An INI section dnsmonster does not have.
    case unknownSection(path: String, line: Int, section: String, suggestion: String?)
    /// An INI key dnsmonster does not have in that section.
    case unknownKey(path: String, line: Int, section: String, key: String, suggestion: String?)
    /// A `key = value` before the first `[section]`.
    case keyOutsideSection(path: String, line: Int, key: String)
    /// An option that exists but whose stage is not built yet, set to something other than its default.
    case notYetSupported(option: OptionSpec, value: String, source: ValueSource, reason: String)
    /// Two options that cannot be used together.
    case conflict(String)
    /// Nothing to capture from.
    case noInput

    public var description: String {
        switch self {
        case .unknownFlag(let flag, let suggestion):
            let hint = suggestion.map { " Did you mean --\($0)?" } ?? ""
            return "unknown flag --\(flag).\(hint) (dnsmonster --help lists them)"
        case .missingValue(let flag):
            return "flag --\(flag) needs a value: --\(flag)=VALUE or --\(flag) VALUE"
        case .unexpectedArgument(let word):
            return "unexpected argument '\(word)': dnsmonster takes only --flags (did you forget a flag name before it?)"
        case .invalidValue(let option, let value, let expected, let source):
            return "invalid value '\(value)' for --\(option.name) (from \(source)): expected \(expected)"
        case .unreadableFile(let path, let reason):
            return "cannot read configuration file \(path): \(reason)"
        case .malformedINILine(let path, let line, let text):
            return "\(path):\(line): expected '[section]' or 'key = value', found '\(text)'"
        case .unknownSection(let path, let line, let section, let suggestion):
            let hint = suggestion.map { " Did you mean [\($0)]?" } ?? ""
            return "\(path):\(line): unknown section [\(section)].\(hint)"
        case .unknownKey(let path, let line, let section, let key, let suggestion):
            let hint = suggestion.map { " Did you mean \($0)?" } ?? ""
            return "\(path):\(line): unknown option '\(key)' in section [\(section)].\(hint)"
        case .keyOutsideSection(let path, let line, let key):
            let section = OptionTable.option(named: key).map { " (it belongs in [\($0.section)])" } ?? ""
            return "\(path):\(line): '\(key)' comes before any [section]\(section)"
        case .notYetSupported(let option, let value, let source, let reason):
            return "--\(option.name)=\(value) (from \(source)) is not supported yet: \(reason)"
        case .conflict(let message):
            return message
        case .noInput:
            return "nothing to capture: give --devName=DEV (live), --pcapFile=FILE (- for standard input) or --dnstapSocket"
        }
    }
}

extension ConfigurationError {
    /// ``invalidValue(option:value:expected:source:)`` for the option of `key`.
    public static func invalidValue<Value>(
        _ key: OptionKey<Value>, value: String, expected: String, source: ValueSource
    ) -> ConfigurationError {
        .invalidValue(option: key.option, value: value, expected: expected, source: source)
    }

    /// ``notYetSupported(option:value:source:reason:)`` for the option of `key`.
    public static func notYetSupported<Value>(
        _ key: OptionKey<Value>, value: String, source: ValueSource, reason: String
    ) -> ConfigurationError {
        .notYetSupported(option: key.option, value: value, source: source, reason: reason)
    }
}
