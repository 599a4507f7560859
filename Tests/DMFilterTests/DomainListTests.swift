import DMBytes
@testable import DMFilter
import DMRecord
import DMTestSupport
import DNSWire
import Foundation
import Testing

/// Domain-list semantics: the CSV, label-aware matching, and where we differ from dnsmonster.
@Suite("Domain lists")
struct DomainListTests {
    static func list(_ csv: String) -> DomainList { DomainListParser.parse(Array(csv.utf8)).list }

    /// The list behind ../shared/reference/tst_demo.txt (inferred from its results: each entry
    /// named there, in dnsmonster's CSV).
    static let demoList = """
        google.com.,suffix
        ads.,prefix
        dev.home.,fqdn
        bad line
        example.org.,suffix
        tracker.,prefix
        """

    /// tst_demo.txt: what dnsmonster (a replica of its matcher) did, line by line.
    static let demoTranscript = """
        www.google.com.        -> skip(suffix google.com.)
        google.com.            -> skip(suffix google.com.)
        GOOGLE.COM.            -> skip(suffix google.com.)
        notgoogle.com.         -> skip(suffix google.com.)
        google.com             -> keep
        ads.example.net.       -> skip(prefix ads.)
        adsx.example.net.      -> skip(prefix ads.)
        dev.home.              -> skip(fqdn)
        x.dev.home.            -> keep
        bad line               -> skip(fqdn)
        www.example.org.       -> skip(suffix example.org.)
        tracker.               -> skip(prefix tracker.)
        a.                     -> keep
        ad.                    -> keep
        trackerz.io.           -> skip(prefix tracker.)
        trackerz.io.           -> skip(prefix tracker.)
        xoogle.com.            -> skip(suffix google.com.)
        oogle.com.             -> keep
        ads                    -> keep
        adz.                   -> keep
        yahoo.org.             -> keep
        """

    /// Our result for each demo name, and why it differs from dnsmonster's where it does.
    static let ours: [String: (result: String, difference: String?)] = [
        "www.google.com.": ("suffix(google.com.)", nil),
        "google.com.": ("suffix(google.com.)", nil),
        "GOOGLE.COM.": ("suffix(google.com.)", nil),
        "notgoogle.com.": ("keep", "label-aware: notgoogle is not the label google"),
        "google.com": ("suffix(google.com.)", "names are made absolute: google.com = google.com."),
        "ads.example.net.": ("prefix(ads.)", nil),
        "adsx.example.net.": ("keep", "label-aware: adsx is not the label ads"),
        "dev.home.": ("fqdn(dev.home.)", nil),
        "x.dev.home.": ("keep", nil),
        "bad line": ("fqdn(bad line.)", nil),
        "www.example.org.": ("suffix(example.org.)", nil),
        "tracker.": ("prefix(tracker.)", nil),
        "a.": ("keep", nil),
        "ad.": ("keep", nil),
        "trackerz.io.": ("keep", "label-aware, and no last-character wildcard (dnsmonster's tree quirk)"),
        "xoogle.com.": ("keep", "no last-character wildcard (dnsmonster's tree quirk)"),
        "oogle.com.": ("keep", nil),
        "ads": ("prefix(ads.)", "names are made absolute: ads = ads."),
        "adz.": ("keep", nil),
        "yahoo.org.": ("keep", nil),
    ]

