import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-parse against tshark on every corpus capture: the multiset of (time, addresses, ports,
/// transport, id, QR, qname, qtype, rcode, answer count) of DNS over UDP, with the DNS fields
/// of our records decoded by dnspython.
@Suite("Parse oracle", .serialized)
struct ParseOracleTests {
    /// Captures where tshark and dm-parse differ today, each with the reason. Keep it short.
    static let knownDifferences: [String: String] = [
        "public/PcapPlusPlus/dns_over_tcp.pcapng":
            "frame 1 is stamped 1970 and its retransmission 2021: past the 60 s idle timeout, so dm-parse takes the retransmission as a new stream and reports the message again",
        "public/zeek/dns-inverse-query.pcap":
            "link type FDDI (10) is not decoded",
        "public/zeek/geneve-vxlan-dns-truncated.pcap":
            "VXLAN inside Geneve, cut by the snapshot length: tshark decodes the partial message, dm-parse counts truncated_frames",
        "public/zeek/dns-edns-ecs-weirds.pcap":
            "frames 2 and 3 carry a client subnet with source prefix 255: miekg/dns refuses them (bad netmask), so dnsmonster drops them and so does dm-parse; tshark accepts them",
        "public/PcapPlusPlus/nflogPacket.pcap":
            "link type NFLOG (239) is not decoded",
        "public/tcpdump/nflog.pcap":
            "link type NFLOG (239) is not decoded",
        "public/tcpdump/LINKTYPE_PKTAP.pcap":
            "link type PKTAP (258, Apple) is not decoded",
        "public/tcpdump/LINKTYPE_USER2_PKTAP.pcap":
            "link type USER2 carrying PKTAP is not decoded",
        "public/zeek/radiotap.pcap":
            "link type 802.11 radiotap (127) is not decoded",
        "public/zeek/wlanmon.pcap":
            "link type 802.11 monitor mode is not decoded",
        "public/PcapPlusPlus/NullLoopback.pcap":
            "a NULL frame whose family field is garbage followed by an Ethertype: Wireshark guesses IPv4, dm-parse counts not_ip",
        "public/PcapPlusPlus/null_loopback.pcap":
            "a NULL frame whose family field is garbage followed by an Ethertype: Wireshark guesses IPv4, dm-parse counts not_ip",
        "public/dpkt/truncated_dns.pcap":
            "frame cut by the snapshot length: tshark decodes the partial message, dm-parse counts truncated_frames",
        "public/dpkt/truncated_dns_2.pcap":
            "frame cut by the snapshot length: tshark decodes the partial message, dm-parse counts truncated_frames",
        "public/tcpdump/dns_udp_2.pcap":
            "second frame cut by the snapshot length: tshark decodes the partial message, dm-parse counts truncated_frames",
        "public/tcpdump/ipv4_invalid_total_length.pcap":
            "IPv4 total length beyond the frame: tshark decodes what is there, dm-parse counts truncated_frames",
        "public/tcpdump/ipv6_invalid_length_2.pcap":
            "IPv6 payload length beyond the frame: tshark decodes what is there, dm-parse counts truncated_frames",
        "public/zeek/dns-invalid-names.pcap":
            "a question name whose pointers loop: tshark prints it without flagging the frame, dm-parse rejects it (malformed_dns)",
        "public/dnscap/sll2.pcap":
            "a label containing '.': dnspython escapes it (\\.), tshark prints it bare",
    ]

    static let tsharkFields = [
        "frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst", "udp.srcport", "udp.dstport",
        "tcp.srcport", "tcp.dstport",
        "dns.id", "dns.flags.response", "dns.qry.name", "dns.qry.type", "dns.flags.rcode", "dns.count.answers",
        "frame.protocols",
    ]

    /// DNS over UDP and TCP port 53 (reassembled from fragments and segments), not quoted inside
    /// ICMP errors. tshark's own malformed messages are left out: dm-parse drops them (counted).
    static let tsharkFilter = "dns && (udp.port == 53 || tcp.port == 53) && !icmp && !icmpv6 && !_ws.malformed"

    /// Normalises one tshark row to our oracle's format: one line per DNS message (a TCP
    /// segment may complete several, which tshark lists comma-separated in one row).
    static func normalise(_ line: Substring) -> [String] {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 16, let time = CaptureCorpusTests.parseEpoch(Substring(f[0])) else { return [] }
        func values(_ text: String) -> [String] { text.split(separator: ",").map(String.init) }
        func last(_ text: String) -> String { values(text).last ?? "" }
        // Inside a tunnel both an IPv4 and an IPv6 layer may be present; the innermost one, the
        // last in the protocol list, carries the DNS message.
        let innermostIPv6 = f[15].split(separator: ":").last(where: { $0 == "ip" || $0 == "ipv6" }) == "ipv6"
        let source = innermostIPv6 || f[1].isEmpty ? last(f[2]) : last(f[1])
        let destination = innermostIPv6 || f[3].isEmpty ? last(f[4]) : last(f[3])
        let tcp = !f[7].isEmpty
        let (sourcePort, destinationPort) = tcp ? (last(f[7]), last(f[8])) : (last(f[5]), last(f[6]))
        let ids = values(f[9]), responses = values(f[10]), names = values(f[11]), types = values(f[12])
        var rcodes = values(f[13]), answers = values(f[14])
        if tcp == false && ids.count > 1 { return [] }
        return ids.indices.map { index in
            let id = UInt16(ids[index].dropFirst(2), radix: 16).map(String.init) ?? ids[index]
            let response = index < responses.count ? (responses[index] == "True" ? "1" : responses[index] == "False" ? "0" : responses[index]) : "0"
            let rcode = response == "1" && !rcodes.isEmpty ? rcodes.removeFirst() : "0"
            let answer = answers.isEmpty ? "0" : answers.removeFirst()
            let name = ids.count == names.count || index < names.count ? (index < names.count ? names[index].lowercased() : "") : ""
            let type = index < types.count ? types[index] : ""
            return [String(time), source, destination, sourcePort, destinationPort, tcp ? "tcp" : "udp", id, response,
                    name, type, rcode, answer].joined(separator: "\t")
        }
    }

    @Test("every corpus capture: dm-parse's UDP DNS messages equal tshark's")
    func udpMatchesTshark() throws {
        try #require(FileManager.default.fileExists(atPath: CaptureCorpusTests.corpus + "/public/MANIFEST.tsv"), "the shared corpus is missing")
        let directory = try TemporaryDirectory()
        let captures = try CaptureCorpusTests.captures().map(\.path).filter {
            !$0.hasSuffix(".lz4") && !$0.hasSuffix(".xz") && !$0.hasSuffix(".zst")
        }
        let list = directory.file("list")
        try captures.joined(separator: "\n").write(toFile: list, atomically: false, encoding: .utf8)
        let fields = Self.tsharkFields.map { "-e \($0)" }.joined(separator: " ")
        let tshark = try Programs.shell("""
            cd \(CaptureCorpusTests.corpus) && xargs -P 2 -I{} sh -c 'tshark -o ip.defragment:TRUE -o ipv6.defragment:TRUE \
            -o tcp.desegment_tcp_streams:TRUE -r "{}" -Y "\(Self.tsharkFilter)" -T fields -E separator=/t \(fields) \
            > "\(directory.path)/$(echo "{}" | tr / _).tshark" 2>/dev/null; true' < \(list)
            """)
        #expect(tshark.status == 0, "\(tshark.standardError)")
        var differing: [String] = []
        for capture in captures {
            let name = capture.replacingOccurrences(of: "/", with: "_")
            let ours = try Programs.shell("""
                \(Programs.product("dm-capture")) --pcap \(CaptureCorpusTests.corpus)/\(capture) 2>/dev/null \
                | \(Programs.product("dm-parse")) 2>/dev/null | python3 \(Programs.packageRoot)/Tests/oracle/dns_fields.py \
                > \(directory.path)/\(name).ours
                """)
            #expect(ours.status == 0, "\(capture): \(ours.standardError)")
            let mine = (try? String(contentsOfFile: "\(directory.path)/\(name).ours", encoding: .utf8)) ?? ""
            let theirs = (try? String(contentsOfFile: "\(directory.path)/\(name).tshark", encoding: .utf8)) ?? ""
            let a = mine.split(separator: "\n").map(String.init).sorted()
            let b = theirs.split(separator: "\n").flatMap(Self.normalise).sorted()
            if a != b {
                differing.append(capture)
                if Self.knownDifferences[capture] == nil {
                    let onlyOurs = Set(a).subtracting(b).prefix(3), onlyTheirs = Set(b).subtracting(a).prefix(3)
                    Issue.record("\(capture): \(a.count) messages, tshark \(b.count); only ours: \(Array(onlyOurs)); only tshark: \(Array(onlyTheirs))")
                }
            }
        }
        for capture in Self.knownDifferences.keys where !differing.contains(capture) {
            Issue.record("\(capture) is listed as a known difference but now matches: remove it from the list")
        }
    }
}
