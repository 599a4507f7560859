import ArgumentParser
import DMFilter
import DMRecord
import DMStage
import DMStageCommand

/// `dm-filter`: the record-to-record filter stage.
@main
struct DMFilter: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-filter",
        abstract: "Filter DNS records between dm-parse and dm-out.",
        discussion: """
            Without options dm-filter forwards every record unchanged. With options it decides \
            on each DNS record, in this order, and the first check that rejects it counts it: \
            malformed (a body that does not fit the DNS record layout), --qr, --rcode, --qtype, \
            the skip list, the allow list, --dedup, --sample. Records of other types (PACKET, \
            private types) always pass unchanged.

            Domain lists (--skip-domains, --allow-domains) are dnsmonster's CSV, one \
            'name,prefix|suffix|fqdn' per line; a line without exactly one comma is a whole-line \
            fqdn, an unknown kind means fqdn, blank lines and '#' lines are skipped. SRC is a file \
            or an http(s) URL (30 s timeout, 100 MB limit). The name matched is the first \
            question's. Matching is case-insensitive and label-aware, and names are made \
            absolute (a trailing dot added) in the list and in the query: 'google.com.,suffix' \
            matches google.com. and www.google.com. but not notgoogle.com.; 'ads.,prefix' matches \
            ads.example.net. but not adsx.example.net.; fqdn is the exact name. dnsmonster \
            compares plain strings instead (its suffix google.com. matches notgoogle.com., and \
            its tree lookup lets an entry's last character match any character, so xoogle.com. \
            and adsx.example.net. match too), and does not add the trailing dot (its list entry \
            google.com never matches). Lists are reloaded every --refresh interval, when a list \
            file changes (checked every 100 ms; replace files by rename, or they are read once \
            they stop changing for 100 ms) and on SIGHUP; a new list is built completely on a \
            background thread and swapped in between batches of records, so no record sees a \
            half-loaded list. A failed reload logs why and keeps the old list.

            By default a skip match is rejected and, with an allow list, a record without an \
            allow match is rejected (dnsmonster's output type 4); records pass unchanged. \
            --tag-only rejects nothing for the lists (other checks still reject) and sets the \
            match flags of every DNS record that reaches them (bit 0 skip match, bit 1 allow \
            match, bit 2 evaluated; earlier values replaced) so dm-out can apply per-sink types \
            1-4. A record without a readable question matches no list: it fails an allow list \
            and --qtype.

            Kept records go to --pass-to (default: --out, i.e. standard output), rejected ones \
            to --fail-to if given (dropped otherwise): the two streams partition the input, as \
            SiLK's rwfilter does. Both streams get every input header (with dm-filter's \
            provenance), every upstream STATS record, and dm-filter's final STATS, so each is \
            complete for accounting (consumers keep one STATS per stage, process and lane). \
            --mask4/--mask6 rewrite addresses in both streams.
            """ + "\n\n" + FilterCounters.help,
        version: DMRecordVersion.string)

    @Option(help: ArgumentHelp("Where to read records: \(Endpoint.forms).", valueName: "endpoint"))
    var input: String = "-"

    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("pass-to"), help: ArgumentHelp("Where kept records go (an endpoint like --out); replaces --out.", valueName: "dest"))
    var passTo: String?

    @Option(name: .customLong("fail-to"), help: ArgumentHelp("Where rejected records go (an endpoint like --out); without it they are dropped.", valueName: "dest"))
    var failTo: String?

    @Option(help: ArgumentHelp("Keep exactly A of every B DNS records (the first A of each run of B), after the other checks.", valueName: "A:B"))
    var sample: String?

    @Flag(help: "Drop a DNS record identical to one kept within --dedup-window (addresses, ports, transport, message bytes).")
    var dedup = false

    @Option(name: .customLong("dedup-window"), help: ArgumentHelp("The dedup window in capture time: 60s, 500ms, 2m, … (default 60s).", valueName: "duration"))
    var dedupWindow: DurationArgument?

    @Option(name: .customLong("dedup-capacity"), help: ArgumentHelp("Records the dedup table holds (default 1048576, 16 MiB); when full, the oldest entry of a bucket is evicted (dedup_evicted).", valueName: "n"))
    var dedupCapacity: Int?

    @Option(help: ArgumentHelp("Keep this many leading bits of IPv4 source and destination addresses (0-32).", valueName: "bits"))
    var mask4: Int = 32

    @Option(help: ArgumentHelp("Keep this many leading bits of IPv6 source and destination addresses (0-128).", valueName: "bits"))
    var mask6: Int = 128

    @Option(name: .customLong("skip-domains"), help: ArgumentHelp("Domain list (CSV file or http(s) URL) whose matches are rejected (or tagged).", valueName: "src"))
    var skipDomains: String?

    @Option(name: .customLong("allow-domains"), help: ArgumentHelp("Domain list (CSV file or http(s) URL) outside which records are rejected (or tagged).", valueName: "src"))
    var allowDomains: String?

    @Option(help: ArgumentHelp("Reload the domain lists this often: 60s, 5m, … ; 0 turns periodic reloads off (default 60s).", valueName: "duration"))
    var refresh: DurationArgument?

    @Option(help: ArgumentHelp("Give up on a list URL whose server sends nothing for this long (also the longest a connection may take to open, up to 10 s; default 30s, as dnsmonster). At start-up that ends dm-filter; on a reload the previous list stays, with a warning.", valueName: "duration"))
    var listTimeout: DurationArgument?

    @Flag(name: .customLong("tag-only"), help: "Set the match flags but reject nothing for the domain lists.")
    var tagOnly = false

    @Option(help: ArgumentHelp("Keep only queries or only responses (the QR bit).", valueName: "query|response"))
    var qr: QRSelection?

    @Option(help: ArgumentHelp("Keep only these header response codes: NOERROR,NXDOMAIN,… or numbers.", valueName: "list"))
    var rcode: String?

    @Option(help: ArgumentHelp("Keep only these first-question types: A,AAAA,HTTPS,TYPE65,… or numbers.", valueName: "list"))
    var qtype: String?

    func validate() throws {
        if let sample, RecordSampler(parsing: sample) == nil {
            throw ValidationError("--sample: expected A:B with 0 ≤ A ≤ B and B > 0, got '\(sample)'")
        }
        if AddressMask(bits4: self.mask4, bits6: 128) == nil { throw ValidationError("--mask4: expected 0-32 bits, got \(self.mask4)") }
        if AddressMask(bits4: 32, bits6: self.mask6) == nil { throw ValidationError("--mask6: expected 0-128 bits, got \(self.mask6)") }
        if !self.dedup && (self.dedupWindow != nil || self.dedupCapacity != nil) {
            throw ValidationError("--dedup-window and --dedup-capacity need --dedup")
        }
        if let capacity = self.dedupCapacity, capacity < 1 || capacity > 1 << 30 {
            throw ValidationError("--dedup-capacity: expected 1 to 1073741824, got \(capacity)")
        }
        if let window = self.dedupWindow, window.nanoseconds == 0 { throw ValidationError("--dedup-window must be more than 0") }
        if self.tagOnly && self.skipDomains == nil && self.allowDomains == nil {
            throw ValidationError("--tag-only needs --skip-domains or --allow-domains")
        }
        if self.refresh != nil && self.skipDomains == nil && self.allowDomains == nil {
            throw ValidationError("--refresh needs --skip-domains or --allow-domains")
        }
        if let timeout = self.listTimeout, timeout.nanoseconds < 1_000_000_000 {
            throw ValidationError("--list-timeout: at least 1s, got \(timeout.nanoseconds / 1_000_000) ms")
        }
        if self.passTo != nil && self.output.out != "-" {
            throw ValidationError("--pass-to replaces --out: give one of them")
        }
        if let failTo, failTo == (self.passTo ?? self.output.out) {
            throw ValidationError("--fail-to and the pass output are both '\(failTo)': give two different destinations")
        }
        if let rcode { do { _ = try DNSFieldSelection.responseCodes(rcode) } catch { throw ValidationError("--rcode: \(error)") } }
        if let qtype { do { _ = try DNSFieldSelection.queryTypes(qtype) } catch { throw ValidationError("--qtype: \(error)") } }
    }

    func run() throws {
        try StageMain.run(tool: FilterStage.name) {
            let log: @Sendable (String) -> Void = { StandardError.write("dm-filter: \($0)\n") }
            var plan = FilterPlan()
            plan.wantResponse = self.qr.map { $0 == .response }
            plan.rcodes = try self.rcode.map { try DNSFieldSelection.responseCodes($0) }
            plan.queryTypes = try self.qtype.map { try DNSFieldSelection.queryTypes($0) }
            plan.sampler = self.sample.flatMap { RecordSampler(parsing: $0) }
            if self.dedup {
                plan.deduplicator = Deduplicator(
                    windowNanoseconds: self.dedupWindow?.nanoseconds ?? 60_000_000_000, capacity: self.dedupCapacity ?? 1 << 20)
            }
            let mask = AddressMask(bits4: self.mask4, bits6: self.mask6)!
            plan.mask = mask.isIdentity ? nil : mask
            plan.tagOnly = self.tagOnly
            // Lists: the first load must succeed; later ones run on the watcher thread.
            let stallSeconds = Int((self.listTimeout?.nanoseconds ?? 30_000_000_000) / 1_000_000_000)
            let fetcher = HTTPListFetcher(connectSeconds: min(10, stallSeconds), stallSeconds: stallSeconds)
            let fetch: DomainListLoader.Fetcher = { try fetcher.fetch($0) }
            plan.skip = self.skipDomains.map { DomainListLoader(role: "skip", source: DomainListSource(parsing: $0), fetch: fetch, log: log) }
            plan.allow = self.allowDomains.map { DomainListLoader(role: "allow", source: DomainListSource(parsing: $0), fetch: fetch, log: log) }
            let loaders = [plan.skip, plan.allow].compactMap { $0 }
            // SIGHUP before the first load is remembered (StageSignals): the watcher reloads then.
            for loader in loaders { try loader.loadInitially() }
            if !loaders.isEmpty {
                try DomainListWatcher(loaders: loaders, refreshNanoseconds: self.refresh?.nanoseconds ?? 60_000_000_000).start()
            }

            let opened = try Endpoint(parsing: self.input).openForReading()
            let pass = try StageOutput.open(
                try Endpoint(parsing: self.passTo ?? self.output.out), tool: "dm-filter", compression: self.output.compress)
            pass.statsSchedule = StatsSchedule(seconds: self.output.statsInterval ?? 0)
            let fail = try self.failTo.map { try StageOutput.open(try Endpoint(parsing: $0), tool: "dm-filter", compression: self.output.compress) }
            let reader = RecordReader(fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned)
            try FilterStage(plan: plan, pass: pass, fail: fail).run(from: reader)
        }
    }
}

/// `--qr query|response`.
enum QRSelection: String, ExpressibleByArgument, CaseIterable {
    case query
    case response
}
