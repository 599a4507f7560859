/// Applies the support statuses to a configuration: refuses options that are not supported
/// yet and lists the ignored ones that were set.
public enum SupportCheck {
    /// One line per ignored option that was set (to print once on stderr); throws for the first
    /// option that is not supported yet and is set to something other than its default.
    public static func check(_ configuration: Configuration) throws(ConfigurationError) -> [String] {
        var notes: [String] = []
        for option in OptionTable.all where configuration.isChanged(option) {
            let value = configuration.values(option).joined(separator: ",")
            switch OptionSupport.of(option) {
            case .mapped, .wrapper:
                continue
            case .ignored(let reason):
                notes.append("ignoring --\(option.name)=\(value) (from \(configuration.source(option))): \(reason)")
            case .notYet(let reason):
                throw .notYetSupported(option: option, value: value, source: configuration.source(option), reason: reason)
            }
        }
        return notes
    }
}
