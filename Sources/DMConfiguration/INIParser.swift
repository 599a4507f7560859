/// Reads dnsmonster's INI configuration as go-flags does: `[section]` lines named as the
/// option groups (`[capture]`, `[file_output]`, …, case-insensitive), `key = value` lines,
/// whole-line `;` and `#` comments, values optionally in double quotes with Go escapes.
/// A list option takes one value per line, its key repeated.
public enum INIParser {
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> [OptionAssignment] {
        var assignments: [OptionAssignment] = []
        var section: String?
        let sectionNames = OptionTable.sections.map(\.name)
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = String(rawLine).trimmingSpaces()
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw .malformedINILine(path: path, line: lineNumber, text: line) }
                let name = String(line.dropFirst().dropLast()).trimmingSpaces().lowercased()
                guard sectionNames.contains(name) else {
                    throw .unknownSection(path: path, line: lineNumber, section: name, suggestion: closest(name, in: sectionNames))
                }
                section = name
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw .malformedINILine(path: path, line: lineNumber, text: line)
            }
            let key = String(line[..<equals]).trimmingSpaces().lowercased()
            var value = String(line[line.index(after: equals)...]).trimmingSpaces()
            guard !key.isEmpty else { throw .malformedINILine(path: path, line: lineNumber, text: line) }
            guard let section else { throw .keyOutsideSection(path: path, line: lineNumber, key: key) }
            let keysHere = OptionTable.all.filter { $0.section == section && $0.inINI && !$0.ignoredByGoFlags }
            guard let option = keysHere.first(where: { $0.name == key }) else {
                let suggestion: String?
                if let elsewhere = OptionTable.option(named: key), elsewhere.inINI {
                    suggestion = "\(key) in [\(elsewhere.section)]"
                } else {
                    suggestion = closest(key, in: keysHere.map(\.name))
                }
                throw .unknownKey(path: path, line: lineNumber, section: section, key: key, suggestion: suggestion)
            }
            if value.hasPrefix("\"") {
                guard let unquoted = unquote(value) else {
                    throw .malformedINILine(path: path, line: lineNumber, text: line)
                }
                value = unquoted
            }
            try assignments.append(OptionAssignment(option: option, value: value, source: .file(path: path, line: lineNumber)))
        }
        return assignments
    }

    /// A double-quoted value with `\"`, `\\`, `\n`, `\t` escapes; nil when the quotes do not close at the end.
    static func unquote(_ text: String) -> String? {
        var characters = Array(text.dropFirst())
        guard characters.last == "\"" else { return nil }
        characters.removeLast()
        var result = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character == "\\" {
                index += 1
                guard index < characters.count else { return nil }
                switch characters[index] {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case let other: result.append(other)
                }
            } else if character == "\"" {
                return nil
            } else {
                result.append(character)
            }
            index += 1
        }
        return result
    }

    /// A value as the INI writer prints it: quoted when it would not read back as it is.
    static func quoteIfNeeded(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.trimmingSpaces() != value || value.hasPrefix("\"")
            || value.contains("\n") || value.contains("\\")
        guard needsQuotes else { return value }
        var result = "\""
        for character in value {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    private static func closest(_ name: String, in candidates: [String]) -> String? {
        let best = candidates.min { EditDistance.between(name, $0) < EditDistance.between(name, $1) }
        guard let best, EditDistance.between(name, best) <= max(2, name.count / 3) else { return nil }
        return best
    }
}