    @Test("the dnsmonster examples of tst_demo.txt: same result except the documented differences")
    func dnsmonsterDemo() throws {
        // The transcript above is the shared reference file, when it is beside the repository.
        let shared = Programs.packageRoot + "/../shared/reference/tst_demo.txt"
        if let text = try? String(contentsOfFile: shared, encoding: .utf8) {
            #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == Self.demoTranscript.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let list = Self.list(Self.demoList)
        var differences = 0
        for line in Self.demoTranscript.split(separator: "\n") {
            let parts = line.components(separatedBy: "->")
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            let theirs = parts[1].trimmingCharacters(in: .whitespaces)
            let expected = try #require(Self.ours[name], "no expectation for \(name)")
            let got = list.match(name).map { "\($0)" } ?? "keep"
            #expect(got == expected.result, "\(name)")
            let theySkip = theirs != "keep"
            let weSkip = expected.result != "keep"
            if theySkip != weSkip {
                differences += 1
                #expect(expected.difference != nil, "\(name): differs from dnsmonster without a documented reason")
            }
        }
        // notgoogle.com., google.com, adsx.example.net., trackerz.io. (twice), xoogle.com., ads
        #expect(differences == 7)
    }

    @Test("label-aware semantics: prefix, suffix, fqdn, case, trailing dot, boundaries", arguments: [
        // (list, name, expected)
        ("google.com,suffix", "google.com", "suffix(google.com.)"),
        ("google.com,suffix", "WWW.Google.COM.", "suffix(google.com.)"),
        ("google.com.,suffix", "a.b.c.google.com", "suffix(google.com.)"),
        ("google.com,suffix", "notgoogle.com", "keep"),
        ("google.com,suffix", "google.com.au", "keep"),
        ("google.com,suffix", "com", "keep"),
        (".google.com,suffix", "google.com", "suffix(google.com.)"),
        ("ads.,prefix", "ads.example.net", "prefix(ads.)"),
        ("ads,prefix", "ADS.example.net.", "prefix(ads.)"),
        ("ads.,prefix", "adsx.example.net", "keep"),
        ("ads.,prefix", "x.ads.example.net", "keep"),
        ("ads.tracker.,prefix", "ads.tracker.example", "prefix(ads.tracker.)"),
        ("ads.tracker.,prefix", "ads.trackers.example", "keep"),
        ("dev.home,fqdn", "dev.home.", "fqdn(dev.home.)"),
        ("dev.home,fqdn", "DEV.HOME", "fqdn(dev.home.)"),
        ("dev.home,fqdn", "x.dev.home", "keep"),
        ("dev.home,fqdn", "dev.home.x", "keep"),
        ("dev.home,FQDN", "dev.home", "fqdn(dev.home.)"),
        ("dev.home,whatever", "dev.home", "fqdn(dev.home.)"),
        ("a,b,c", "a,b,c", "fqdn(a,b,c.)"),
        (".,suffix", "anything.at.all", "suffix(.)"),
        (".,prefix", "anything.at.all", "prefix(.)"),
        (".,fqdn", ".", "fqdn(.)"),
        (".,fqdn", "com", "keep"),
        ("  google.com ,  suffix ", "google.com", "suffix(google.com.)"),
        ("google.com,suffix\r", "google.com", "suffix(google.com.)"),
        ("# google.com,suffix", "google.com", "keep"),
        ("x..y,suffix", "x..y", "keep"),
        ("com,suffix\nexample.com,suffix", "www.example.com", "suffix(example.com.)"),
        ("google.com,suffix\ngoogle.com,fqdn", "google.com", "fqdn(google.com.)"),
        ("google.com,suffix\ngoogle.com,fqdn", "www.google.com", "suffix(google.com.)"),
        ("www,prefix\nexample.com,suffix", "www.other.org", "prefix(www.)"),
    ])
    func semantics(list: String, name: String, expected: String) {
        let got = Self.list(list).match(name).map { "\($0)" } ?? "keep"
        #expect(got == expected, "list \(list.debugDescription), name \(name)")
    }

    @Test("the CSV report counts lines, entries, invalid lines and unknown kinds")
    func report() {
        let long = String(repeating: "a", count: 64)
        let csv = "# comment\n\ngoogle.com,suffix\nx..y,suffix\n\(long).com,fqdn\nads,prefix\nodd,kind\nplain.example\n"
        let (list, report) = DomainListParser.parse(Array(csv.utf8))
        #expect(report.lines == 8)
        #expect(report.entries == 4)
        #expect(report.invalidLines == 2)
        #expect(report.unknownKinds == 1)
        #expect(report.firstInvalid?.line == 4)
        #expect(report.firstInvalid?.text == "x..y,suffix")
        #expect(list.suffixCount == 1 && list.prefixCount == 1 && list.fqdnCount == 2)
    }

    /// A reference matcher on text: label lists compared directly.
    static func naiveMatches(_ entries: [(name: [String], kind: DomainList.Kind)], _ name: [String]) -> Bool {
        entries.contains { entry in
            switch entry.kind {
            case .fqdn: return entry.name == name
            case .suffix: return name.count >= entry.name.count && Array(name.suffix(entry.name.count)) == entry.name
            default: return name.count >= entry.name.count && Array(name.prefix(entry.name.count)) == entry.name
            }
        }
    }

    @Test("random lists and names: the hash table agrees with a direct label comparison (table growth included)", arguments: [1, 2, 3])
    func agreesWithNaive(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let vocabulary = ["a", "b", "ab", "ba", "www", "ads", "x", "com", "net", "example", "mail", "z9", "long-label-here"]
        func randomName(_ rng: inout SplitMix64) -> [String] {
            (0..<Int.random(in: 1...5, using: &rng)).map { _ in vocabulary.randomElement(using: &rng)! }
        }
        let kinds: [(DomainList.Kind, String)] = [(.fqdn, "fqdn"), (.suffix, "suffix"), (.prefix, "prefix")]
        var entries: [(name: [String], kind: DomainList.Kind)] = []
        var csv = ""
        for _ in 0..<300 {
            let name = randomName(&rng)
            let kind = kinds.randomElement(using: &rng)!
            entries.append((name, kind.0))
            csv += name.joined(separator: ".") + (Bool.random(using: &rng) ? "." : "") + ",\(kind.1)\n"
        }
        // Built from a small size estimate, so the table grows several times.
        var builder = DomainList.Builder(expectedEntries: 1, expectedBytes: 1)
        for entry in entries {
            builder.add(wireName: DomainName.wire(entry.name.joined(separator: "."))!, kind: entry.kind)
        }
        let grown = builder.build()
        let parsed = Self.list(csv)
        // The record loop's form: a lowercased wire name in a padded buffer, one reused scratch.
        let scratch = DomainList.Scratch()
        var buffer = [UInt8](repeating: 0, count: DNSQuestionSummary.nameBufferSize)
        for _ in 0..<3000 {
            let name = randomName(&rng)
            let text = name.joined(separator: ".").uppercased()
            let expected = Self.naiveMatches(entries, name)
            #expect((parsed.match(text) != nil) == expected, "\(text)")
            #expect((grown.match(text) != nil) == expected, "\(text)")
            let wire = DomainName.wire(name.joined(separator: "."))!
            buffer.withMutableByteView { $0.fill(with: 0); $0.copy(wire, to: 0) }
            let viaScratch = buffer.withByteView { parsed.contains(wireName: $0, length: wire.count, scratch: scratch) }
            #expect(viaScratch == expected, "\(text) with a reused scratch")
        }
    }

    @Test("names of many labels (past the stack scratch space, up to 127) match like short ones")
    func manyLabels() {
        let list = Self.list("a.b,suffix\nx.x.x,prefix\n" + String(repeating: "y.", count: 100) + "z,fqdn\n")
        for count in [31, 32, 33, 60, 125] {
            let deep = String(repeating: "q.", count: count) + "a.b"
            #expect(list.match(deep).map { "\($0)" } == "suffix(a.b.)", "\(count) labels")
            #expect(list.match(String(repeating: "q.", count: count) + "a.c") == nil)
            #expect(list.match(String(repeating: "x.", count: count) + "end").map { "\($0)" } == "prefix(x.x.x.)")
        }
        let longest = String(repeating: "y.", count: 100) + "z"
        #expect(list.match(longest).map { "\($0)" } == "fqdn(\(longest).)")
        #expect(list.match("y." + longest) == nil)
        // 127 one-letter labels: the most a 255-byte name can hold.
        #expect(list.match(String(repeating: "x.", count: 126) + "b")?.kind == .prefix)
    }

    @Test("a 200k-entry list: every entry matches, near misses do not")
    func largeList() {
        var csv = ""
        for index in 0..<200_000 { csv += "host\(index).example\(index % 97).com,\(["suffix", "fqdn", "prefix"][index % 3])\n" }
        let (list, report) = DomainListParser.parse(Array(csv.utf8))
        #expect(report.entries == 200_000)
        #expect(list.count == 200_000)
        for index in stride(from: 0, to: 200_000, by: 997) {
            let name = "host\(index).example\(index % 97).com"
            switch index % 3 {
            case 0: #expect(list.match("www." + name) != nil)
            case 1: #expect(list.match(name) != nil)
            default: #expect(list.match(name + ".extra") != nil)
            }
            #expect(list.match("host\(index)x.example\(index % 97).com.zz") == nil)
        }
    }

    @Test("names are read from the wire lowercased, with compression pointers, and damaged ones are refused")
    func questionSummary() throws {
        func read(_ message: [UInt8]) -> (DNSQuestionSummary?, String) {
            var buffer = [UInt8](repeating: 0, count: DNSQuestionSummary.nameBufferSize)
            let summary = message.withByteView { raw in
                buffer.withMutableByteView { DNSQuestionSummary.read(raw, nameInto: $0) }
            }
            return (summary, DomainName.text(wire: Array(buffer.prefix(summary?.nameLength ?? 0))))
        }
        let header: [UInt8] = [0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0]
        let plain = header + [3] + Array("WwW".utf8) + [7] + Array("Example".utf8) + [3] + Array("COM".utf8) + [0, 0, 28, 0, 1]
        let (summary, name) = read(plain)
        #expect(name == "www.example.com.")
        #expect(summary?.isResponse == true && summary?.rcode == 3 && summary?.questionType == 28 && summary?.questionClass == 1)
        // A name of 9+ bytes per label exercises the 8-byte lowercasing words; bytes ≥ 0x80 stay.
        let wide = header + [12] + Array("ABCDEFGHIJKL".utf8) + [4, 0xC3, 0x84, 0x5A, 0x40, 0, 0, 1, 0, 1]
        #expect(read(wide).1 == "abcdefghijkl.\u{C4}z@.")
        // The name continues through a pointer to bytes placed after the question.
        let pointed = header + [3] + Array("WWW".utf8) + [0xC0, 22, 0, 1, 0, 1] + [3] + Array("Foo".utf8) + [0]
        #expect(read(pointed).1 == "www.foo.")
        #expect(read(pointed).0?.questionType == 1)
        // Damage: truncated name, truncated fixed part, pointer loop, bad label type, no question.
        #expect(read(header + [3, 0x61]).0?.hasQuestion == false)
        #expect(read(header + [1, 0x61, 0, 0, 1]).0?.hasQuestion == false)
        #expect(read(header + [0xC0, 12, 0, 1, 0, 1]).0?.hasQuestion == false)
        #expect(read(header + [0x80, 0, 0, 1, 0, 1]).0?.hasQuestion == false)
        var noQuestion = header
        noQuestion[5] = 0
        #expect(read(noQuestion + [0]).0?.hasQuestion == false)
        #expect(read([1, 2, 3]).0 == nil)
        // Over 255 bytes: refused.
        let long = header + Array(repeating: [63] + [UInt8](repeating: 0x61, count: 63), count: 4).flatMap { $0 } + [0, 0, 1, 0, 1]
        #expect(read(long).0?.hasQuestion == false)
        let longest = header + Array(repeating: [63] + [UInt8](repeating: 0x61, count: 63), count: 3).flatMap { $0 } + [61] + [UInt8](repeating: 0x62, count: 61) + [0, 0, 1, 0, 1]
        #expect(read(longest).0?.nameLength == 255)
    }

    @Test("text names to wire and back")
    func wireText() {
        #expect(DomainName.wire("Www.Example.COM") == [3, 119, 119, 119, 7, 101, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0])
        #expect(DomainName.wire("a.") == [1, 97, 0])
        #expect(DomainName.wire(".") == [0])
        #expect(DomainName.wire("") == nil)
        #expect(DomainName.wire("a..b") == nil)
        #expect(DomainName.wire(".a") == nil)
        #expect(DomainName.wire(String(repeating: "a", count: 64)) == nil)
        #expect(DomainName.wire(String(repeating: "a", count: 63)) != nil)
        #expect(DomainName.text(wire: DomainName.wire("x.Y.z")!) == "x.y.z.")
    }
}
