import DMBytes
import DMRecord
import DMTestSupport
import DNSWire
import Foundation
import Testing

/// The validator and the JSON renderer against miekg/dns itself, the library dnsmonster decodes
/// with (Debian's 1.1.50 source, built with Debian's Go): for every DNS message over UDP in the
/// corpus, and for thousands of mutations of them, miekg's verdict and its `json.Marshal` of the
/// message must equal ours.
///
/// One difference is expected and allowed: miekg accepts a message that stops early at a
/// question or record boundary (it keeps what it read); dm-parse's message-level check refuses
/// those as `truncated`, as tshark does.
@Suite("miekg/dns oracle", .serialized)
struct MiekgOracleTests {
    static let miekgSource = "/usr/share/gocode/src/github.com/miekg/dns/msg.go"
    static let available =
        FileManager.default.fileExists(atPath: miekgSource) && FileManager.default.fileExists(atPath: "/usr/bin/go")
        && FileManager.default.fileExists(atPath: CaptureCorpusTests.corpus + "/public/MANIFEST.tsv")

    /// Both texts around where they first differ.
    static func firstDifference(_ mine: String, _ their: String) -> String {
        let a = Array(mine.utf8), b = Array(their.utf8)
        let at = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        func around(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[max(0, at - 80)..<min(bytes.count, at + 80)], as: UTF8.self)
        }
        return "  ours:  …\(around(a))…\n  miekg: …\(around(b))…"
    }

    @Test(
        "corpus messages and their mutations: miekg's verdict and JSON equal ours",
        .enabled(if: available, "needs golang-go, golang-github-miekg-dns-dev (scripts/install-deps.sh) and the shared corpus"))
    func agreesWithMiekg() throws {
        let directory = try TemporaryDirectory()
        let build = try Programs.shell("""
            cd \(Programs.packageRoot)/Tests/oracle/miekg_json && GOPATH=/usr/share/gocode GO111MODULE=off \
            GOCACHE=\(directory.path)/gocache go build -o \(directory.path)/miekg_json . 2>&1 >&2
            """)
        try #require(build.status == 0, "go build: \(build.standardError)")

        let captures = try CaptureCorpusTests.captures().map(\.path).filter {
            !$0.hasSuffix(".lz4") && !$0.hasSuffix(".xz") && !$0.hasSuffix(".zst")
        }
        try captures.joined(separator: "\n").write(toFile: directory.file("list"), atomically: false, encoding: .utf8)
        let extract = try Programs.shell("""
            cd \(CaptureCorpusTests.corpus) && xargs -P 2 -I{} sh -c 'tshark -r "{}" -Y "dns && udp && !icmp && !icmpv6" \
            -T fields -e udp.payload 2>/dev/null; true' < \(directory.file("list")) | grep -v , | sort -u > \(directory.file("payloads"))
            """)
        try #require(extract.status == 0, "\(extract.standardError)")
        let corpusMessages = try String(contentsOfFile: directory.file("payloads"), encoding: .utf8)
            .split(separator: "\n").map { Reference.bytes(hex: $0) }.filter { !$0.isEmpty }
        #expect(corpusMessages.count > 1000)

        // Mutations: one to three bytes set, mostly in the records, some messages cut short.
        var rng = SplitMix64(seed: 4)
        var messages = corpusMessages
        for message in corpusMessages where message.count > 12 {
            for _ in 0..<10 {
                var bytes = message
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let index = Int.random(in: 12..<bytes.count, using: &rng)
                    let choices: [UInt8] = [0, 1, 0xFF, 0xC0, bytes[index] &+ 1, bytes[index] &- 1, UInt8.random(in: 0...255, using: &rng)]
                    bytes[index] = choices[Int.random(in: 0..<choices.count, using: &rng)]
                }
                if Int.random(in: 0..<5, using: &rng) == 0 { bytes = Array(bytes.prefix(Int.random(in: 12...bytes.count, using: &rng))) }
                messages.append(bytes)
            }
        }
        let hex = messages.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n") + "\n"
        try hex.write(toFile: directory.file("messages"), atomically: false, encoding: .utf8)
        let run = try Programs.run(directory.file("miekg_json"), [], input: directory.file("messages"), output: directory.file("miekg"))
        try #require(run.status == 0, "\(run.standardError)")
        // Go 1.19 (Debian's) writes \b and \f as \u0008 and \u000c; dnsmonster builds with Go 1.25,
        // whose encoding/json writes \b and \f, as the renderer does.
        let theirs = try String(contentsOfFile: directory.file("miekg"), encoding: .utf8).split(separator: "\n").map {
            $0.replacingOccurrences(of: "\\u0008", with: "\\b").replacingOccurrences(of: "\\u000c", with: "\\f")
        }
        try #require(theirs.count == messages.count)

        var agreed = 0, lenient = 0
        var differences: [String] = []
        var validatorDisagrees: [String] = []
        for (message, their) in zip(messages, theirs) {
            let (mine, error) = Reference.dnsValue(message)
            // dm-parse's validator (which takes shortcuts for the usual records) decides as the
            // renderer's full decode does, with the same error.
            let validation = message.withByteView { raw -> DNSWireError? in
                do {
                    _ = try DNSMessageValidator.validate(raw)
                    return nil
                } catch let failure as DNSWireError {
                    return failure
                } catch {
                    return DNSWireError(kind: .truncated, offset: -1)
                }
            }
            if validation?.kind != error?.kind || validation?.offset != error?.offset, validatorDisagrees.count < 5 {
                validatorDisagrees.append("\(message.map { String(format: "%02x", $0) }.joined()): validator \(String(describing: validation)), renderer \(String(describing: error))")
            }
            let theyRefuse = their.hasPrefix("ERR")
            if mine == their || (theyRefuse && mine.hasPrefix("ERR")) {
                agreed += 1
            } else if !theyRefuse, let error, error.kind == .truncated {
                lenient += 1
            } else if differences.count < 5 {
                differences.append("\(message.map { String(format: "%02x", $0) }.joined())\n\(Self.firstDifference(mine, their))")
            } else {
                differences.append("")
            }
        }
        #expect(differences.isEmpty, "\(differences.count) of \(messages.count) differ:\n\(differences.prefix(5).joined(separator: "\n"))")
        #expect(validatorDisagrees.isEmpty, "\(validatorDisagrees.joined(separator: "\n"))")
        #expect(agreed > messages.count * 9 / 10, "agreed \(agreed), miekg-lenient truncations \(lenient)")
    }
}
