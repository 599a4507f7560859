import DMBytes
import DMDnstap
import DMTestSupport
import PropertyBased
import Testing

/// Frame Streams framing: frames come out whole however the bytes are cut, oversized frames
/// are skipped without losing the stream, and the handshake answers as the specification says.
@Suite struct FrameStreamsTests {
    /// The bytes of a data frame.
    static func dataFrame(_ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
            + payload
    }

    /// What a reader makes of `stream` fed in pieces of the given sizes (cycled).
    static func frames(of stream: [UInt8], pieces: [Int], maximumFrameSize: Int = 1 << 20) throws -> (frames: [String], tooLarge: UInt64) {
        let reader = FrameStreamsReader(maximumFrameSize: maximumFrameSize, readSize: 64)
        var frames: [String] = []
        var position = 0
        var piece = 0
        while position < stream.count {
            let space = reader.space()
            let count = min(space.count, pieces[piece % pieces.count], stream.count - position)
            piece += 1
            stream[position..<(position + count)].withUnsafeBytes { raw in
                space.copy(ByteView(unsafeBytes: raw), to: 0)
            }
            reader.didRead(count)
            position += count
            while let frame = try reader.next() {
                switch frame {
                case .data(let payload): frames.append("data \(Array(payload))")
                case .control(let control): frames.append("\(control.kind) \(control.contentTypes.map { String(decoding: $0, as: UTF8.self) })")
                }
            }
        }
        #expect(!reader.holdsPartialFrame)
        return (frames, reader.framesTooLarge)
    }

