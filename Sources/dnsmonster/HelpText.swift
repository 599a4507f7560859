import DMConfiguration

/// `dnsmonster --help`: usage, what this dnsmonster is, and every option by INI section with
/// its default, environment variable and how it is handled here.
enum HelpText {
    static func render() -> String {
        var text = """
            Usage: dnsmonster [OPTIONS]

            dnsmonster's command line on the dm-* pipeline: the options, DNSMONSTER_* environment
            variables and --config FILE.ini of dnsmonster (names case-insensitive, --name=value or
            --name value; flags > environment > file > defaults) become the command lines of
            dm-capture | dm-parse | dm-filter | dm-out. A lane of capture | parse | filter runs per
            CPU core (--lanes), each reading a share of the input flow by flow (a file's shard, an
            interface's PACKET_FANOUT group); one dm-out merges them. SIGINT/SIGTERM stop the
            captures and every record already read drains through to the outputs.
            Options marked "not yet" are refused when set; "ignored" ones are reported once.

              --dryRun            print the stage command lines (a line per lane) instead of running them
              --writeConfig=FILE  write the effective configuration as INI (- for standard output)
              --config=FILE       read an INI file ([capture], [general], [stdout_output], …)


            """
        for section in OptionTable.sections {
            let options = OptionTable.all.filter { $0.section == section.name && !$0.hidden }
            guard !options.isEmpty else { continue }
            text += "[\(section.name)] \(section.summary)\n"
            for option in options {
                var facts: [String] = []
                if let value = option.defaultValue, !value.isEmpty { facts.append("default \(value)") }
                if !option.choices.isEmpty { facts.append(option.choices.joined(separator: "|")) }
                if let variable = option.environment { facts.append("$\(variable)") }
                text += "  --\(option.name)" + (facts.isEmpty ? "" : "  (\(facts.joined(separator: ", ")))") + "\n"
                text += "      \(option.summary)\n"
                switch OptionSupport.of(option) {
                case .mapped(let stage): text += "      -> \(stage)\n"
                case .wrapper(let what): text += "      -> dnsmonster \(what)\n"
                case .ignored(let reason): text += "      ignored: \(reason)\n"
                case .notYet(let reason): text += "      not yet: \(reason)\n"
                }
            }
            text += "\n"
        }
        return text
    }
}
