/// A typed name of one of dnsmonster's options, for reading it from a ``Configuration``:
/// `configuration[.devName]` is a `String`, `configuration[.noEtherframe]` a `Bool`,
/// `configuration[.metricFlushInterval]` a `Duration`.
///
/// There is a key for every option of the table and for no other name: the keys are generated
/// with the table (`Options/`, by `scripts/generate-dnsmonster-options.py`) and this
/// dnsmonster's own options declare theirs beside their facts (`OptionTable+Extensions.swift`).
/// `Value` is the type the option's kind reads as (``OptionValue``), so a misspelt option or a
/// value read as the wrong type fails to compile instead of giving "" or 0.
///
/// Keys are generic over their value rather than one type per kind, so that one subscript,
/// one `isChanged(_:)` and one `source(_:)` serve every kind. Each key is a static
/// member of the extension constrained to its value type (`where Value == String`), which lets
/// `.devName` stand wherever an `OptionKey<Value>` is expected and fixes `Value` from it.
public struct OptionKey<Value: OptionValue>: Sendable, Hashable, CustomStringConvertible {
    /// The option's name in the table: lowercase, as dnsmonster matches it (`devname`).
    public let name: String

    /// Keys are made only here and in the generated table, each for an option of the table.
    init(_ name: String) {
        self.name = name
    }

    /// The option's facts in the table.
    public var option: OptionSpec {
        guard let option = OptionTable.option(named: self.name) else {
            preconditionFailure("the key of --\(self.name) names no option of the table")
        }
        return option
    }

    /// The flag as a user writes it, `--devname`.
    public var description: String { "--\(self.name)" }
}

/// An ``OptionKey`` with its value type kept as the kinds it reads, so that the keys of every
/// kind fit in one list (``OptionTable/keys``) to be checked against the table.
public struct AnyOptionKey: Sendable, Hashable, CustomStringConvertible {
    /// The option's name in the table (``OptionKey/name``).
    public let name: String
    /// The kinds of option the key's value type reads (``OptionValue/optionKinds``).
    public let valueKinds: Set<OptionKind>

    public init<Value>(_ key: OptionKey<Value>) {
        self.name = key.name
        self.valueKinds = Value.optionKinds
    }

    public var description: String { "--\(self.name)" }
}
