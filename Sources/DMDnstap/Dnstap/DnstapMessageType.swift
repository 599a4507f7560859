/// dnstap's `Message.type`: which side of which exchange the server logged.
public struct DnstapMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The short names the dnstap tools print (`CQ` for CLIENT_QUERY …), by value 1–14.
    static let shortNames = ["AQ", "AR", "RQ", "RR", "CQ", "CR", "FQ", "FR", "SQ", "SR", "TQ", "TR", "UQ", "UR"]
    /// The schema's names, by value 1–14.
    static let names = [
        "AUTH_QUERY", "AUTH_RESPONSE", "RESOLVER_QUERY", "RESOLVER_RESPONSE", "CLIENT_QUERY", "CLIENT_RESPONSE",
        "FORWARDER_QUERY", "FORWARDER_RESPONSE", "STUB_QUERY", "STUB_RESPONSE", "TOOL_QUERY", "TOOL_RESPONSE",
        "UPDATE_QUERY", "UPDATE_RESPONSE",
    ]

    /// The type named `name`: a short name (`CQ`) or the schema's (`CLIENT_QUERY`), any case.
    public init?(name: String) {
        let upper = name.uppercased()
        guard let index = Self.shortNames.firstIndex(of: upper) ?? Self.names.firstIndex(of: upper) else { return nil }
        self.rawValue = UInt64(index + 1)
    }

    /// Every type the schema defines.
    public static var all: [DnstapMessageType] { (1...14).map { DnstapMessageType(rawValue: $0) } }

    /// The short name, or the number for a type the schema does not define.
    public var description: String {
        (1...14).contains(self.rawValue) ? Self.shortNames[Int(self.rawValue) - 1] : "type \(self.rawValue)"
    }
}

/// A set of message types, as `--dnstap-types` gives it.
public struct DnstapTypeSelection: Hashable, Sendable {
    /// Bit `n` set: type `n` is kept (types above 63 are kept only by ``all``).
    private var bits: UInt64
    private var keepsUnknown: Bool

    /// Every type, including ones the schema does not define yet.
    public static let all = DnstapTypeSelection(bits: ~0, keepsUnknown: true)

    private init(bits: UInt64, keepsUnknown: Bool) {
        self.bits = bits
        self.keepsUnknown = keepsUnknown
    }

    /// The types named in a comma-separated list (`CQ,CR` or `CLIENT_QUERY,…`).
    /// - Throws: ``DnstapTypeSelectionError`` naming an unknown type.
    public init(parsing list: String) throws(DnstapTypeSelectionError) {
        self.bits = 0
        self.keepsUnknown = false
        for name in list.split(separator: ",").map({ $0.filter { !$0.isWhitespace } }) where !name.isEmpty {
            guard let type = DnstapMessageType(name: name) else { throw DnstapTypeSelectionError(name: name) }
            self.bits |= 1 << type.rawValue
        }
        guard self.bits != 0 else { throw DnstapTypeSelectionError(name: list) }
    }

    /// Whether records of `type` are kept.
    @inline(__always)
    public func contains(_ type: DnstapMessageType) -> Bool {
        type.rawValue < 64 ? self.bits & (1 << type.rawValue) != 0 : self.keepsUnknown
    }
}

/// A `--dnstap-types` entry that names no dnstap message type.
public struct DnstapTypeSelectionError: Error, Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var description: String {
        "\"\(self.name)\" is no dnstap message type; use AQ AR RQ RR CQ CR FQ FR SQ SR TQ TR UQ UR or their full names (CLIENT_QUERY …)"
    }
}
