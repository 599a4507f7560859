import DMBytes
import DMFormats
import DMRecord
import DMTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// dm-out reading several inputs (the lanes of bin/dnsmonster): on several rendering threads or
/// on one, the same lines; a CSV header once; counters summed; a stop signal stops every thread.
@Suite("dm-out inputs", .serialized)
struct DMOutInputsTests {
    @Test("three inputs on three threads and on one write the same lines, the CSV header once", arguments: ["csv", "json"])
    func threadsWriteTheSameLines(format: String) throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try DMOutTests.sampleRecords(in: directory)
        var outputs: [[Substring]] = []
        for threads in ["3", "1"] {
            let output = directory.file("out-\(threads)")
            let result = try Programs.run(
                Programs.product("dm-out"),
                ["--input", records, "--input", records, "--input", records, "--threads", threads, "--format", format], output: output)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(DMOutTests.counter("stdout_written", in: result.standardError) == UInt64(3 * count), "\(result.standardError)")
            #expect(DMOutTests.counter("dns_records", in: result.standardError) == UInt64(3 * count))
            let text = try String(contentsOfFile: output, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.last == "")
            if format == "csv" {
                let header = Substring(DNSMonsterCSV.header.description)
                #expect(lines.first == header, "the header comes first")
                #expect(lines.filter { $0 == header }.count == 1)
                #expect(lines.count == 3 * count + 2)
            } else {
                #expect(lines.count == 3 * count + 1)
            }
            outputs.append(lines.sorted())
        }
        #expect(outputs[0] == outputs[1])
    }

    @Test("lines a sink's output type leaves out are counted by every thread")
    func skippedLinesAreSummed() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try DMOutTests.sampleRecords(in: directory)
        let result = try Programs.run(
            Programs.product("dm-out"),
            ["--input", records, "--input", records, "--threads", "2", "--stdout", "--stdout-type", "3", "--file", directory.file("all.json")])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(DMOutTests.counter("stdout_skipped", in: result.standardError) == UInt64(2 * count), "\(result.standardError)")
        #expect(DMOutTests.counter("stdout_written", in: result.standardError) == 0)
        #expect(DMOutTests.counter("file_written", in: result.standardError) == UInt64(2 * count))
        #expect(DMOutTests.lines(directory.file("all.json")).count == 2 * count)
    }

    @Test("SIGTERM stops every rendering thread, each blocked on a quiet input, after writing what arrived")
    func stopSignalReachesEveryThread() throws {
        let directory = try TemporaryDirectory()
        let (records, count) = try DMOutTests.sampleRecords(in: directory)
        let bytes = try StreamFiles.bytes(records)
        // FIFOs held open for writing here, so the inputs never end on their own.
        var writers: [Int32] = []
        for name in ["a", "b"] {
            #expect(mkfifo(directory.file(name), 0o600) == 0)
            let fd = open(directory.file(name), O_RDWR | O_CLOEXEC)
            #expect(fd >= 0)
            writers.append(fd)
        }
        defer { writers.forEach { close($0) } }
        let output = directory.file("out.json")
        let outputFD = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(outputFD) }
        let errors = try PipePair()
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(devNull) }
        let child = try ChildProcess(
            Programs.product("dm-out"), ["--input", directory.file("a"), "--input", directory.file("b"), "--threads", "2"],
            standardInput: devNull, standardOutput: outputFD, standardError: errors.writeEnd)
        errors.closeWriteEnd()
        for fd in writers {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            #expect(written == bytes.count)
        }
        // Both inputs delivered and went quiet: the idle flush writes every line.
        var waited = 0
        while DMOutTests.lines(output).count < 2 * count && waited < 200 {
            usleep(50_000)
            waited += 1
        }
        #expect(DMOutTests.lines(output).count == 2 * count)
        child.signal(SIGTERM)
        let (status, signaled) = child.wait()
        let stderr = errors.readAll()
        #expect(status == 0 && !signaled, "\(stderr)")
        #expect(stderr.contains("dm-out: stopped by signal;"), "\(stderr)")
        #expect(DMOutTests.counter("stdout_written", in: stderr) == UInt64(2 * count))
    }

    @Test("--threads 0 is refused")
    func zeroThreadsIsRefused() throws {
        let result = try Programs.run(Programs.product("dm-out"), ["--threads", "0"])
        #expect(result.status == 64 && result.standardError.contains("--threads"), "\(result.standardError)")
    }
}
