import DMRecord

/// dnsmonster's per-output type (`--stdoutOutputType` and friends): which records a sink
/// writes, decided from the domain-list match flags dm-filter sets.
///
/// A record dm-filter did not check against the lists matches neither list, as in dnsmonster
/// with no list loaded: types 2 write it, types 3 and 4 skip it.
public enum OutputType: Int, CaseIterable, Hashable, Sendable {
    /// 0: the sink is off.
    case disabled = 0
    /// 1: every record.
    case all = 1
    /// 2: records whose name is not on the skip list.
    case skipListed = 2
    /// 3: only records whose name is on the allow list.
    case allowListedOnly = 3
    /// 4: on the allow list and not on the skip list.
    case skipListedThenAllowListedOnly = 4

    /// Whether a record with these match flags is written.
    @inlinable
    public func accepts(_ flags: DNSMatchFlags) -> Bool {
        switch self {
        case .disabled: return false
        case .all: return true
        case .skipListed: return !flags.contains(.skipMatch)
        case .allowListedOnly: return flags.contains(.allowMatch)
        case .skipListedThenAllowListedOnly: return !flags.contains(.skipMatch) && flags.contains(.allowMatch)
        }
    }

    /// Whether the decision depends on dm-filter having checked the lists.
    public var needsMatchFlags: Bool { self.rawValue >= 2 }
}
