/// dnsmonster's effective configuration: every option's values and where they came from,
/// after applying defaults, the INI file, the environment and the command line in that order
/// (a higher layer replaces a lower one's values; within one layer a list option collects
/// every value and any other option keeps the last).
///
/// Options are read through their keys, typed by the option's kind:
///
/// ```swift
/// let device = configuration[.devName]                  // String
/// if configuration[.noEtherframe] { … }                 // Bool
/// let interval = configuration[.metricFlushInterval]    // Duration
/// if configuration.isChanged(.port) { … configuration.text(.port) … }
/// ```
///
/// Code that walks the whole table (``SupportCheck``, ``INIWriter``) reads by ``OptionSpec``.
public struct Configuration: Sendable {
    /// One option's effective value(s).
    private struct Setting: Sendable {
        var values: [String]
        var source: ValueSource
    }

    /// Every option of the table by its name; names come only from ``OptionSpec``s and keys.
    private var settings: [String: Setting]
    /// Flags of this dnsmonster only (`--dryRun`).
    public var extraFlags: Set<ExtraFlag> = []

    /// Every option at its default.
    public init() {
        var settings: [String: Setting] = [:]
        for option in OptionTable.all {
            settings[option.name] = Setting(values: option.defaultValues, source: .defaultValue)
        }
        self.settings = settings
    }

    /// Applies one layer's assignments over the current values.
    public mutating func apply(_ assignments: [OptionAssignment]) {
        var touched: Set<String> = []
        for assignment in assignments {
            let name = assignment.option.name
            if assignment.option.kind == .stringList && touched.contains(name) {
                self.settings[name]!.values.append(assignment.value)
            } else {
                self.settings[name] = Setting(values: [assignment.value], source: assignment.source)
            }
            self.settings[name]!.source = assignment.source
            touched.insert(name)
        }
    }

    /// Builds the configuration from argv (without the program name), the environment and,
    /// when `--config` or `DNSMONSTER_CONFIG` names one, an INI file read with `readFile`.
    public static func resolve(
        arguments: [String], environment: [String: String],
        readFile: (String) throws -> String = Configuration.readTextFile
    ) throws(ConfigurationError) -> Configuration {
        let commandLine = try CommandLineParser.parse(arguments)
        let fromEnvironment = try EnvironmentReader.assignments(from: environment)
        var configuration = Configuration()
        configuration.extraFlags = commandLine.extraFlags
        let configPath = commandLine.assignments.last { $0.option.name == OptionKey.config.name }?.value
            ?? fromEnvironment.last { $0.option.name == OptionKey.config.name }?.value
        if let configPath, !configPath.isEmpty {
            let text: String
            do {
                text = try readFile(configPath)
            } catch {
                throw .unreadableFile(path: configPath, reason: "\(error)")
            }
            configuration.apply(try INIParser.parse(text, path: configPath))
        }
        configuration.apply(fromEnvironment)
        configuration.apply(commandLine.assignments)
        return configuration
    }

    /// Reads a whole file as UTF-8 text.
    public static func readTextFile(_ path: String) throws -> String {
        try ConfigurationFile.read(path)
    }

    // MARK: reading by key

    /// The option's effective value as its kind reads it (``OptionValue``): the last value,
    /// or every value of a list option.
    public subscript<Value>(key: OptionKey<Value>) -> Value {
        Value(optionValues: self.values(key.option))
    }

    /// The option's effective value as it was written (the last one of a list option), "" when
    /// it has none: for messages that quote the user, and for passing a value on unchanged.
    public func text<Value>(_ key: OptionKey<Value>) -> String {
        self.values(key.option).last ?? ""
    }

    /// Where the option's effective value came from.
    public func source<Value>(_ key: OptionKey<Value>) -> ValueSource {
        self.source(key.option)
    }

    /// Whether the option's value differs from dnsmonster's default (false for a default given explicitly).
    public func isChanged<Value>(_ key: OptionKey<Value>) -> Bool {
        self.isChanged(key.option)
    }

    // MARK: reading by table entry

    /// The option's effective values as they were written (a list option may have several).
    public func values(_ option: OptionSpec) -> [String] {
        self.settings[option.name]?.values ?? []
    }

    /// Where the option's effective value came from.
    public func source(_ option: OptionSpec) -> ValueSource {
        self.settings[option.name]?.source ?? .defaultValue
    }

    /// Whether the option's value differs from dnsmonster's default (false for a default given explicitly).
    public func isChanged(_ option: OptionSpec) -> Bool {
        let values = self.values(option)
        if option.kind == .boolean { return Bool(optionValues: values) }
        if option.kind == .duration, values.count == 1, let defaultValue = option.defaultValue {
            return GoValue.duration(values[0]) != GoValue.duration(defaultValue)
        }
        return values != option.defaultValues
    }
}
