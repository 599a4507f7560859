/// Writes a configuration as dnsmonster's `--writeConfig` does: every INI section with each
/// option's description as a `;` comment, options at their default commented out
/// (`; port = 53`), changed ones as `key = value` (a list option once per value).
/// Reading the result back gives the same configuration. The section of this dnsmonster's own
/// options is written only when one of them is set, so the file stays readable by the Go
/// dnsmonster otherwise (go-flags refuses sections it does not know).
public enum INIWriter {
    public static func render(_ configuration: Configuration) -> String {
        var lines: [String] = []
        for section in OptionTable.sections {
            let options = OptionTable.all.filter { $0.section == section.name && $0.inINI && !$0.ignoredByGoFlags }
            guard !options.isEmpty else { continue }
            if section.name == OptionTable.extensionSection.name && !options.contains(where: { configuration.isChanged($0) }) {
                continue
            }
            lines.append("[\(section.name)]")
            for option in options {
                lines.append("; \(option.summary)")
                if configuration.source(option) == .defaultValue || !configuration.isChanged(option) {
                    let shown = option.defaultValue ?? (option.kind == .boolean ? "false" : "")
                    lines.append(shown.isEmpty ? "; \(option.name) =" : "; \(option.name) = \(INIParser.quoteIfNeeded(shown))")
                } else {
                    for value in configuration.values(option) {
                        lines.append("\(option.name) = \(INIParser.quoteIfNeeded(value))")
                    }
                }
                lines.append("")
            }
        }
        return lines.joined(separator: "\n")
    }
}
