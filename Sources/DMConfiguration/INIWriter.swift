/// Writes a configuration as dnsmonster's `--writeConfig` does: every INI section with each
/// option's description as a `;` comment, options at their default commented out
/// (`; port = 53`), changed ones as `key = value` (a list option once per value).
/// Reading the result back gives the same configuration.
public enum INIWriter {
    public static func render(_ configuration: Configuration) -> String {
        var lines: [String] = []
        for section in OptionTable.sections {
            let options = OptionTable.all.filter { $0.section == section.name && $0.inINI && !$0.ignoredByGoFlags }
            guard !options.isEmpty else { continue }
            lines.append("[\(section.name)]")
            for option in options {
                lines.append("; \(option.summary)")
                if configuration.source(option.name) == .defaultValue || !configuration.isChanged(option.name) {
                    let shown = option.defaultValue ?? (option.kind == .boolean ? "false" : "")
                    lines.append(shown.isEmpty ? "; \(option.name) =" : "; \(option.name) = \(INIParser.quoteIfNeeded(shown))")
                } else {
                    for value in configuration.values(option.name) {
                        lines.append("\(option.name) = \(INIParser.quoteIfNeeded(value))")
                    }
                }
                lines.append("")
            }
        }
        return lines.joined(separator: "\n")
    }
}
