/// The end-to-end ledger of a dm-capture | dm-parse | dm-filter | dm-out pipeline, from the
/// STATS of every stage process: where each captured packet and each DNS message ended, and
/// whether the hand-offs between stages add up.
///
///     captured      = kernel_dropped + sampled_out + to_parse
///     (dnstap)      captured = dnstap frames; messages = dnstap messages;
///                   records = dm-capture's records_written, straight to dm-filter
///     to_parse      = not_dns + fragments_joined + carrying_dns          (dm-parse)
///     messages      = malformed + dns_out                                (dm-parse)
///     dns_out       = filtered (by reason) + to_outputs                  (dm-filter)
///     to_outputs    = invalid + offered                                  (dm-out)
///     offered       = written + skipped + failed + unrendered, per sink  (dm-out)
///
/// A hand-off that does not add up (records lost between two processes, a stage that died
/// before its final STATS) is listed in ``unaccounted``.
public struct PipelineAccount: Sendable, Equatable {
    /// Packets the captures delivered (their share of a file, or what the kernel handed over)
    /// plus those the kernel dropped.
    public var captured: UInt64 = 0
    public var kernelDropped: UInt64 = 0
    public var sampledOut: UInt64 = 0
    /// Packets handed to dm-parse.
    public var toParse: UInt64 = 0
    /// Frames that carry no DNS: other link types, protocols, ports, broken headers.
    public var notDNS: UInt64 = 0
    /// IP fragments folded into reassembled datagrams (or still waiting, expired, refused).
    public var fragmentsJoined: UInt64 = 0
    /// UDP datagrams and TCP segments on a DNS port.
    public var carryingDNS: UInt64 = 0
    /// DNS messages found in them.
    public var messages: UInt64 = 0
    /// Messages that failed the wire check and were dropped.
    public var malformed: UInt64 = 0
    /// Messages dm-parse wrote.
    public var dnsOut: UInt64 = 0
    /// dnstap frames that were no dnstap message, messages without a DNS message, and DNS
    /// messages that failed the wire check (dnsmonster's `packetsInvalid`).
    public var dnstapInvalid: UInt64 = 0
    /// dm-filter's rejections by reason, in its order.
    public var filtered: [(name: String, value: UInt64)] = []
    /// DNS records dm-filter passed on.
    public var toOutputs: UInt64 = 0
    /// Per sink (dm-out's `stdout`, `file`, `syslog`): written, skipped, failed.
    public var sinks: [Sink] = []
    /// Records dm-out could not render (only messages kept malformed on request).
    public var unrendered: UInt64 = 0
    /// DNS records dm-out skipped because their layout was broken (not written by our stages).
    public var invalid: UInt64 = 0
    /// Every hand-off or identity that did not add up, and stages that sent no final STATS.
    public var unaccounted: [String] = []

    /// One sink's outcome.
    public struct Sink: Sendable, Equatable {
        public var name: String
        public var written: UInt64
        public var skipped: UInt64
        public var failed: UInt64

        public init(name: String, written: UInt64, skipped: UInt64, failed: UInt64) {
            self.name = name
            self.written = written
            self.skipped = skipped
            self.failed = failed
        }
    }

    /// dm-parse's counters of frames that carry no DNS message.
    static let notDNSCounters = [
        "unsupported_link", "not_ip", "truncated_frames", "malformed_ip", "other_protocols", "other_ports",
        "malformed_packet_records", "tunnel_not_ip", "tunnel_undecodable", "tunnel_too_deep",
    ]
    /// dm-filter's rejection counters; each rejected record is counted in exactly one.
    static let filterRejections = [
        "malformed", "qr_filtered", "rcode_filtered", "qtype_filtered", "skip_matched", "allow_missed", "duplicates", "sampled_out",
    ]

    public static func == (lhs: PipelineAccount, rhs: PipelineAccount) -> Bool {
        lhs.summaryLines == rhs.summaryLines
    }

