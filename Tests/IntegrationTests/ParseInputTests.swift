import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-parse reads PACKET records, or a capture straight from tcpdump (`tcpdump -w - | dm-parse`).
@Suite("Parse input")
struct ParseInputTests {
    static func dnsRecords(_ path: String) throws -> [OwnedItem] {
        try StreamFiles.read(path).filter { if case .record(2, _, _) = $0 { return true } else { return false } }
    }

    @Test("a raw pcap, pcapng or gzip capture on standard input gives the records dm-capture | dm-parse gives", arguments: [
        "examples/sample.pcap", "../shared/corpus/public/zeek/pcapng-multi-interface.pcapng",
        "../shared/corpus/public/dnscap/dns.pcap.gz", "../shared/corpus/generated/ipfrag_mtu1500.pcap",
        "../shared/corpus/generated/dns_lo_udp_tcp.pcap",
    ])
    func rawCaptureInput(capture: String) throws {
        let path = Programs.packageRoot + "/" + capture
        try #require(FileManager.default.fileExists(atPath: path), "missing \(path)")
        let directory = try TemporaryDirectory()
        let piped = try Programs.shell(
            "\(Programs.product("dm-capture")) --pcap \(path) 2>/dev/null | \(Programs.product("dm-parse")) > \(directory.file("a")) 2>/dev/null")
        #expect(piped.status == 0)
        let direct = try Programs.shell("cat \(path) | \(Programs.product("dm-parse")) > \(directory.file("b")) 2> \(directory.file("err"))")
        let errors = (try? String(contentsOfFile: directory.file("err"), encoding: .utf8)) ?? ""
        #expect(direct.status == 0, "\(errors)")
        let expected = try Self.dnsRecords(directory.file("a"))
        #expect(!expected.isEmpty)
        #expect(try Self.dnsRecords(directory.file("b")) == expected)
        // Redirected from the file, standard input is mapped rather than read.
        let redirected = try Programs.shell("\(Programs.product("dm-parse")) < \(path) > \(directory.file("c")) 2> \(directory.file("err"))")
        #expect(redirected.status == 0, "\((try? String(contentsOfFile: directory.file("err"), encoding: .utf8)) ?? "")")
        #expect(try Self.dnsRecords(directory.file("c")) == expected)
    }

    @Test("--port, --tunnel-depth and --keep-malformed reach the parser; an out-of-range depth is refused")
    func flagsReachTheParser() throws {
        let directory = try TemporaryDirectory()
        let frames = [Frames.ethernet(Frames.vxlan(Frames.vxlan(Frames.vxlan(Frames.inner))))]
        try StreamFiles.write(directory.file("in")) { writer in
            try writer.writeHeader(StreamHeader())
            for frame in frames {
                let metadata = PacketMetadata(timeNanoseconds: 1000, originalLength: UInt32(frame.count), linkType: 1)
                try writer.writeRecord(type: .packet, body: PacketRecord(metadata: metadata, frame: frame).encodedBody())
            }
        }
        func run(_ arguments: [String]) throws -> StatsRecord {
            let result = try Programs.run(Programs.product("dm-parse"), arguments, input: directory.file("in"), output: directory.file("out"))
            #expect(result.status == 0, "\(result.standardError)")
            return try StreamFiles.splitOwnStats(try StreamFiles.read(directory.file("out")), stage: "dm-parse").stats
        }
        #expect(try run([])[counter: "decapsulated_vxlan"] == 3)
        let tooDeep = try run(["--tunnel-depth", "2"])
        #expect(tooDeep[counter: "tunnel_too_deep"] == 1 && tooDeep[counter: "decapsulated_vxlan"] == 2)
        #expect(try run(["--port", "4789", "--keep-malformed"])[counter: "malformed_kept"] == 1, "VXLAN bytes read as DNS")
        #expect(try Programs.run(Programs.product("dm-parse"), ["--tunnel-depth", "99"], output: "/dev/null").standardError
            .contains("--tunnel-depth must be between 0 and 64"))
    }

    /// A mapped capture's pages are handed back once read past: resident memory stays flat
    /// whatever the file's size (it grew with the file, ~280 MB for a 275 MB capture).
    @Test("reading a 70 MB capture, dm-capture, dm-parse and dm-parse on records stay under 45 MB resident")
    func mappedInputKeepsResidentMemoryFlat() throws {
        let directory = try TemporaryDirectory()
        let capture = directory.file("big.pcap"), records = directory.file("big.dmr")
        let build = try Programs.shell("""
            python3 -c 'import sys
            data = open(sys.argv[1], "rb").read()
            with open(sys.argv[2], "wb") as out:
                out.write(data[:24])
                for _ in range(1200): out.write(data[24:])' \(Programs.packageRoot)/examples/sample.pcap \(capture) \
            && \(Programs.product("dm-capture")) --pcap \(capture) > \(records) 2>/dev/null
            """)
        try #require(build.status == 0, "\(build.standardError)")
        for (stage, arguments) in [("dm-capture", ["--pcap", capture]), ("dm-parse", ["--input", capture]), ("dm-parse", ["--input", records])] {
            let measured = try Programs.run("/usr/bin/env", ["python3", "-c", """
                import resource, subprocess, sys
                status = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
                print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
                """, Programs.product(stage)] + arguments)
            let fields = measured.standardError.split(whereSeparator: \.isWhitespace)
            #expect(fields.first == "0", "\(stage) \(arguments): \(measured.standardError)")
            let kilobytes = Int(fields.last ?? "") ?? .max
            #expect(kilobytes < 45_000, "\(stage) \(arguments): peak resident \(kilobytes / 1024) MB")
        }
    }
}
