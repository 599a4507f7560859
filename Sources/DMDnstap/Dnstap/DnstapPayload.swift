import DMBytes

/// One dnstap frame's payload decoded in place: the `Dnstap` protobuf and its `Message`, every
/// bytes field a view into the frame (Protos/dnstap.proto has the schema).
///
/// Decoding follows protobuf's rules as the Go and swift-protobuf decoders apply them: fields in
/// any order, the last occurrence of a field wins, unknown fields are skipped by their wire
/// type, and the required `type` fields must be present.
public struct DnstapPayload {
    /// The server's identity; empty when absent.
    public var identity = ByteView()
    /// The server's version; empty when absent.
    public var version = ByteView()
    /// `Dnstap.type` (1: MESSAGE).
    public var payloadType: UInt64 = 0
    /// Whether the payload holds a `Message`.
    public var hasMessage = false
    /// `Message.type` (``DnstapMessageType``).
    public var messageType = DnstapMessageType(rawValue: 0)
    /// `socket_family`: 1 INET, 2 INET6; nil when absent.
    public var socketFamily: UInt64?
    /// `socket_protocol`: 1 UDP, 2 TCP, 3 DOT, 4 DOH, 5/6 DNSCrypt over UDP/TCP, 7 DOQ; nil when absent.
    public var socketProtocol: UInt64?
    /// The initiator's address (4 or 16 bytes); empty when absent.
    public var queryAddress = ByteView()
    /// The responder's address; empty when absent.
    public var responseAddress = ByteView()
    public var queryPort: UInt32 = 0
    public var responsePort: UInt32 = 0
    public var queryTimeSeconds: UInt64 = 0
    public var queryTimeNanoseconds: UInt32 = 0
    /// The query in DNS wire format; nil when absent.
    public var queryMessage: ByteView?
    public var responseTimeSeconds: UInt64 = 0
    public var responseTimeNanoseconds: UInt32 = 0
    /// The response in DNS wire format; nil when absent.
    public var responseMessage: ByteView?

    /// An empty payload.
    public init() {}

    /// Decodes a frame's payload.
    /// - Throws: ``DnstapDecodeError`` for bytes that are no `Dnstap` protobuf.
    public init(decoding frame: ByteView) throws(DnstapDecodeError) {
        var fields = ProtobufFields(frame)
        var sawType = false
        while let field = try fields.next() {
            switch (field.number, field.value) {
            case (1, .bytes(let view)): self.identity = view
            case (2, .bytes(let view)): self.version = view
            case (15, .varint(let value)):
                self.payloadType = value
                sawType = true
            case (14, .bytes(let view)):
                self.hasMessage = true
                try self.decodeMessage(view)
            case (1, _), (2, _), (14, _), (15, _):
                throw DnstapDecodeError(reason: "field \(field.number) of Dnstap has the wrong wire type")
            default:
                break
            }
        }
        guard sawType else { throw DnstapDecodeError(reason: "Dnstap has no type (a required field)") }
    }

    private mutating func decodeMessage(_ bytes: ByteView) throws(DnstapDecodeError) {
        var fields = ProtobufFields(bytes)
        var sawType = false
        while let field = try fields.next() {
            switch (field.number, field.value) {
            case (1, .varint(let value)):
                self.messageType = DnstapMessageType(rawValue: value)
                sawType = true
            case (2, .varint(let value)): self.socketFamily = value
            case (3, .varint(let value)): self.socketProtocol = value
            case (4, .bytes(let view)): self.queryAddress = view
            case (5, .bytes(let view)): self.responseAddress = view
            case (6, .varint(let value)): self.queryPort = UInt32(truncatingIfNeeded: value)
            case (7, .varint(let value)): self.responsePort = UInt32(truncatingIfNeeded: value)
            case (8, .varint(let value)): self.queryTimeSeconds = value
            case (9, .fixed32(let value)): self.queryTimeNanoseconds = value
            case (10, .bytes(let view)): self.queryMessage = view
            case (12, .varint(let value)): self.responseTimeSeconds = value
            case (13, .fixed32(let value)): self.responseTimeNanoseconds = value
            case (14, .bytes(let view)): self.responseMessage = view
            case (11, .bytes), (15, .bytes), (16, .varint):
                break  // query_zone, policy, http_protocol: not carried into records
            case (1...16, _):
                throw DnstapDecodeError(reason: "field \(field.number) of Message has the wrong wire type")
            default:
                break
            }
        }
        guard sawType else { throw DnstapDecodeError(reason: "Message has no type (a required field)") }
    }
}

/// A frame that is no `Dnstap` protobuf.
public struct DnstapDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong.
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { self.reason }
}

/// The fields of one protobuf message, read in place.
struct ProtobufFields {
    enum Value {
        case varint(UInt64)
        case fixed32(UInt32)
        case fixed64(UInt64)
        case bytes(ByteView)
    }

    private let bytes: ByteView
    private var position = 0

    init(_ bytes: ByteView) { self.bytes = bytes }

    /// The next field, nil at the end.
    @inline(__always)
    mutating func next() throws(DnstapDecodeError) -> (number: UInt64, value: Value)? {
        guard self.position < self.bytes.count else { return nil }
        let key = try self.varint()
        let number = key >> 3
        guard number > 0 else { throw DnstapDecodeError(reason: "field number 0 at byte \(self.position)") }
        switch key & 7 {
        case 0:
            return (number, .varint(try self.varint()))
        case 1:
            guard self.bytes.count - self.position >= 8 else { throw self.cut() }
            defer { self.position += 8 }
            return (number, .fixed64(self.bytes.loadLittleEndian(at: self.position)))
        case 2:
            let length = try self.varint()
            guard length <= UInt64(self.bytes.count - self.position) else { throw self.cut() }
            let start = self.position
            self.position += Int(length)
            return (number, .bytes(self.bytes.subview(start..<self.position)))
        case 5:
            guard self.bytes.count - self.position >= 4 else { throw self.cut() }
            defer { self.position += 4 }
            return (number, .fixed32(self.bytes.loadLittleEndian(at: self.position)))
        default:
            throw DnstapDecodeError(reason: "wire type \(key & 7) (groups or unassigned) at byte \(self.position)")
        }
    }

    private func cut() -> DnstapDecodeError {
        DnstapDecodeError(reason: "field runs past the end of its message at byte \(self.position)")
    }

    @inline(__always)
    private mutating func varint() throws(DnstapDecodeError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while self.position < self.bytes.count {
            let byte = self.bytes.uncheckedByte(at: self.position)  // position < count checked above
            self.position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            guard shift < 70 else { throw DnstapDecodeError(reason: "varint longer than 10 bytes at byte \(self.position)") }
        }
        throw self.cut()
    }
}
