/// A column type as the server names it in a block's header, for the types a DNS row can
/// fill: `UInt8`…`UInt64`, `Int8`…`Int64`, `String`, `FixedString(N)`, `Date`,
/// `DateTime[('zone')]`, `DateTime64(P[, 'zone'])`, `IPv4`, `IPv6`, `UUID`, and
/// `Nullable(…)`/`LowCardinality(…)` of these.
public indirect enum ColumnType: Hashable, Sendable, CustomStringConvertible {
    case unsigned(bytes: Int)
    case signed(bytes: Int)
    case string
    case fixedString(Int)
    case date
    case dateTime
    /// Ticks of 10^-precision seconds since the epoch.
    case dateTime64(precision: Int)
    case ipv4
    case ipv6
    case uuid
    case nullable(ColumnType)
    case lowCardinality(ColumnType)

    /// The type named `name`.
    /// - Throws: ``ClickHouseError/unsupportedType(column:type:)`` naming `column` for a type
    ///   this client does not write.
    public init(parsing name: String, column: String) throws(ClickHouseError) {
        guard let type = Self.parse(Substring(name)) else { throw .unsupportedType(column: column, type: name) }
        self = type
    }

    private static func parse(_ name: Substring) -> ColumnType? {
        func inner(_ prefix: String) -> Substring? {
            guard name.hasPrefix(prefix + "("), name.hasSuffix(")") else { return nil }
            return name.dropFirst(prefix.count + 1).dropLast()
        }
        switch name {
        case "UInt8": return .unsigned(bytes: 1)
        case "UInt16": return .unsigned(bytes: 2)
        case "UInt32": return .unsigned(bytes: 4)
        case "UInt64": return .unsigned(bytes: 8)
        case "Int8": return .signed(bytes: 1)
        case "Int16": return .signed(bytes: 2)
        case "Int32": return .signed(bytes: 4)
        case "Int64": return .signed(bytes: 8)
        case "String": return .string
        case "Date": return .date
        case "DateTime": return .dateTime
        case "IPv4": return .ipv4
        case "IPv6": return .ipv6
        case "UUID": return .uuid
        default: break
        }
        if inner("DateTime") != nil { return .dateTime }
        if let arguments = inner("DateTime64") {
            let precisionText = arguments.split(separator: ",", maxSplits: 1)[0].trimmingSpaces
            guard let precision = Int(precisionText), (0...9).contains(precision) else { return nil }
            return .dateTime64(precision: precision)
        }
        if let size = inner("FixedString") {
            guard let count = Int(size.trimmingSpaces), count > 0 else { return nil }
            return .fixedString(count)
        }
        if let nested = inner("Nullable") {
            guard let type = parse(nested), type.canBeInsideNullable else { return nil }
            return .nullable(type)
        }
        if let nested = inner("LowCardinality") {
            guard let type = parse(nested), type.canBeInsideLowCardinality else { return nil }
            return .lowCardinality(type)
        }
        return nil
    }

    private var canBeInsideNullable: Bool {
        switch self {
        case .nullable, .lowCardinality: return false
        default: return true
        }
    }

    private var canBeInsideLowCardinality: Bool {
        switch self {
        case .string, .fixedString: return true
        case .nullable(let inner): return inner == .string || inner.isFixedString
        default: return false
        }
    }

    var isFixedString: Bool {
        if case .fixedString = self { return true }
        return false
    }

    /// The type without `Nullable`/`LowCardinality` around it: what its values are.
    public var valueType: ColumnType {
        switch self {
        case .nullable(let inner), .lowCardinality(let inner): return inner.valueType
        default: return self
        }
    }

    public var description: String {
        switch self {
        case .unsigned(let bytes): return "UInt\(bytes * 8)"
        case .signed(let bytes): return "Int\(bytes * 8)"
        case .string: return "String"
        case .fixedString(let count): return "FixedString(\(count))"
        case .date: return "Date"
        case .dateTime: return "DateTime"
        case .dateTime64(let precision): return "DateTime64(\(precision))"
        case .ipv4: return "IPv4"
        case .ipv6: return "IPv6"
        case .uuid: return "UUID"
        case .nullable(let inner): return "Nullable(\(inner))"
        case .lowCardinality(let inner): return "LowCardinality(\(inner))"
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
