import DMBytes
@testable import DMRecord
import DMTestSupport
import Foundation
import Testing

/// ``RecordStreamMerger``: several streams arriving through pipes at their own pace come out
/// whole, each in its own order, and an input's fault names that input.
@Suite("Merging streams")
struct StreamMergerTests {
    /// Writes `bytes` into `fd` in chunks of `chunk` bytes with a pause after each, then closes it.
    /// A merger that stops at another input's error closes this pipe while the feeder writes.
    static func feed(_ bytes: [UInt8], to fd: Int32, chunk: Int, pauseMicroseconds: UInt32) -> Thread {
        BrokenPipes.ignored
        let thread = Thread {
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunk)
                let written = bytes[offset..<end].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
                if pauseMicroseconds > 0 { usleep(pauseMicroseconds) }
            }
            close(fd)
        }
        thread.start()
        return thread
    }

    /// Merges the files' streams, each fed through its own pipe in its own rhythm; returns the
    /// items by the input they came from.
    static func merge(_ streams: [(bytes: [UInt8], chunk: Int, pause: UInt32)], readLimit: Int = .max) throws -> [String: [OwnedItem]] {
        var readers: [RecordReader] = []
        for (index, stream) in streams.enumerated() {
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            _ = feed(stream.bytes, to: fds[1], chunk: stream.chunk, pauseMicroseconds: stream.pause)
            readers.append(RecordReader(fileDescriptor: fds[0], inputName: "input \(index)", closesDescriptor: true, readLimit: readLimit))
        }
        let merger = RecordStreamMerger(readers: readers)
        var items: [String: [OwnedItem]] = [:]
        while let item = try merger.next() { items[merger.inputName, default: []].append(OwnedItem(item)) }
        #expect(!merger.stoppedBySignal)
        return items
    }

    @Test("three inputs at different paces, plain and LZ4: every item once, each input in order", arguments: [Int.max, 997])
    func differentPaces(readLimit: Int) throws {
        let directory = try TemporaryDirectory()
        let a = try StreamConcatenationTests.makeStream(directory.file("a"), name: "a", count: 20000)
        let b = try StreamConcatenationTests.makeStream(directory.file("b"), name: "b", count: 3000, compression: .lz4)
        let c = try StreamConcatenationTests.makeStream(directory.file("c"), name: "c", count: 7)
        let merged = try Self.merge([
            (try StreamFiles.bytes(directory.file("a")), 65536, 200),
            (try StreamFiles.bytes(directory.file("b")), 1000, 100),
            (try StreamFiles.bytes(directory.file("c")) + StreamFiles.bytes(directory.file("c")), 3, 50),
        ], readLimit: readLimit)
        #expect(merged["input 0"] == a)
        #expect(merged["input 1"] == b)
        #expect(merged["input 2"] == c + c)
    }

    @Test("an input that ends early or is empty leaves the others flowing")
    func inputsEndingAtDifferentTimes() throws {
        let directory = try TemporaryDirectory()
        let a = try StreamConcatenationTests.makeStream(directory.file("a"), name: "a", count: 5000)
        let merged = try Self.merge([([], 1, 0), (try StreamFiles.bytes(directory.file("a")), 4096, 300)])
        #expect(merged["input 0"] == nil)
        #expect(merged["input 1"] == a)
    }

    @Test("a truncated input is an error naming that input")
    func truncatedInputIsNamed() throws {
        let directory = try TemporaryDirectory()
        _ = try StreamConcatenationTests.makeStream(directory.file("a"), name: "a", count: 100)
        let bytes = try StreamFiles.bytes(directory.file("a"))
        do {
            _ = try Self.merge([(bytes, 4096, 0), (Array(bytes.dropLast(3)), 512, 0)])
            Issue.record("a truncated input was not reported")
        } catch let error as RecordStreamError {
            #expect(error.input == "input 1" && error.kind == .truncated, "\(error)")
        }
    }

    @Test("fd:N names an inherited descriptor; a closed one is refused clearly")
    func inheritedDescriptorEndpoint() throws {
        #expect(try Endpoint(parsing: "fd:7") == .inheritedDescriptor(7))
        #expect(Endpoint.inheritedDescriptor(7).description == "fd:7")
        #expect(throws: EndpointError.self) { try Endpoint(parsing: "fd:x") }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let opened = try Endpoint.inheritedDescriptor(fds[0]).openForReading()
        #expect(opened.fileDescriptor == fds[0] && opened.owned && opened.name == "fd:\(fds[0])")
        close(fds[0])
        close(fds[1])
        // Far above any descriptor the (concurrently running) tests open.
        do {
            _ = try Endpoint.inheritedDescriptor(987_654).openForReading()
            Issue.record("a descriptor that is not open was accepted")
        } catch {
            #expect("\(error)".contains("fd:987654") && "\(error)".contains("not an open descriptor"), "\(error)")
        }
    }
}
