/// The type of a dnsmonster option, as go-flags parses it.
public enum OptionKind: String, Sendable {
    case string, filename
    /// Go `uint`.
    case unsigned
    /// Go `uint8`.
    case unsigned8
    /// Go `int`.
    case integer
    /// A flag without a value (`--dedup`); `=true`/`=false` are accepted too.
    case boolean
    /// Go `time.Duration`: `60s`, `1m30s`, `500ms`, `0`.
    case duration
    /// Go `[]string`: every occurrence of the flag adds a value.
    case stringList

    /// Whether the flag takes no value on the command line.
    public var isBoolean: Bool { self == .boolean }
}

/// One of dnsmonster's options: the facts of flags.txt (generated into `Options/`).
public struct OptionSpec: Sendable, Equatable {
    /// The long name as dnsmonster matches it: lowercase (`pcapfile`).
    public let name: String
    public let kind: OptionKind
    /// The default as dnsmonster prints it; nil where dnsmonster has none (booleans: false).
    public let defaultValue: String?
    /// The environment variable (`DNSMONSTER_PCAPFILE`), nil for the help flags.
    public let environment: String?
    /// The INI section (the go-flags group name: `capture`, `file_output`, …).
    public let section: String
    /// False for `--config`, `--version`, `--writeConfig` and the help flags (go-flags `no-ini`).
    public let inINI: Bool
    /// Allowed values, empty when any value of the kind is allowed.
    public let choices: [String]
    /// dnsmonster hides the flag from its help (deprecated).
    public let hidden: Bool
    /// dnsmonster declares the flag on an unexported field, so go-flags never sees it.
    public let ignoredByGoFlags: Bool
    /// dnsmonster's description.
    public let summary: String

    init(
        name: String, kind: OptionKind, defaultValue: String?, environment: String?, section: String,
        inINI: Bool = true, choices: [String] = [], hidden: Bool = false, ignoredByGoFlags: Bool = false,
        summary: String
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.environment = environment
        self.section = section
        self.inINI = inINI
        self.choices = choices
        self.hidden = hidden
        self.ignoredByGoFlags = ignoredByGoFlags
        self.summary = summary
    }

    /// The default as a list of values (empty for none or "").
    public var defaultValues: [String] {
        guard let value = self.defaultValue, !value.isEmpty else { return [] }
        return [value]
    }
}
