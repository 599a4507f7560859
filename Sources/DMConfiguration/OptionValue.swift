/// A type an option's value reads as, the way `ExpressibleByArgument` is for
/// swift-argument-parser: every kind of the table reads as exactly one of these types.
///
/// | kind | type |
/// |---|---|
/// | `string`, `filename` | `String` |
/// | `boolean` | `Bool` |
/// | `integer` (Go `int`) | `Int64` |
/// | `unsigned` (Go `uint`) | `UInt64` |
/// | `unsigned8` (Go `uint8`) | `UInt8` |
/// | `duration` (Go `time.Duration`) | `Duration` |
/// | `stringList` (Go `[]string`) | `[String]` |
public protocol OptionValue: Sendable {
    /// The kinds of option whose value reads as this type.
    static var optionKinds: Set<OptionKind> { get }

    /// The value of an option whose effective values are `values`: the last one for every kind
    /// but a list. Each value was checked against the option's kind when it was assigned, so
    /// reading cannot fail; an option with no value (no default, not set) reads as "", false or 0.
    init(optionValues values: [String])
}

extension String: OptionValue {
    public static var optionKinds: Set<OptionKind> { [.string, .filename] }

    public init(optionValues values: [String]) {
        self = values.last ?? ""
    }
}

extension Bool: OptionValue {
    public static var optionKinds: Set<OptionKind> { [.boolean] }

    public init(optionValues values: [String]) {
        self = values.last.flatMap(GoValue.boolean) ?? false
    }
}

extension Int64: OptionValue {
    public static var optionKinds: Set<OptionKind> { [.integer] }

    public init(optionValues values: [String]) {
        self = values.last.flatMap { Int64($0) } ?? 0
    }
}

extension UInt64: OptionValue {
    public static var optionKinds: Set<OptionKind> { [.unsigned] }

    public init(optionValues values: [String]) {
        self = values.last.flatMap { UInt64($0) } ?? 0
    }
}

extension UInt8: OptionValue {
    public static var optionKinds: Set<OptionKind> { [.unsigned8] }

    public init(optionValues values: [String]) {
        self = values.last.flatMap { UInt8($0) } ?? 0
    }
}

extension Duration: OptionValue {
    public static var optionKinds: Set<OptionKind> { [.duration] }

    public init(optionValues values: [String]) {
        self = .nanoseconds(values.last.flatMap(GoValue.duration) ?? 0)
    }

    /// The duration in whole nanoseconds, the unit of Go's `time.Duration` and of the stage flags
    /// built from it (a Go duration always fits in 64 bits).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension Array: OptionValue where Element == String {
    public static var optionKinds: Set<OptionKind> { [.stringList] }

    public init(optionValues values: [String]) {
        self = values
    }
}
