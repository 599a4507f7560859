/// Why a capture file could not be read, with the offset in its (decompressed) bytes.
public struct CaptureFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input's name: a path or `standard input`.
    public var input: String
    /// Offset in the decompressed capture where the problem starts.
    public var offset: UInt64
    /// What is wrong, in words a user can act on.
    public var message: String

    public init(input: String, offset: UInt64, message: String) {
        self.input = input
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(self.input): offset \(self.offset): \(self.message)" }
}
