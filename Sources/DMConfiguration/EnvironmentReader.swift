/// Reads dnsmonster's `DNSMONSTER_*` environment variables.
public enum EnvironmentReader {
    /// The assignments of every option whose variable is set. A list option's variable holds
    /// comma-separated values (`DNSMONSTER_CLICKHOUSEADDRESS=a:9000,b:9000`).
    public static func assignments(from environment: [String: String]) throws(ConfigurationError) -> [OptionAssignment] {
        var result: [OptionAssignment] = []
        for option in OptionTable.all where !option.ignoredByGoFlags {
            guard let variable = option.environment, let value = environment[variable] else { continue }
            let values = option.kind == .stringList
                ? value.split(separator: ",").map { String($0).trimmingSpaces() } : [value]
            for item in values {
                try result.append(OptionAssignment(option: option, value: item, source: .environment(variable: variable)))
            }
        }
        return result
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(self.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
