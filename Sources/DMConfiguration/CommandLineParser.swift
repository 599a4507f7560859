/// The command line parsed the go-flags way dnsmonster uses: long names in any case,
/// `--name=value` or `--name value`, booleans without a value, list flags repeated.
public struct ParsedCommandLine: Sendable {
    /// Every option given, in order.
    public var assignments: [OptionAssignment] = []
    /// Flags of this dnsmonster only (`--dryRun`).
    public var extraFlags: Set<ExtraFlag> = []
    /// `-h`/`--help` was given.
    public var wantsHelp: Bool { assignments.contains { $0.option.name == OptionKey.help.name } }
}

/// Parses dnsmonster's argv (without the program name).
public enum CommandLineParser {
    public static func parse(_ arguments: [String]) throws(ConfigurationError) -> ParsedCommandLine {
        var result = ParsedCommandLine()
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "-h" {
                try result.assignments.append(OptionAssignment(option: OptionKey.help.option, value: "true", source: .commandLine))
                continue
            }
            guard word.hasPrefix("-"), word != "-", word != "--" else {
                throw .unexpectedArgument(word)
            }
            let body = word.drop { $0 == "-" }
            let name: String
            var inlineValue: String?
            if let equals = body.firstIndex(of: "=") {
                name = String(body[..<equals])
                inlineValue = String(body[body.index(after: equals)...])
            } else {
                name = String(body)
            }
            if let extra = ExtraFlag(rawValue: name.lowercased()) {
                if let inlineValue, GoValue.boolean(inlineValue) == false { continue }
                result.extraFlags.insert(extra)
                continue
            }
            guard let option = OptionTable.option(named: name) else {
                throw .unknownFlag(name, suggestion: OptionTable.closestName(to: name))
            }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else if option.kind.isBoolean {
                value = "true"
            } else {
                guard index < arguments.count else { throw .missingValue(flag: name) }
                value = arguments[index]
                index += 1
            }
            try result.assignments.append(OptionAssignment(option: option, value: value, source: .commandLine))
        }
        return result
    }
}
