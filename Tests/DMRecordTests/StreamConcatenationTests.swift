@testable import DMRecord
import DMSystem
import DMTestSupport
import Foundation
import Testing

/// Streams joined byte-wise, and LZ4 frames anywhere at record boundaries.
@Suite("Concatenation and LZ4")
struct StreamConcatenationTests {
    /// Writes a small stream with a distinct SOURCE entry and `count` private records.
    static func makeStream(_ path: String, name: String, count: Int, compression: StreamCompression = .none) throws -> [OwnedItem] {
        let header = StreamHeader(entries: [.source(name)])
        var items: [OwnedItem] = [.header(header)]
        try StreamFiles.write(path, compression: compression) { writer in
            try writer.writeHeader(header)
            for index in 0..<count {
                let body = Array("\(name) record \(index) ".utf8) + [UInt8](repeating: UInt8(index & 0xFF), count: index % 300)
                try writer.writeRecord(type: RecordType(rawValue: 0x8000 + UInt16(index % 3)), flags: UInt16(index), body: body)
                items.append(.record(type: 0x8000 + UInt16(index % 3), flags: UInt16(index), body: body))
            }
        }
        return items
    }

    @Test("cat a b reads as both streams, the second header where the first stream ended", arguments: [Int.max, 1, 7, 4096])
    func plainConcatenation(readLimit: Int) throws {
        let directory = try TemporaryDirectory()
        let a = try Self.makeStream(directory.file("a"), name: "a", count: 500)
        let b = try Self.makeStream(directory.file("b"), name: "b", count: 3)
        try StreamFiles.writeBytes(
            try StreamFiles.bytes(directory.file("a")) + StreamFiles.bytes(directory.file("b")), to: directory.file("ab"))
        #expect(try StreamFiles.read(directory.file("ab"), readLimit: readLimit) == a + b)
    }

    @Test("an LZ4-compressed stream reads like the plain one and is smaller")
    func compressedStream() throws {
        let directory = try TemporaryDirectory()
        let plain = try Self.makeStream(directory.file("plain"), name: "x", count: 20000)
        let compressed = try Self.makeStream(directory.file("x.lz4"), name: "x", count: 20000, compression: .lz4)
        #expect(plain == compressed)
        let compressedBytes = try StreamFiles.bytes(directory.file("x.lz4"))
        #expect(Array(compressedBytes.prefix(4)) == [0x04, 0x22, 0x4D, 0x18])
        #expect(compressedBytes.count * 3 < (try StreamFiles.bytes(directory.file("plain"))).count)
        #expect(try StreamFiles.read(directory.file("x.lz4"), readLimit: 333) == plain)
    }

    @Test("mixed plain and LZ4 parts in any order, including two frames back to back", arguments: [Int.max, 5, 1000])
    func mixedConcatenation(readLimit: Int) throws {
        let directory = try TemporaryDirectory()
        let a = try Self.makeStream(directory.file("a.lz4"), name: "a", count: 3000, compression: .lz4)
        let b = try Self.makeStream(directory.file("b"), name: "b", count: 10)
        let c = try Self.makeStream(directory.file("c.lz4"), name: "c", count: 5, compression: .lz4)
        let d = try Self.makeStream(directory.file("d.lz4"), name: "d", count: 0, compression: .lz4)
        let bytes = try ["a.lz4", "b", "c.lz4", "d.lz4", "b", "a.lz4"].flatMap { try StreamFiles.bytes(directory.file($0)) }
        try StreamFiles.writeBytes(bytes, to: directory.file("mixed"))
        #expect(try StreamFiles.read(directory.file("mixed"), readLimit: readLimit) == a + b + c + d + b + a)
    }

    @Test("a file of megabytes is read in place (mapped) exactly as through reads: plain, LZ4 parts, a cut tail")
    func mappedFile() throws {
        let directory = try TemporaryDirectory()
        let big = try Self.makeStream(directory.file("big"), name: "big", count: 30000)
        let small = try Self.makeStream(directory.file("s.lz4"), name: "s", count: 200, compression: .lz4)
        let bigBytes = try StreamFiles.bytes(directory.file("big"))
        #expect(bigBytes.count > 4 << 20, "larger than the reader's own buffer")
        let joined = bigBytes + (try StreamFiles.bytes(directory.file("s.lz4"))) + bigBytes
        try StreamFiles.writeBytes(joined, to: directory.file("joined"))
        // readLimit .max maps the file; any other limit reads it.
        #expect(try StreamFiles.read(directory.file("joined")) == big + small + big)
        #expect(try StreamFiles.read(directory.file("joined"), readLimit: 1 << 20) == big + small + big)
        try StreamFiles.writeBytes(Array(joined.dropLast(3)), to: directory.file("cut"))
        let mapped = try #require(StreamFiles.readError(directory.file("cut")))
        #expect(mapped == StreamFiles.readError(directory.file("cut"), readLimit: 1 << 20))
        #expect(mapped.kind == .truncated)
        // A stream that starts after other bytes of the file (as after a peek) keeps its offsets.
        let fd = open(directory.file("cut"), O_RDONLY)
        let head = try InputDescriptor.peek(fd, name: directory.file("cut"), count: 8)
        let reader = RecordReader(fileDescriptor: fd, inputName: directory.file("cut"), closesDescriptor: true, alreadyRead: head)
        var thrown: RecordStreamError?
        do { while try reader.next() != nil {} } catch { thrown = error }
        #expect(thrown == mapped)
    }

    @Test("a stream compressed by the lz4 command-line tool is read")
    func externalLZ4() throws {
        let directory = try TemporaryDirectory()
        let plain = try Self.makeStream(directory.file("plain"), name: "p", count: 777)
        let result = try Programs.shell("lz4 -q -c \(directory.file("plain")) > \(directory.file("p.lz4"))")
        try #require(result.status == 0, "lz4 failed: \(result.standardError)")
        #expect(try StreamFiles.read(directory.file("p.lz4")) == plain)
    }

    @Test("an empty input is an empty stream")
    func emptyStream() throws {
        let directory = try TemporaryDirectory()
        try StreamFiles.writeBytes([], to: directory.file("empty"))
        #expect(try StreamFiles.read(directory.file("empty")).isEmpty)
    }

    @Test("a writer flushes each LZ4 block so a reader sees records before the frame ends")
    func compressedFlushIsDecodable() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("live.lz4")
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let writer = RecordWriter(fileDescriptor: fd, outputName: path, compression: .lz4, closesDescriptor: true)
        try writer.writeHeader(StreamHeader())
        try writer.writeRecord(type: RecordType(rawValue: 0x8000), body: [1, 2, 3])
        try writer.flush()
        // The frame is still open: the reader decodes what was flushed, then reports the cut.
        let reader = RecordReader(fileDescriptor: open(path, O_RDONLY), inputName: path, closesDescriptor: true)
        #expect(try reader.next().map(OwnedItem.init) == .header(StreamHeader()))
        #expect(try reader.next().map(OwnedItem.init) == .record(type: 0x8000, flags: 0, body: [1, 2, 3]))
        #expect(throws: RecordStreamError.self) { _ = try reader.next() }
        try writer.finish()
    }
}
