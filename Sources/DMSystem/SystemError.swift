#if canImport(Glibc)
import Glibc
#endif

/// A failed system call, with the operation and the object it was applied to.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The errno value.
    public var code: Int32
    /// What was being done: `read`, `connect`, …
    public var operation: String
    /// What it was done to: a path, an endpoint, `standard input`.
    public var object: String

    public init(code: Int32, operation: String, object: String) {
        self.code = code
        self.operation = operation
        self.object = object
    }

    /// Captures the current errno.
    public static func current(_ operation: String, _ object: String) -> SystemError {
        SystemError(code: errno, operation: operation, object: object)
    }

    public var description: String {
        "\(self.operation) \(self.object): \(String(cString: strerror(self.code)))"
    }
}