    @Test func framesSurviveEveryCut() async {
        await propertyCheck(count: 200, input: Gen.uint64(), Gen.int(in: 1...300)) { seed, pieceSize in
            var rng = SplitMix64(seed: seed)
            var stream = FrameStreamsControl(kind: .start, contentTypes: [FrameStreamsControl.dnstapContentType]).encoded
            var expected = ["START [\"protobuf:dnstap.Dnstap\"]"]
            for _ in 0..<Int.random(in: 0...30, using: &rng) {
                let payload = (0..<Int.random(in: 1...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                stream += Self.dataFrame(payload)
                expected.append("data \(payload)")
            }
            stream += FrameStreamsControl(kind: .stop).encoded
            expected.append("STOP []")
            let result = try Self.frames(of: stream, pieces: [pieceSize, 1, pieceSize * 3 + 1])
            #expect(result.frames == expected)
        }
    }

    @Test func oversizedFramesAreSkippedAndCounted() throws {
        let big = [UInt8](repeating: 7, count: 5000)
        let stream = Self.dataFrame([1, 2, 3]) + Self.dataFrame(big) + Self.dataFrame([4]) + Self.dataFrame(big) + Self.dataFrame([5, 6])
        let result = try Self.frames(of: stream, pieces: [100, 7], maximumFrameSize: 4096)
        #expect(result.frames == ["data [1, 2, 3]", "data [4]", "data [5, 6]"])
        #expect(result.tooLarge == 2)
    }

    @Test func bufferGrowsForLongFramesUpToTheMaximum() throws {
        let payload = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let result = try Self.frames(of: Self.dataFrame(payload) + Self.dataFrame([9]), pieces: [4096], maximumFrameSize: 100_000)
        #expect(result.frames == ["data \(payload)", "data [9]"])
        #expect(result.tooLarge == 0)
    }

    @Test func controlFrameFieldsAreCheckedAndUnknownOnesSkipped() throws {
        // START with an unknown field type 9 before the content type: the field is skipped.
        var start: [UInt8] = [0, 0, 0, 2]
        start += [0, 0, 0, 9, 0, 0, 0, 3, 0xAA, 0xBB, 0xCC]
        start += [0, 0, 0, 1, 0, 0, 0, 3] + Array("abc".utf8)
        let frame: [UInt8] = [0, 0, 0, 0, 0, 0, 0, UInt8(start.count)] + start
        #expect(try Self.frames(of: frame, pieces: [5]).frames == ["START [\"abc\"]"])

        // A field that claims more bytes than its frame holds.
        let broken: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 12, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 200]
        #expect(throws: FrameStreamsError.self) { try Self.frames(of: broken, pieces: [64]) }

        // A control frame longer than the 512 bytes the specification allows.
        let long: [UInt8] = [0, 0, 0, 0, 0, 0, 2, 1] + [UInt8](repeating: 0, count: 513)
        let error = #expect(throws: FrameStreamsError.self) { try Self.frames(of: long, pieces: [64]) }
        #expect(error?.reason.contains("512") == true)
    }

    @Test func bidirectionalHandshakeAnswersReadyAndStop() throws {
        var handshake = FrameStreamsHandshake(bidirectional: true)
        let ready = FrameStreamsControl(kind: .ready, contentTypes: [Array("other".utf8), FrameStreamsControl.dnstapContentType])
        #expect(try handshake.handle(ready, offset: 0) == FrameStreamsControl(kind: .accept, contentTypes: [FrameStreamsControl.dnstapContentType]))
        #expect(!handshake.isReceiving)
        // Unknown control types are ignored at any point.
        #expect(try handshake.handle(FrameStreamsControl(kind: .init(rawValue: 77)), offset: 0) == nil)
        #expect(try handshake.handle(FrameStreamsControl(kind: .start, contentTypes: [FrameStreamsControl.dnstapContentType]), offset: 0) == nil)
        #expect(handshake.isReceiving)
        #expect(try handshake.handle(FrameStreamsControl(kind: .stop), offset: 0) == FrameStreamsControl(kind: .finish))
        #expect(handshake.state == .stopped)
    }

    @Test func handshakeRefusesOtherContentTypesAndDisorder() {
        var handshake = FrameStreamsHandshake(bidirectional: true)
        let error = #expect(throws: FrameStreamsError.self) {
            _ = try handshake.handle(FrameStreamsControl(kind: .ready, contentTypes: [Array("protobuf:other".utf8)]), offset: 8)
        }
        #expect(error?.description == "offset 8: the writer offers \"protobuf:other\", not protobuf:dnstap.Dnstap")
        var early = FrameStreamsHandshake(bidirectional: true)
        #expect(throws: FrameStreamsError.self) { _ = try early.handle(FrameStreamsControl(kind: .start), offset: 0) }
        var file = FrameStreamsHandshake(bidirectional: false)
        #expect(throws: FrameStreamsError.self) {
            _ = try file.handle(FrameStreamsControl(kind: .start, contentTypes: [Array("text".utf8)]), offset: 0)
        }
        // A file's START may name no content type.
        var plain = FrameStreamsHandshake(bidirectional: false)
        #expect(throws: Never.self) { _ = try plain.handle(FrameStreamsControl(kind: .start), offset: 0) }
        #expect(plain.isReceiving)
    }

    @Test func addressesParseAsDnsmonsterWritesThem() throws {
        #expect(try FrameStreamsAddress(parsing: "unix:///tmp/dnstap.sock") == .unix(path: "/tmp/dnstap.sock"))
        #expect(try FrameStreamsAddress(parsing: "unix:relative.sock") == .unix(path: "relative.sock"))
        #expect(try FrameStreamsAddress(parsing: "tcp://127.0.0.1:6000") == .tcp(host: "127.0.0.1", port: 6000))
        #expect(try FrameStreamsAddress(parsing: "tcp6://[::1]:6000") == .tcp(host: "::1", port: 6000))
        #expect(try FrameStreamsAddress(parsing: "tcp://:6000") == .tcp(host: "0.0.0.0", port: 6000))
        #expect(throws: FrameStreamsAddressError.self) { try FrameStreamsAddress(parsing: "/tmp/dnstap.sock") }
        #expect(throws: FrameStreamsAddressError.self) { try FrameStreamsAddress(parsing: "tcp://127.0.0.1") }
    }
}
