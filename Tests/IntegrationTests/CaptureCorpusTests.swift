import DMBytes
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-capture against tshark on every capture of the shared corpus.
@Suite("Capture corpus", .serialized)
struct CaptureCorpusTests {
    static let corpus = Programs.packageRoot + "/../shared/corpus"

    /// One frame as tshark reports it: epoch time in ns, wire length, captured length.
    struct Frame: Equatable, CustomStringConvertible {
        var time: UInt64
        var length: UInt32
        var captured: Int
        var description: String { "\(self.time)/\(self.length)/\(self.captured)" }
    }

    /// The pcap and pcapng files of the manifest (path relative to public/, frame count) and the
    /// generated captures.
    static func captures() throws -> [(path: String, packets: Int?)] {
        let manifest = try String(contentsOfFile: corpus + "/public/MANIFEST.tsv", encoding: .utf8)
        var rows: [(String, Int?)] = []
        for line in manifest.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 7, fields[5].hasPrefix("pcap") else { continue }
            rows.append(("public/" + fields[0], Int(fields[7])))
        }
        for name in ["dns_lo_udp_tcp.pcap", "ipfrag_mtu1500.pcap"] { rows.append(("generated/" + name, nil)) }
        return rows
    }

    static func parseEpoch(_ text: Substring) -> UInt64? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let seconds = UInt64(parts[0]), parts[1].count <= 9,
            let fraction = UInt64(parts[1] + String(repeating: "0", count: 9 - parts[1].count))
        else { return nil }
        return seconds * 1_000_000_000 + fraction
    }

    /// tshark's frames for every capture, computed two at a time into `directory`.
    static func tsharkFrames(_ paths: [String], directory: TemporaryDirectory) throws -> [String: [Frame]] {
        let list = directory.file("list")
        try paths.joined(separator: "\n").write(toFile: list, atomically: false, encoding: .utf8)
        let result = try Programs.shell("""
            cd \(corpus) && xargs -P 2 -I{} sh -c 'tshark -r "{}" -T fields -e frame.time_epoch -e frame.len -e frame.cap_len \
            > "\(directory.path)/$(echo "{}" | tr / _).tsv" 2>/dev/null; true' < \(list)
            """)
        #expect(result.status == 0, "\(result.standardError)")
        var frames: [String: [Frame]] = [:]
        for path in paths {
            let text = (try? String(contentsOfFile: directory.path + "/" + path.replacingOccurrences(of: "/", with: "_") + ".tsv", encoding: .utf8)) ?? ""
            frames[path] = text.split(separator: "\n").compactMap { line in
                let fields = line.split(separator: "\t")
                guard fields.count == 3, let time = parseEpoch(fields[0]), let length = UInt32(fields[1]), let captured = Int(fields[2]) else { return nil }
                return Frame(time: time, length: length, captured: captured)
            }
        }
        return frames
    }

    /// The PACKET records in the stream file at `path`; none when it is missing or no stream.
    static func packets(in path: String) throws -> [PacketRecord] {
        let items = (try? StreamFiles.read(path)) ?? []
        return try items.compactMap { item -> PacketRecord? in
            guard case .record(1, _, let body) = item else { return nil }
            return PacketRecord(try body.withByteView { try PacketRecordView(body: $0) })
        }
    }

    /// The PACKET records dm-capture writes for `path` (relative to the corpus), as frames.
    static func captureFrames(_ arguments: [String], input: String? = nil, directory: TemporaryDirectory) throws -> (frames: [Frame], packets: [PacketRecord], result: Programs.Result) {
        let output = directory.file("capture-out")
        let result = try Programs.run(Programs.product("dm-capture"), arguments, input: input, output: output)
        let packets = try Self.packets(in: output)
        let frames = packets.map { Frame(time: $0.metadata.timeNanoseconds, length: $0.metadata.originalLength, captured: $0.frame.count) }
        return (frames, packets, result)
    }

    @Test("every corpus capture gives tshark's frames: count, ns timestamps, lengths")
    func corpusMatchesTshark() throws {
        try #require(FileManager.default.fileExists(atPath: Self.corpus + "/public/MANIFEST.tsv"), "the shared corpus is missing at \(Self.corpus)")
        let directory = try TemporaryDirectory()
        let captures = try Self.captures()
        // tshark reads gzip itself; the LZ4, xz and zstd copies are checked against the plain file below.
        let readable = captures.filter { !$0.path.hasSuffix(".lz4") && !$0.path.hasSuffix(".xz") && !$0.path.hasSuffix(".zst") }
        let expected = try Self.tsharkFrames(readable.map(\.path), directory: directory)
        #expect(readable.count > 250)
        var checked = 0
        for capture in readable {
            let want = expected[capture.path] ?? []
            if let packets = capture.packets { #expect(want.count == packets, "\(capture.path): tshark counted \(want.count), manifest says \(packets)") }
            let (got, _, result) = try Self.captureFrames(["--pcap", Self.corpus + "/" + capture.path], directory: directory)
            #expect(got.count == want.count, "\(capture.path): \(got.count) packets, tshark \(want.count); \(result.standardError)")
            if let index = (0..<min(got.count, want.count)).first(where: { got[$0] != want[$0] }) {
                Issue.record("\(capture.path): frame \(index + 1) is \(got[index]), tshark says \(want[index])")
            }
            checked += 1
        }
        #expect(checked == readable.count)
    }

    @Test("gzip and LZ4 copies, from a file and from standard input, give the same records as the plain capture")
    func compressedCopies() throws {
        let directory = try TemporaryDirectory()
        let plain = Self.corpus + "/public/dnscap/dns.pcap"
        let reference = try Self.captureFrames(["--pcap", plain], directory: directory).packets
        #expect(reference.count == 133)
        for suffix in [".gz", ".lz4"] {
            let fromFile = try Self.captureFrames(["--pcap", plain + suffix], directory: directory)
            #expect(fromFile.result.status == 0, "\(fromFile.result.standardError)")
            #expect(fromFile.packets == reference, "\(suffix) from a file")
            let fromStdin = try Self.captureFrames(["--pcap", "-"], input: plain + suffix, directory: directory)
            #expect(fromStdin.packets == reference, "\(suffix) from standard input")
        }
        // Our own compression of a pcapng file, too.
        let pcapng = Self.corpus + "/public/zeek/pcapng-multi-interface.pcapng"
        let pcapngReference = try Self.captureFrames(["--pcap", pcapng], directory: directory).packets
        #expect(pcapngReference.count > 0)
        _ = try Programs.shell("gzip -c \(pcapng) > \(directory.file("x.gz")) && lz4 -q -c \(pcapng) > \(directory.file("x.lz4"))")
        #expect(try Self.captureFrames(["--pcap", "-"], input: directory.file("x.gz"), directory: directory).packets == pcapngReference)
        #expect(try Self.captureFrames(["--pcap", directory.file("x.lz4")], directory: directory).packets == pcapngReference)
        for suffix in [".xz", ".zst"] {
            let result = try Self.captureFrames(["--pcap", plain + suffix], directory: directory).result
            #expect(result.status == 1)
            #expect(result.standardError.contains("decompress it first"), "\(result.standardError)")
        }
    }

    /// A regular file is mapped and parsed in place; a pipe is read into a buffer. Both paths
    /// must give the same records, also when the stream starts part way into the file (the
    /// descriptor already moved on, as after `{ head …; dm-capture --pcap -; } < FILE`).
    @Test("a capture mapped from a file, from standard input at an offset, and read from a pipe gives the same records", arguments: [
        "generated/dns_lo_udp_tcp.pcap", "public/zeek/pcapng-multi-interface.pcapng", "public/dnscap/dns.pcap",
    ])
    func mappedAndPipedAgree(capture: String) throws {
        let directory = try TemporaryDirectory()
        let path = Self.corpus + "/" + capture
        try #require(FileManager.default.fileExists(atPath: path), "the shared corpus is missing at \(Self.corpus)")
        let capturer = Programs.product("dm-capture")
        let mapped = try Self.captureFrames(["--pcap", path], directory: directory)
        #expect(mapped.result.status == 0, "\(mapped.result.standardError)")
        #expect(!mapped.packets.isEmpty)
        let fromStdin = try Self.captureFrames(["--pcap", "-"], input: path, directory: directory)
        #expect(fromStdin.packets == mapped.packets, "\(capture): standard input redirected from the file")
        _ = try Programs.shell("cat \(path) | \(capturer) --pcap - > \(directory.file("piped")) 2>/dev/null")
        let piped = try Self.packets(in: directory.file("piped"))
        #expect(piped == mapped.packets, "\(capture): read from a pipe")
        // The same capture after 4097 bytes of something else, with standard input positioned
        // on its first byte: not on a page boundary, so the mapping starts before the stream.
        let padded = directory.file("padded")
        _ = try Programs.shell("head -c 4097 /dev/zero > \(padded) && cat \(path) >> \(padded)")
        let offsetRun = try Programs.shell(
            "python3 -c 'import os, sys; os.lseek(0, 4097, 0); os.execv(sys.argv[1], sys.argv[1:])' \(capturer) --pcap - < \(padded) > \(directory.file("offset")) 2>/dev/null")
        #expect(offsetRun.status == 0)
        let offset = try Self.packets(in: directory.file("offset"))
        #expect(offset == mapped.packets, "\(capture): standard input at an offset into the file")
    }

    @Test("a capture cut inside a packet keeps every whole packet and warns once", arguments: [24 + 16 + 5, 3000, 20228 - 7])
    func truncatedCapture(cut: Int) throws {
        let directory = try TemporaryDirectory()
        let plain = Self.corpus + "/public/dnscap/dns.pcap"
        let whole = try Self.captureFrames(["--pcap", plain], directory: directory).packets
        let bytes = try StreamFiles.bytes(plain)
        try StreamFiles.writeBytes(Array(bytes.prefix(cut)), to: directory.file("cut.pcap"))
        let expectedCount = ClassicPcapCount.wholePackets(in: Array(bytes.prefix(cut)))
        let (_, packets, result) = try Self.captureFrames(["--pcap", directory.file("cut.pcap")], directory: directory)
        #expect(result.status == 0)
        #expect(packets == Array(whole.prefix(expectedCount)))
        #expect(result.standardError.components(separatedBy: "warning:").count == 2, "\(result.standardError)")
        #expect(result.standardError.contains("kept the \(expectedCount) whole packets"), "\(result.standardError)")
        #expect(result.standardError.contains("truncated_inputs=1"))
        // The same cut read from a pipe rather than mapped: the same packets and warning.
        let piped = try Programs.shell(
            "cat \(directory.file("cut.pcap")) | \(Programs.product("dm-capture")) --pcap - > \(directory.file("piped")) 2> \(directory.file("piped-err"))")
        let pipedErrors = (try? String(contentsOfFile: directory.file("piped-err"), encoding: .utf8)) ?? ""
        #expect(piped.status == 0, "\(pipedErrors)")
        #expect(try Self.packets(in: directory.file("piped")) == packets)
        #expect(pipedErrors.components(separatedBy: "warning:").count == 2, "\(pipedErrors)")
        #expect(pipedErrors.contains("kept the \(expectedCount) whole packets"), "\(pipedErrors)")
        // Cut inside the gzip copy: the same whole packets, and a warning naming gzip.
        _ = try Programs.shell("gzip -c \(directory.file("cut.pcap")) > \(directory.file("full.gz")) && head -c $(( $(stat -c %s \(directory.file("full.gz"))) * 2 / 3 )) \(directory.file("full.gz")) > \(directory.file("cut.gz"))")
        let gz = try Self.captureFrames(["--pcap", directory.file("cut.gz")], directory: directory)
        #expect(gz.result.status == 0 || gz.result.standardError.contains("the input ends inside the 24-byte pcap file header"), "\(gz.result.standardError)")
        if gz.result.status == 0 { #expect(gz.result.standardError.contains("the gzip data is cut short"), "\(gz.result.standardError)") }
        #expect(gz.packets == Array(whole.prefix(gz.packets.count)))
    }

    @Test("bad input gives one clear error line and a non-zero exit", arguments: [
        ("empty", [UInt8](), "the input is empty"),
        ("text", Array("hello, this is not a capture\n".utf8), "not a pcap or pcapng capture"),
        ("dmrecord", StreamHeader().encoded(), "this is a DMRecord stream"),
        ("short", [0xD4, 0xC3, 0xB2, 0xA1, 2, 0], "inside the 24-byte pcap file header"),
    ])
    func badInput(name: String, bytes: [UInt8], message: String) throws {
        let directory = try TemporaryDirectory()
        try StreamFiles.writeBytes(bytes, to: directory.file(name))
        let (_, _, result) = try Self.captureFrames(["--pcap", directory.file(name)], directory: directory)
        #expect(result.status == 1)
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("dm-capture: \(directory.file(name)): offset 0: "), "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(try StreamFiles.bytes(directory.file("capture-out")).isEmpty, "no output for input that is no capture")
        let missing = try Self.captureFrames(["--pcap", "/nonexistent.pcap"], directory: directory).result
        #expect(missing.status == 1)
        #expect(missing.standardError == "dm-capture: open /nonexistent.pcap: No such file or directory\n")
    }
}

/// Counts whole packets in a (possibly cut) little-endian classic pcap, independently of the reader.
enum ClassicPcapCount {
    static func wholePackets(in bytes: [UInt8]) -> Int {
        var offset = 24, count = 0
        while offset + 16 <= bytes.count {
            let captured = Int(bytes[offset + 8]) | Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 10]) << 16 | Int(bytes[offset + 11]) << 24
            guard offset + 16 + captured <= bytes.count else { break }
            offset += 16 + captured
            count += 1
        }
        return count
    }
}
