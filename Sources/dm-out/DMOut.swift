import ArgumentParser
import DMClickHouse
import DMFormats
import DMRecord
import DMSinks
import DMStage
import DMStageCommand
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// `dm-out`: the last stage. DNS records become lines — dnsmonster's JSON, CSV, OCSF, a Go
/// template or readable text — on standard output, in a file and to syslog, each sink with
/// dnsmonster's output type (0–4) deciding by the domain-list flags dm-filter set.
@main
struct DMOut: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dm-out",
        abstract: "Write DNS records as dnsmonster's JSON (and more) to standard output, a file and syslog, and as DNS_LOG rows to ClickHouse.",
        discussion: """
            Formats: json (dnsmonster's JSON); csv and csv_no_header (dnsmonster's 22 columns, \
            addresses as integers; csv writes its header line once per sink; a message without a \
            question has no row and counts as no_line); json-ocsf (OCSF DNS Activity, rdata as \
            miekg's RR.String()); gotemplate (--template, a Go text/template: text, {{.Field.Path}}, \
            {{index .X N}}, {{len .X}}, {{printf "%s %d %v %q" …}}, {{if}}/{{else}}, \
            {{range .DNS.Answer}} with . each RR (.Hdr.Name, .Hdr.Ttl, .Hdr.Rrtype, …), {{- -}} \
            trims, pipes; anything else is refused at start-up with its position); text (one \
            readable line per message: time to the ms, transport, src > dst, id, query or \
            response RCODE, opcode/tc/do when set, the first question, ': ' and each answer's \
            type and data, then (+N ns, +M extra) — e.g. \
            2024-05-01T12:34:56.789Z udp 192.168.1.1:53 > 192.168.1.10:53211 id 4660 response \
            NOERROR www.example.com. IN A: CNAME example.com., A 93.184.216.34 (+1 ns, +0 extra)).

            With no sink given, JSON goes to standard output. Every sink has dnsmonster's \
            output type: 0 off, 1 everything, 2 leave out names on the skip list, 3 only names \
            on the allow list, 4 both; the lists are applied by dm-filter, which marks each \
            record (a record dm-filter did not mark is on neither list).

            SIGHUP reopens the output file (for logrotate); the sink can also rotate it by size \
            or age (PATH → PATH.1 → PATH.2 …). A syslog server that is down costs the records \
            sent meanwhile — counted as failed — never the pipeline.

            ClickHouse (--clickhouse HOST[:PORT], repeatable for failover): dnsmonster's \
            DNS_LOG rows, one per question, over the native protocol (uncompressed, LZ4 or \
            ZSTD; TLS with --clickhouse-secure), in the column types the table announces \
            (docs/clickhouse/; --clickhouse-create-schema creates or upgrades it). Rows go in \
            batches, when full or --clickhouse-delay old, from worker threads that never hold \
            up the other sinks; while the server is down they queue, then spool to \
            --spool-dir (replayed when it is back, also by the next run), else are dropped and \
            counted. clickhouse_written counts only rows the server confirmed.
            """ + "\n\n" + OutputCounters.help,
        version: DMRecordVersion.string)

    @Option(help: ArgumentHelp("Where to read DNS records: \(Endpoint.forms). Repeat it to merge several streams (the lanes of bin/dnsmonster): records are taken from each as they arrive, and the output ends when every input has ended (default: -).", valueName: "endpoint"))
    var input: [String] = []

    @Option(help: "The format of every sink without its own: \(RecordFormat.allValueStrings.joined(separator: ", ")).")
    var format: RecordFormat = .json

    @Option(help: ArgumentHelp("The Server column of csv and csv_no_header (dnsmonster's --serverName).", valueName: "name"))
    var serverName: String = "default"

    @Option(help: ArgumentHelp("The Go text/template of the gotemplate format, evaluated against dnsmonster's DNSResult (Timestamp, DNS.{Id,Response,…,Rcode,Question,Answer,Ns,Extra}, IPVersion, SrcIP, SrcPort, DstIP, DstPort, Protocol, PacketLength, Identity, Version).", valueName: "text"))
    var template: String = GoTemplate.defaultSource

    @Flag(help: "Escape <, > and & in JSON strings as \\u003c, \\u003e, \\u0026, as Go's encoding/json does (dnsmonster's usual builds write them as they are).")
    var jsonEscapeHTML = false

    @Flag(help: "Write to standard output (the default when no other sink is given).")
    var stdout = false

    @Option(help: ArgumentHelp("Format for standard output (default: --format).", valueName: "format"))
    var stdoutFormat: RecordFormat?

    @Option(help: ArgumentHelp("Output type for standard output, 0–4.", valueName: "type"))
    var stdoutType: OutputType = .all

    @Option(help: ArgumentHelp("Append lines to this file (created, with any missing folders above it; an existing device such as /dev/stdout is written to as it is).", valueName: "path"))
    var file: String?

    @Option(help: ArgumentHelp("Format for the file (default: --format).", valueName: "format"))
    var fileFormat: RecordFormat?

    @Option(help: ArgumentHelp("Output type for the file, 0–4.", valueName: "type"))
    var fileType: OutputType = .all

    @Option(help: ArgumentHelp("Rotate the file before it passes this size (e.g. 100M; 0: never).", valueName: "size"))
    var fileRotateSize: ByteCountArgument?

    @Option(help: ArgumentHelp("Rotate the file after it has been open this long (e.g. 1h, 1d).", valueName: "duration"))
    var fileRotateInterval: DurationArgument?

    @Option(help: ArgumentHelp("Rotated files to keep (PATH.1 … PATH.N; 0: delete at rotation).", valueName: "count"))
    var fileRotateKeep: Int = 4

    @Option(help: ArgumentHelp("Send to syslog: udp://HOST[:PORT], tcp://HOST[:PORT] or unix:///dev/log.", valueName: "address"))
    var syslog: String?

    @Option(help: ArgumentHelp("Format of the syslog message body (default: --format).", valueName: "format"))
    var syslogFormat: RecordFormat?

    @Option(help: ArgumentHelp("Output type for syslog, 0–4.", valueName: "type"))
    var syslogType: OutputType = .all

    @Option(help: ArgumentHelp("Syslog header: dnsmonster (as dnsmonster sends it: <9>TIME HOST TAG[PID]: with the time of sending, the message ending in a newline), rfc5424 or rfc3164 (with the capture time).", valueName: "header"))
    var syslogHeader: SyslogHeader.Format = .dnsmonster

    @Option(help: ArgumentHelp("Message framing over TCP (RFC 6587): newline or octet-counting (default: newline for the dnsmonster header, octet-counting for the RFC ones).", valueName: "framing"))
    var syslogFraming: SyslogSink.Framing?

    @Option(help: ArgumentHelp("Syslog facility: daemon, local0 … local7, user, … (default: user, as dnsmonster, for the dnsmonster header; local0 for the RFC ones).", valueName: "name"))
    var syslogFacility: String?

    @Option(help: ArgumentHelp("Syslog tag (APP-NAME) (default: --server-name for the dnsmonster header, as dnsmonster; dnsmonster for the RFC ones).", valueName: "name"))
    var syslogAppName: String?

    @Option(help: ArgumentHelp("Insert dnsmonster's DNS_LOG rows (one per question) into ClickHouse over its native protocol at HOST[:PORT] (default port 9000). Repeat it for failover: a worker whose server fails moves on to the next address.", valueName: "address"))
    var clickhouse: [String] = []

    @Option(help: ArgumentHelp("Output type for ClickHouse, 0–4.", valueName: "type"))
    var clickhouseType: OutputType = .all

    @Option(help: ArgumentHelp("The table (dnsmonster's DNS_LOG schema, docs/clickhouse/; a table with some of its columns, in other types, or more columns with defaults also works).", valueName: "name"))
    var clickhouseTable: String = "DNS_LOG"

    @Option(help: ArgumentHelp("The database to log in to.", valueName: "name"))
    var clickhouseDatabase: String = "default"

    @Option(help: ArgumentHelp("The user to log in as.", valueName: "name"))
    var clickhouseUser: String = "default"

    @Option(help: ArgumentHelp("The password (also from the environment variable DM_CLICKHOUSE_PASSWORD, which keeps it out of ps).", valueName: "text"))
    var clickhousePassword: String?

    @Flag(help: "Connect to ClickHouse over TLS (its secure native port, 9440 when an address has no port), checking the server's certificate and name.")
    var clickhouseSecure = false

    @Option(help: ArgumentHelp("With --clickhouse-secure: the PEM file of the CAs to trust (default: the system's store).", valueName: "path"))
    var clickhouseCaFile: String?

    @Flag(help: "With --clickhouse-secure: do not check the server's certificate (dnsmonster's --skipTLSVerification).")
    var clickhouseTlsSkipVerify = false

    @Option(help: ArgumentHelp("Compression of the blocks sent: none, lz4 or zstd.", valueName: "method"))
    var clickhouseCompression: ClickHouseCompression = .lz4

    @Option(help: ArgumentHelp("Rows per batch (one INSERT each).", valueName: "N"))
    var clickhouseBatchSize: Int = 100_000

    @Option(help: ArgumentHelp("The longest a record waits for its batch to fill (e.g. 1s, 200ms).", valueName: "duration"))
    var clickhouseDelay: DurationArgument = DurationArgument(argument: "1s")!

    @Option(help: ArgumentHelp("Parallel connections, each delivering its own batches.", valueName: "N"))
    var clickhouseWorkers: Int = 1

    @Flag(help: "Fill FullQuery with dnsmonster's JSON of the message (else it is empty, as in dnsmonster).")
    var clickhouseSaveFullQuery = false

    @Flag(help: "Fill Server with the record's dnstap identity when it has one (else --server-name).")
    var clickhouseUseDnstapIdentity = false

    @Flag(help: "Before inserting, create dnsmonster's schema (docs/clickhouse/: DNS_LOG, per-minute aggregates, DNS_SCHEMA_VERSION) on the first server reached, or bring it from an older version (dnsmonster's own is version 1) by adding what is missing; nothing is dropped.")
    var clickhouseCreateSchema = false

    @Option(help: ArgumentHelp("Print the schema --clickhouse-create-schema applies for a server of this kind (current: 20.1 and later; 18.16: older) and exit.", valueName: "variant"))
    var clickhousePrintSchema: ClickHouseSchema.Variant?

    @Option(help: ArgumentHelp("How long one send to or answer from ClickHouse may take before the connection counts as failed (connecting and logging in: 2s, as dnsmonster).", valueName: "duration"))
    var clickhouseTimeout: DurationArgument = DurationArgument(argument: "30s")!

    @Option(help: ArgumentHelp("Also write every block sent to this file in ClickHouse's Native format (for checking with clickhouse-local or chDB); without --clickhouse, write the rows only there, for the columns of --clickhouse-dump-structure.", valueName: "path"))
    var clickhouseDump: String?

    @Option(help: ArgumentHelp("The columns of --clickhouse-dump's file when there is no server to ask, as clickhouse-local's --structure: 'PacketTime DateTime64(3), Question String, …' (default: docs/clickhouse/tables.sql's DNS_LOG).", valueName: "structure"))
    var clickhouseDumpStructure: String?

    @Option(help: ArgumentHelp("Bytes of batches the ClickHouse queue holds while the server is slow or down, before it spools (e.g. 64M).", valueName: "size"))
    var clickhouseQueueSize: ByteCountArgument = ByteCountArgument(argument: "64M")!

    @Option(help: ArgumentHelp("Keep batches the queue has no room for in this folder (a subfolder per sink), across restarts, and replay them oldest first when the server is back (default: none: such records are dropped and counted).", valueName: "folder"))
    var spoolDir: String?

    @Option(help: ArgumentHelp("The most the spool folder of each sink holds; past it records are dropped and counted (e.g. 1G).", valueName: "size"))
    var spoolMax: ByteCountArgument = ByteCountArgument(argument: "1G")!

    @Option(help: ArgumentHelp("What a batch does when it finds a sink's queue full while the server works but is slower than the input: wait (dm-out reads on when there is room: for a file replayed) or spool (to --spool-dir, else dropped and counted: never holds up the other sinks, for live capture). During an outage batches always spool. Default: wait when every --input is a regular file, else spool.", valueName: "mode"))
    var queueFull: QueueFullMode?

    @Option(help: ArgumentHelp("At the end of the input or at SIGTERM, the sinks deliver what they hold while the server works; once deliveries have failed for this long, what is left is spooled (or counted as failed).", valueName: "duration"))
    var drainTimeout: DurationArgument = DurationArgument(argument: "5s")!

    @Option(help: ArgumentHelp("With several --input streams: arrival (as records come, a thread per input: live capture) or time (by capture time, each input being in capture order: the lanes of a replayed file come out in the file's order, still rendered on a thread per input).", valueName: "order"))
    var order: OutputStage.InputOrder = .arrival

    @Option(help: ArgumentHelp("Threads rendering records when there are several --input streams, each reading its share of them (default: one per input, at most one per CPU core; 1 renders everything on one thread, interleaving the inputs).", valueName: "N"))
    var threads: Int?

    @Option(help: ArgumentHelp("Also write every STATS record (the pipeline's and dm-out's own) as a record stream here.", valueName: "endpoint"))
    var statsOut: String?

    @Option(help: ArgumentHelp("Also write dm-out's own counters to --stats-out every N seconds while records flow (0: only the final ones; default 0).", valueName: "N"))
    var statsInterval: Double?

    func validate() throws {
        if let interval = self.statsInterval, !(interval >= 0 && interval <= 86_400) {
            throw ValidationError("--stats-interval must be between 0 and 86400 seconds, not \(interval)")
        }
        if let facility = self.syslogFacility, SyslogHeader.facilities[facility] == nil {
            throw ValidationError("--syslog-facility: unknown facility '\(facility)'; use one of \(SyslogHeader.facilities.keys.sorted().joined(separator: ", "))")
        }
        if let threads = self.threads, threads < 1 { throw ValidationError("--threads must be 1 or more") }
        guard self.fileRotateKeep >= 0 else { throw ValidationError("--file-rotate-keep must be 0 or more") }
        if self.file == nil && (self.fileRotateSize != nil || self.fileRotateInterval != nil) {
            throw ValidationError("--file-rotate-size and --file-rotate-interval need --file PATH")
        }
        if let syslog = self.syslog {
            do { _ = try SyslogAddress(parsing: syslog) } catch { throw ValidationError("--syslog \(error)") }
        }
        for address in self.clickhouse {
            do { _ = try ClickHouseAddress(parsing: address) } catch { throw ValidationError("--clickhouse \(error)") }
        }
        if !self.clickhouseSecure && (self.clickhouseCaFile != nil || self.clickhouseTlsSkipVerify) {
            throw ValidationError("--clickhouse-ca-file and --clickhouse-tls-skip-verify are for --clickhouse-secure")
        }
        if let structure = self.clickhouseDumpStructure {
            guard self.clickhouse.isEmpty && self.clickhouseDump != nil else {
                throw ValidationError("--clickhouse-dump-structure is for --clickhouse-dump without --clickhouse (with a server, its table decides)")
            }
            do { _ = try NativeBlock.columns(ofStructure: structure) } catch { throw ValidationError("--clickhouse-dump-structure: \(error)") }
        }
        guard self.clickhouseBatchSize >= 1 else { throw ValidationError("--clickhouse-batch-size must be 1 or more") }
        guard (1...64).contains(self.clickhouseWorkers) else { throw ValidationError("--clickhouse-workers must be between 1 and 64") }
        guard self.clickhouseDelay.nanoseconds > 0 else { throw ValidationError("--clickhouse-delay must be more than 0") }
        if [self.format, self.stdoutFormat, self.fileFormat, self.syslogFormat].contains(.gotemplate) {
            do { _ = try GoTemplate(self.template) } catch { throw ValidationError("--template: \(error)") }
        }
    }

    func run() throws {
        if let variant = self.clickhousePrintSchema {
            print(variant.text(table: self.clickhouseTable), terminator: "")
            return
        }
        try StageMain.run(tool: OutputStage.name) {
            let (entries, formats) = try self.makeSinks()
            let (readers, allFiles) = try self.openInputs()
            let recordSinks = try self.makeRecordSinks(waitsWhenFull: (self.queueFull ?? (allFiles ? .wait : .spool)) == .wait)
            let stats = try self.statsOut.map { StatsRelay(try StageOutput.open(try Endpoint(parsing: $0), tool: OutputStage.name)) }
            let stage = OutputStage(
                sinks: entries, recordSinks: recordSinks, formats: formats,
                formatOptions: FormatOptions(escapesHTML: self.jsonEscapeHTML, serverName: self.serverName, template: self.template),
                statsSchedule: StatsSchedule(seconds: self.statsInterval ?? 0), order: self.order)
            let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            try stage.run(readers: readers, threads: self.threads ?? cores, stats: stats)
        }
    }

    /// The sinks of DNS records the options ask for: ClickHouse.
    private func makeRecordSinks(waitsWhenFull: Bool) throws -> [SinkPlan.RecordSinkEntry] {
        guard !self.clickhouse.isEmpty || self.clickhouseDump != nil, self.clickhouseType != .disabled else { return [] }
        var options = ClickHouseSink.Options()
        if let structure = self.clickhouseDumpStructure { options.dumpColumns = try NativeBlock.columns(ofStructure: structure) }
        options.addresses = try self.clickhouse.map { try ClickHouseAddress(parsing: $0, defaultPort: self.clickhouseSecure ? 9440 : 9000) }
        if self.clickhouseSecure {
            options.connection.tls = .init(verify: !self.clickhouseTlsSkipVerify, caFile: self.clickhouseCaFile)
        }
        options.table = self.clickhouseTable
        options.connection.database = self.clickhouseDatabase
        options.connection.user = self.clickhouseUser
        options.connection.password = self.clickhousePassword ?? ProcessInformation.environmentValue("DM_CLICKHOUSE_PASSWORD") ?? ""
        options.connection.compression = self.clickhouseCompression.method
        options.connection.ioTimeoutNanoseconds = self.clickhouseTimeout.nanoseconds
        options.serverName = self.serverName
        options.useDnstapIdentity = self.clickhouseUseDnstapIdentity
        options.saveFullQuery = self.clickhouseSaveFullQuery
        options.escapesHTML = self.jsonEscapeHTML
        options.dumpPath = self.clickhouseDump
        options.createSchema = self.clickhouseCreateSchema
        options.schemaAppliedBy = "dm-out \(DMRecordVersion.string)"
        options.delivery.batchRecords = self.clickhouseBatchSize
        options.delivery.delayNanoseconds = self.clickhouseDelay.nanoseconds
        options.delivery.workers = self.clickhouseWorkers
        options.delivery.queueBytes = Int(clamping: self.clickhouseQueueSize.bytes)
        options.delivery.spoolFolder = self.spoolDir.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + "clickhouse" }
        options.delivery.spoolMaximumBytes = Int(clamping: self.spoolMax.bytes)
        options.delivery.drainNanoseconds = self.drainTimeout.nanoseconds
        options.delivery.waitsWhenFull = waitsWhenFull
        let sink = try ClickHouseSink(options: options) { StandardError.write("dm-out: \($0)\n") }
        return [SinkPlan.RecordSinkEntry(sink: sink, type: self.clickhouseType)]
    }

    /// A reader per input (--input, standard input when none is given), and whether every
    /// input is a regular file.
    private func openInputs() throws -> (readers: [RecordReader], allFiles: Bool) {
        var readers: [RecordReader] = []
        var allFiles = true
        for text in self.input.isEmpty ? ["-"] : self.input {
            let opened = try Endpoint(parsing: text).openForReading()
            allFiles = allFiles && FileDescriptorIO.isRegularFile(opened.fileDescriptor)
            readers.append(RecordReader(fileDescriptor: opened.fileDescriptor, inputName: opened.name, closesDescriptor: opened.owned))
        }
        return (readers, allFiles)
    }

    /// The sinks the options ask for, each with its output type and the index of its format
    /// in the returned formats.
    private func makeSinks() throws -> (sinks: [SinkPlan.Entry], formats: [RecordFormat]) {
        var renderers: [RecordFormat] = []
        func formatIndex(_ format: RecordFormat?) throws -> Int {
            let chosen = format ?? self.format
            if let index = renderers.firstIndex(of: chosen) { return index }
            renderers.append(chosen)
            return renderers.count - 1
        }
        var sinks: [SinkPlan.Entry] = []
        let wantsStdout = self.stdout || (self.file == nil && self.syslog == nil && self.clickhouse.isEmpty && self.clickhouseDump == nil)
        if wantsStdout && self.stdoutType != .disabled {
            let sink = try FileSink(.standardOutput) { StandardError.write("dm-out: \($0)\n") }
            sinks.append(.init(sink: sink, type: self.stdoutType, format: try formatIndex(self.stdoutFormat)))
        }
        if let path = self.file, self.fileType != .disabled {
            let rotation = FileSink.Rotation(
                maximumBytes: self.fileRotateSize?.bytes ?? 0, maximumAgeNanoseconds: self.fileRotateInterval?.nanoseconds ?? 0,
                keep: self.fileRotateKeep)
            let sink = try FileSink(.path(path), rotation: rotation) { StandardError.write("dm-out: \($0)\n") }
            sinks.append(.init(sink: sink, type: self.fileType, format: try formatIndex(self.fileFormat)))
        }
        if let syslog = self.syslog, self.syslogType != .disabled {
            let dnsmonsterHeader = self.syslogHeader == .dnsmonster
            let header = SyslogHeader(
                format: self.syslogHeader, facility: self.syslogFacility.flatMap { SyslogHeader.facilities[$0] },
                hostname: SyslogHeader.currentHostname(),
                appName: self.syslogAppName ?? (dnsmonsterHeader ? self.serverName : "dnsmonster"), processID: getpid())
            let framing = self.syslogFraming ?? (dnsmonsterHeader ? .newline : .octetCounting)
            let sink = SyslogSink(address: try SyslogAddress(parsing: syslog), header: header, framing: framing) {
                StandardError.write("dm-out: \($0)\n")
            }
            sinks.append(.init(sink: sink, type: self.syslogType, format: try formatIndex(self.syslogFormat)))
        }
        return (sinks, renderers)
    }
}
