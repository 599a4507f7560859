/// dnsmonster's options (the generated groups in `Options/`) and lookups by name.
public enum OptionTable {
    /// Every option: dnsmonster's, then this dnsmonster's own (``extensions``).
    public static let all: [OptionSpec] = dnsmonster + extensions

    /// A key for every option, in the order of ``all`` (``OptionKey``; checked against the
    /// table by DNSMonsterConfigurationTests).
    public static let keys: [AnyOptionKey] = dnsmonsterKeys + extensionKeys

    /// The INI sections in order: dnsmonster's, then this dnsmonster's own.
    public static let sections: [(name: String, summary: String)] = dnsmonsterSections + [extensionSection]

    private static let byName: [String: OptionSpec] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The option with this name, compared case-insensitively as dnsmonster does.
    public static func option(named name: String) -> OptionSpec? {
        byName[name.lowercased()]
    }

    /// The option whose environment variable this is.
    public static func option(environment variable: String) -> OptionSpec? {
        all.first { $0.environment == variable }
    }

    /// The known name closest to `name` by edit distance, or else the shortest name that
    /// starts with it (`--pcap` → `pcapfile`); nil when nothing is close.
    public static func closestName(to name: String) -> String? {
        let wanted = name.lowercased()
        let candidates = all.map(\.name) + ExtraFlag.allCases.map(\.rawValue)
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = EditDistance.between(wanted, candidate)
            if best == nil || distance < best!.distance { best = (candidate, distance) }
        }
        if let best, best.distance <= max(2, wanted.count / 3) { return best.name }
        guard wanted.count >= 3 else { return nil }
        return candidates.filter { $0.hasPrefix(wanted) }.min { $0.count < $1.count }
    }
}

/// Flags of this dnsmonster that the Go one does not have.
public enum ExtraFlag: String, CaseIterable, Sendable {
    /// Print the four stage command lines instead of running them.
    case dryrun
}