    /// The ledger of `statistics`; `expectedProcesses` names how many processes of each stage
    /// ran, so a missing or unfinished one is reported.
    public init(_ statistics: PipelineStatistics, expectedProcesses: [String: Int] = [:]) {
        let s = statistics
        func sum(_ stage: String, _ counter: String) -> UInt64 { s.sum(stage, counter) }
        func check(_ what: String, _ expected: UInt64, _ found: UInt64) {
            if expected != found {
                let difference = expected > found ? "\(expected - found) missing" : "\(found - expected) more than expected"
                self.unaccounted.append("\(what): \(difference) (\(expected) expected, \(found) counted)")
            }
        }
        for (stage, count) in expectedProcesses.sorted(by: { $0.key < $1.key }) {
            let finished = s.finalCount(stage)
            if finished < count {
                self.unaccounted.append("\(stage): \(count - finished) of \(count) processes sent no final STATS (their counts are from the last periodic one, if any)")
            }
        }

        // dm-capture: each lane's share of the input.
        let read = sum("dm-capture", "packets_read") &- sum("dm-capture", "other_shards")
        self.kernelDropped = sum("dm-capture", "kernel_dropped") &+ sum("dm-capture", "interface_dropped")
        self.captured = read &+ self.kernelDropped
        self.sampledOut = sum("dm-capture", "sampled_out")
        let captureWritten = sum("dm-capture", "packets_written")
        if s.has("dm-capture") { check("dm-capture's packets", read, sum("dm-capture", "sampled_out") &+ captureWritten) }

        // dm-capture reading dnstap: messages instead of packets, DNS records straight out.
        let dnstapFrames = sum("dm-capture", "dnstap_frames")
        self.captured &+= dnstapFrames &- sum("dm-capture", "dnstap_other_shards")
        self.sampledOut &+= sum("dm-capture", "dnstap_sampled_out")
        self.dnstapInvalid = sum("dm-capture", "decode_errors") &+ sum("dm-capture", "without_dns_message")
            &+ sum("dm-capture", "malformed_messages") &- sum("dm-capture", "malformed_kept")
        if s.counterNames("dm-capture").contains("dnstap_frames") {
            self.messages &+= sum("dm-capture", "dnstap_messages")
            self.malformed &+= sum("dm-capture", "malformed_messages") &- sum("dm-capture", "malformed_kept")
            self.dnsOut &+= sum("dm-capture", "records_written")
        }

        // dm-parse: every packet ends in one outcome; fragments are folded into datagrams first.
        self.toParse = sum("dm-parse", "packets_in")
        if s.has("dm-capture") && s.has("dm-parse") { check("dm-capture → dm-parse packets", captureWritten, self.toParse) }
        self.notDNS = s.sum("dm-parse", Self.notDNSCounters)
        self.fragmentsJoined = sum("dm-parse", "ip_fragments") &- sum("dm-parse", "reassembled")
        self.carryingDNS = sum("dm-parse", "udp_messages") &+ sum("dm-parse", "tcp_segments")
        if s.has("dm-parse") {
            check("dm-parse's packets", self.toParse, self.notDNS &+ self.fragmentsJoined &+ self.carryingDNS)
        }
        self.messages &+= sum("dm-parse", "udp_messages") &+ sum("dm-parse", "tcp_messages")
        self.malformed &+= sum("dm-parse", "malformed_dns") &- sum("dm-parse", "malformed_kept")
        self.dnsOut &+= sum("dm-parse", "dns_out")
        if s.has("dm-parse") { check("dm-parse's messages", self.messages, self.malformed &+ self.dnsOut) }

        // dm-filter: each DNS record passed or rejected for one reason.
        let filterIn = sum("dm-filter", "dns_records")
        if s.has("dm-parse") && s.has("dm-filter") { check("dm-parse → dm-filter records", self.dnsOut, filterIn) }
        if !s.has("dm-parse") && dnstapFrames > 0 && s.has("dm-filter") { check("dm-capture → dm-filter records", self.dnsOut, filterIn) }
        self.filtered = Self.filterRejections.map { ($0, sum("dm-filter", $0)) }
        self.toOutputs = sum("dm-filter", "passed") &- sum("dm-filter", "other_records")
        if s.has("dm-filter") {
            check("dm-filter's records", filterIn, self.filtered.reduce(0) { $0 &+ $1.value } &+ self.toOutputs)
        }

        // dm-out: every record offered to every sink.
        let outIn = sum("dm-out", "dns_records")
        self.invalid = sum("dm-out", "invalid_records")
        if s.has("dm-filter") && s.has("dm-out") { check("dm-filter → dm-out records", self.toOutputs, outIn &+ self.invalid) }
        self.unrendered = sum("dm-out", "malformed_unrendered")
        for name in s.counterNames("dm-out") where name.hasSuffix("_written") {
            let sink = String(name.dropLast("_written".count))
            let entry = Sink(
                name: sink, written: sum("dm-out", name), skipped: sum("dm-out", sink + "_skipped"), failed: sum("dm-out", sink + "_failed"))
            self.sinks.append(entry)
            // A batching sink may keep records in its spool folder for the next run.
            let kept = sum("dm-out", sink + "_kept")
            check("dm-out's \(sink) records", outIn, entry.written &+ entry.skipped &+ entry.failed &+ kept &+ self.unrendered)
        }
    }

    /// The ledger as the lines dnsmonster prints on stderr at the end, `key=value` each.
    public var summaryLines: [String] {
        var lines = [
            "packets: captured=\(self.captured) kernel_dropped=\(self.kernelDropped) sampled_out=\(self.sampledOut) to_parse=\(self.toParse) not_dns=\(self.notDNS) fragments_joined=\(self.fragmentsJoined) carrying_dns=\(self.carryingDNS)",
            "messages: parsed=\(self.messages) malformed=\(self.malformed) "
                + self.filtered.map { "\($0.name == "malformed" ? "filter_malformed" : $0.name)=\($0.value)" }.joined(separator: " ")
                + " to_outputs=\(self.toOutputs)",
        ]
        if !self.sinks.isEmpty {
            lines.append("outputs: " + self.sinks.map { "\($0.name)_written=\($0.written) \($0.name)_skipped=\($0.skipped) \($0.name)_failed=\($0.failed)" }
                .joined(separator: " ") + " unrendered=\(self.unrendered) invalid=\(self.invalid)")
        }
        if self.unaccounted.isEmpty {
            lines.append("accounted: every packet and record is counted where it ended")
        } else {
            lines += self.unaccounted.map { "unaccounted: \($0)" }
        }
        return lines
    }
}
