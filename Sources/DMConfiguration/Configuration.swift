/// dnsmonster's effective configuration: every option's values and where they came from,
/// after applying defaults, the INI file, the environment and the command line in that order
/// (a higher layer replaces a lower one's values; within one layer a list option collects
/// every value and any other option keeps the last).
public struct Configuration: Sendable {
    /// One option's effective value(s).
    public struct Setting: Sendable {
        public var values: [String]
        public var source: ValueSource
    }

    public private(set) var settings: [String: Setting]
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
        let configPath = commandLine.assignments.last { $0.option.name == "config" }?.value
            ?? fromEnvironment.last { $0.option.name == "config" }?.value
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

    // MARK: typed values

    /// The option's values (a list option may have several).
    public func values(_ name: String) -> [String] { self.settings[name.lowercased()]?.values ?? [] }

    /// The option's (last) value, "" when it has none.
    public func string(_ name: String) -> String { self.values(name).last ?? "" }

    public func bool(_ name: String) -> Bool { GoValue.boolean(self.string(name)) ?? false }

    public func integer(_ name: String) -> Int64 { Int64(self.string(name)) ?? 0 }

    /// A duration option in nanoseconds.
    public func duration(_ name: String) -> Int64 { GoValue.duration(self.string(name)) ?? 0 }

    public func source(_ name: String) -> ValueSource { self.settings[name.lowercased()]?.source ?? .defaultValue }

    /// Whether the option's value differs from dnsmonster's default (false for a default given explicitly).
    public func isChanged(_ name: String) -> Bool {
        guard let option = OptionTable.option(named: name) else { return false }
        let values = self.values(name)
        if option.kind == .boolean { return self.bool(name) }
        if option.kind == .duration, values.count == 1, let defaultValue = option.defaultValue {
            return GoValue.duration(values[0]) != GoValue.duration(defaultValue)
        }
        return values != option.defaultValues
    }
}
