/// Where a Frame Streams stream is in its handshake, and what the reader answers.
///
/// Bidirectional (sockets): READY (offering content types) → ACCEPT, START, data frames, STOP →
/// FINISH. Unidirectional (files): START, data frames, STOP. Control frames of unknown types are
/// ignored, as the specification asks; anything else out of order, or a content type other
/// than dnstap's, ends the stream with an error.
public struct FrameStreamsHandshake: Sendable {
    /// The steps of a stream.
    public enum State: Sendable {
        case awaitingReady, awaitingStart, receiving, stopped
    }

    /// Where the stream is.
    public private(set) var state: State
    /// Whether the writer expects answers (ACCEPT, FINISH).
    public let bidirectional: Bool

    /// A handshake at its beginning.
    public init(bidirectional: Bool) {
        self.bidirectional = bidirectional
        self.state = bidirectional ? .awaitingReady : .awaitingStart
    }

    /// Whether data frames are expected now.
    public var isReceiving: Bool { self.state == .receiving }

    /// Takes a control frame; returns the frame to send back, if any.
    /// - Throws: ``FrameStreamsError`` (at `offset`) when the frame is out of order or offers
    ///   no dnstap.
    public mutating func handle(_ control: FrameStreamsControl, offset: UInt64) throws(FrameStreamsError) -> FrameStreamsControl? {
        func unexpected() -> FrameStreamsError {
            FrameStreamsError(offset: offset, reason: "unexpected \(control.kind) control frame while \(self.describe)")
        }
        switch (control.kind, self.state) {
        case (.ready, .awaitingReady):
            guard control.contentTypes.contains(FrameStreamsControl.dnstapContentType) else {
                throw FrameStreamsError(offset: offset, reason: "the writer offers \(Self.names(control.contentTypes)), not protobuf:dnstap.Dnstap")
            }
            self.state = .awaitingStart
            return FrameStreamsControl(kind: .accept, contentTypes: [FrameStreamsControl.dnstapContentType])
        case (.start, .awaitingStart):
            guard control.offersDnstap else {
                throw FrameStreamsError(offset: offset, reason: "the stream carries \(Self.names(control.contentTypes)), not protobuf:dnstap.Dnstap")
            }
            self.state = .receiving
            return nil
        case (.stop, .receiving):
            self.state = .stopped
            return self.bidirectional ? FrameStreamsControl(kind: .finish) : nil
        case (.ready, _), (.start, _), (.stop, _), (.accept, _), (.finish, _):
            throw unexpected()
        default:
            return nil
        }
    }

    /// What the stream waits for, for messages.
    private var describe: String {
        switch self.state {
        case .awaitingReady: return "waiting for READY"
        case .awaitingStart: return "waiting for START"
        case .receiving: return "receiving data frames"
        case .stopped: return "stopped"
        }
    }

    private static func names(_ contentTypes: [[UInt8]]) -> String {
        contentTypes.isEmpty ? "no content type" : contentTypes.map { "\"\(String(decoding: $0, as: UTF8.self))\"" }.joined(separator: ", ")
    }
}
