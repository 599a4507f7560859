/// A record whose body does not fit the layout of its type.
public struct RecordLayoutError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The record type whose layout was violated.
    public var type: RecordType
    /// What is wrong, in words a user can act on.
    public var reason: String

    public init(type: RecordType, reason: String) {
        self.type = type
        self.reason = reason
    }

    public var description: String { "malformed \(self.type) record: \(self.reason)" }
}
