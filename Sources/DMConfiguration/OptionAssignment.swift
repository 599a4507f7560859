/// One value given to one option by one layer (a flag, an environment variable, an INI line).
public struct OptionAssignment: Sendable {
    public let option: OptionSpec
    public let value: String
    public let source: ValueSource

    /// Checks the value against the option's type and choices.
    init(option: OptionSpec, value: String, source: ValueSource) throws(ConfigurationError) {
        if let expected = GoValue.check(value, for: option) {
            throw .invalidValue(option: option, value: value, expected: expected, source: source)
        }
        self.option = option
        self.value = value
        self.source = source
    }
}
