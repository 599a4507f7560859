@testable import DMRecord
import DMTestSupport
import Foundation
import Testing

/// Bad input ends in an error that names the kind of problem and its byte offset.
@Suite("Stream errors")
struct StreamErrorTests {
    /// A valid stream: a header (offset 0) and three records of 12, 20 and 9 body bytes.
    static func validStream() throws -> (bytes: [UInt8], recordOffsets: [Int]) {
        let directory = try TemporaryDirectory()
        let header = StreamHeader(entries: [.source("test")])
        try StreamFiles.write(directory.file("s")) { writer in
            try writer.writeHeader(header)
            for size in [12, 20, 9] {
                try writer.writeRecord(type: RecordType(rawValue: 0x8000), body: [UInt8](repeating: 7, count: size))
            }
        }
        let first = header.encodedSize
        return (try StreamFiles.bytes(directory.file("s")), [first, first + 20, first + 48])
    }

    static func error(for bytes: [UInt8], readLimit: Int = .max) throws -> RecordStreamError? {
        let directory = try TemporaryDirectory()
        try StreamFiles.writeBytes(bytes, to: directory.file("bad"))
        return StreamFiles.readError(directory.file("bad"), readLimit: readLimit)
    }

    @Test("a stream cut at every possible byte reports truncation at the start of the cut item")
    func truncatedEverywhere() throws {
        let (bytes, offsets) = try Self.validStream()
        let boundaries = [0] + offsets + [bytes.count]
        for cut in 1..<bytes.count where !boundaries.contains(cut) {
            let error = try #require(try Self.error(for: Array(bytes.prefix(cut)), readLimit: 3), "cut at \(cut) read cleanly")
            #expect(error.kind == .truncated, "cut at \(cut): \(error)")
            let itemStart = boundaries.last { $0 < cut }!
            #expect(error.offset == UInt64(itemStart), "cut at \(cut): \(error)")
        }
        for cut in boundaries {
            #expect(try Self.error(for: Array(bytes.prefix(cut))) == nil, "cut at boundary \(cut) should be clean")
        }
    }

    @Test("the truncation message says how much is missing")
    func truncationMessage() throws {
        let (bytes, offsets) = try Self.validStream()
        let error = try #require(try Self.error(for: Array(bytes.prefix(offsets[1] + 10))))
        #expect(error.offset == UInt64(offsets[1]))
        #expect(error.description.contains("says 24 bytes follow, the input ends after 6"), "\(error)")
    }

    @Test("lengths below 4 or above 1 MiB, and type 0, are errors at the record's offset")
    func invalidRecords() throws {
        let (bytes, offsets) = try Self.validStream()
        for (length, kind) in [(UInt32(3), RecordStreamError.Kind.invalidLength), (0, .invalidLength), (1 << 20 + 1, .invalidLength)] {
            var corrupt = bytes
            withUnsafeBytes(of: length.littleEndian) { corrupt.replaceSubrange(offsets[1]..<(offsets[1] + 4), with: $0) }
            let error = try #require(try Self.error(for: corrupt))
            #expect(error.kind == kind)
            #expect(error.offset == UInt64(offsets[1]))
        }
        var typeZero = bytes
        typeZero[offsets[2] + 4] = 0
        typeZero[offsets[2] + 5] = 0
        let error = try #require(try Self.error(for: typeZero))
        #expect(error.kind == .invalidType)
        #expect(error.offset == UInt64(offsets[2] + 4))
    }

    @Test("records before any header, other versions and mangled magics are refused at offset 0")
    func headerProblems() throws {
        let (bytes, offsets) = try Self.validStream()
        let missing = try #require(try Self.error(for: Array(bytes[offsets[0]...])))
        #expect(missing.kind == .missingHeader)
        #expect(missing.offset == 0)

        var version = bytes
        version[8] = 2
        let unsupported = try #require(try Self.error(for: version))
        #expect(unsupported.kind == .unsupportedVersion)
        #expect(unsupported.description.contains("version 2"))

        var mangled = bytes
        mangled.remove(at: 4)  // "\r\n" became "\n", as a text-mode transfer would do
        let magic = try #require(try Self.error(for: mangled))
        #expect(magic.kind == .invalidHeader)
        #expect(magic.offset == 0)

        var longEntries = bytes
        withUnsafeBytes(of: UInt32(1 << 20 + 1).littleEndian) { longEntries.replaceSubrange(12..<16, with: $0) }
        #expect(try Self.error(for: longEntries)?.kind == .invalidHeader)

        var badEntry = bytes
        badEntry[16] = 200  // the first entry's length now runs past the entries
        #expect(try Self.error(for: badEntry)?.kind == .invalidHeader)
    }

    @Test("captures and compressed files are named, with advice", arguments: [
        ("pcap", [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0] as [UInt8], "pcap"),
        ("pcap-ns", [0x4D, 0x3C, 0xB2, 0xA1, 2, 0, 4, 0], "pcap"),
        ("pcapng", [0x0A, 0x0D, 0x0D, 0x0A, 0x1C, 0, 0, 0], "pcapng"),
        ("gzip", [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0], "gzip"),
        ("zstd", [0x28, 0xB5, 0x2F, 0xFD, 0, 0, 0, 0], "zstd"),
        ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0, 0, 0], "xz"),
        ("bzip2", [0x42, 0x5A, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26], "bzip2"),
    ])
    func foreignFormats(name: String, prefix: [UInt8], word: String) throws {
        let error = try #require(try Self.error(for: prefix + [UInt8](repeating: 0, count: 100)))
        #expect(error.kind == .foreignFormat, "\(name): \(error)")
        #expect(error.description.contains(word), "\(name): \(error)")
        // Even a file shorter than any record is recognised.
        #expect(try Self.error(for: Array(prefix.prefix(4)))?.kind == .foreignFormat, "\(name) short")
    }

    @Test("a real capture from the corpus is recognised as pcap")
    func corpusCapture() throws {
        let path = Programs.packageRoot + "/examples/sample.pcap"
        let error = try #require(StreamFiles.readError(path))
        #expect(error.kind == .foreignFormat)
        #expect(error.description.contains("dm-capture"))
    }

    @Test("a corrupt LZ4 frame is an error, not a crash")
    func corruptLZ4() throws {
        let directory = try TemporaryDirectory()
        _ = try StreamConcatenationTests.makeStream(directory.file("x.lz4"), name: "x", count: 2000, compression: .lz4)
        var bytes = try StreamFiles.bytes(directory.file("x.lz4"))
        for index in stride(from: 40, to: bytes.count - 8, by: 97) { bytes[index] ^= 0x5A }
        let error = try #require(try Self.error(for: bytes))
        #expect([.compression, .invalidLength, .truncated, .invalidType, .invalidHeader].contains(error.kind), "\(error)")
        let cut = try #require(try Self.error(for: Array(try StreamFiles.bytes(directory.file("x.lz4")).dropLast(3))))
        #expect(cut.kind == .truncated)
        #expect(cut.description.contains("LZ4"))
    }
}
