/// Checks and converts option values as go-flags parses them into Go types.
public enum GoValue {
    /// Go's strconv.ParseBool.
    public static func boolean(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "true", "TRUE", "True": return true
        case "0", "f", "F", "false", "FALSE", "False": return false
        default: return nil
        }
    }

    /// A Go time.Duration (`60s`, `1m30s`, `1.5h`, `500ms`, `0`) in nanoseconds.
    public static func duration(_ text: String) -> Int64? {
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" { negative = rest.first == "-"; rest = rest.dropFirst() }
        if rest == "0" { return 0 }
        if rest.isEmpty { return nil }
        let units: [(String, Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isNumber || $0 == ".") }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total < 9.2e18 else { return nil }
        return Int64(negative ? -total : total)
    }

    /// A duration as a stage flag value: whole seconds as `60s`, otherwise milliseconds.
    public static func stageDuration(nanoseconds: Int64) -> String {
        if nanoseconds % 1_000_000_000 == 0 { return "\(nanoseconds / 1_000_000_000)s" }
        return "\(max(1, nanoseconds / 1_000_000))ms"
    }

    /// Checks `value` against the option's kind and choices; returns what was expected when it fails.
    static func check(_ value: String, for option: OptionSpec) -> String? {
        if !option.choices.isEmpty && !option.choices.contains(value) {
            return "one of " + option.choices.joined(separator: ", ")
        }
        switch option.kind {
        case .string, .filename, .stringList: return nil
        case .boolean: return boolean(value) == nil ? "true or false" : nil
        case .unsigned: return UInt64(value) == nil ? "an unsigned integer" : nil
        case .unsigned8: return UInt8(value) == nil ? "an integer from 0 to 255" : nil
        case .integer: return Int64(value) == nil ? "an integer" : nil
        case .duration: return duration(value) == nil ? "a duration such as 60s, 1m30s or 500ms" : nil
        }
    }
}
