import DMBytes

/// The control frames of Frame Streams (the framing dnstap travels in): after a zero length
/// "escape", a control frame carries its type and fields such as the content type.
public struct FrameStreamsControl: Hashable, Sendable {
    /// A control frame's type.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// The reader accepts the writer's READY, naming the content type it takes.
        public static let accept = Kind(rawValue: 1)
        /// The writer starts a stream of data frames.
        public static let start = Kind(rawValue: 2)
        /// The writer ends its stream.
        public static let stop = Kind(rawValue: 3)
        /// The writer offers content types (bidirectional streams only).
        public static let ready = Kind(rawValue: 4)
        /// The reader confirms the STOP (bidirectional streams only).
        public static let finish = Kind(rawValue: 5)

        public var description: String {
            switch self {
            case .accept: return "ACCEPT"
            case .start: return "START"
            case .stop: return "STOP"
            case .ready: return "READY"
            case .finish: return "FINISH"
            default: return "control type \(self.rawValue)"
            }
        }
    }

    /// The content type dnstap is carried with.
    public static let dnstapContentType: [UInt8] = Array("protobuf:dnstap.Dnstap".utf8)
    /// The longest control frame the specification allows (after its length field).
    public static let maximumLength = 512
    /// The field type of a content type.
    static let contentTypeField: UInt32 = 1

    /// The frame's type.
    public var kind: Kind
    /// The content types it names, in order.
    public var contentTypes: [[UInt8]]

    /// A control frame of `kind` naming `contentTypes`.
    public init(kind: Kind, contentTypes: [[UInt8]] = []) {
        self.kind = kind
        self.contentTypes = contentTypes
    }

    /// Decodes the control frame's payload (its type and fields, after the control length);
    /// fields of unknown types are skipped, as the specification asks.
    /// - Throws: ``FrameStreamsError`` when a field runs past the frame.
    init(payload: ByteView, offset: UInt64) throws(FrameStreamsError) {
        guard payload.count >= 4 else {
            throw FrameStreamsError(offset: offset, reason: "control frame of \(payload.count) bytes has no type")
        }
        self.kind = Kind(rawValue: payload.loadBigEndian(at: 0))
        self.contentTypes = []
        var position = 4
        while position < payload.count {
            guard payload.count - position >= 8 else {
                throw FrameStreamsError(offset: offset + UInt64(position), reason: "control field header cut short")
            }
            let field: UInt32 = payload.loadBigEndian(at: position)
            let length = Int(payload.loadBigEndian(at: position + 4, as: UInt32.self))
            position += 8
            guard length <= payload.count - position else {
                throw FrameStreamsError(offset: offset + UInt64(position), reason: "control field of \(length) bytes runs past its frame")
            }
            if field == Self.contentTypeField { self.contentTypes.append(Array(payload.subview(position..<(position + length)))) }
            position += length
        }
    }

    /// The frame as sent: the escape, the control length, the type and the fields.
    public var encoded: [UInt8] {
        var body: [UInt8] = []
        body.appendBigEndian(self.kind.rawValue)
        for contentType in self.contentTypes {
            body.appendBigEndian(Self.contentTypeField)
            body.appendBigEndian(UInt32(contentType.count))
            body += contentType
        }
        var frame: [UInt8] = [0, 0, 0, 0]
        frame.appendBigEndian(UInt32(body.count))
        return frame + body
    }

    /// Whether the frame names dnstap's content type, or names none (which a START may).
    var offersDnstap: Bool {
        self.contentTypes.isEmpty || self.contentTypes.contains(Self.dnstapContentType)
    }
}

extension Array where Element == UInt8 {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        self += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

/// Input that breaks the Frame Streams protocol, with where it was found.
public struct FrameStreamsError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The byte offset in the stream (or file) where the problem starts.
    public var offset: UInt64
    /// What was wrong.
    public var reason: String

    public init(offset: UInt64, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "offset \(self.offset): \(self.reason)" }
}
