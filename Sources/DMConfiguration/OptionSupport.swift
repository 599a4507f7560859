/// How this dnsmonster treats each of dnsmonster's options.
public enum OptionSupport: Sendable, Equatable {
    /// Mapped to a stage flag (the text names it).
    case mapped(String)
    /// Handled by the `dnsmonster` wrapper itself.
    case wrapper(String)
    /// Accepted and ignored; the reason is printed once on stderr when the option is set.
    case ignored(String)
    /// Refused when set to anything but its default; the text says what will bring it.
    case notYet(String)

    /// The support status of an option of flags.txt.
    public static func of(_ option: OptionSpec) -> OptionSupport {
        if let status = explicit[option.name] { return status }
        if let output = unbuiltOutputs.first(where: { option.section == $0.section }) {
            if option.name.hasSuffix("outputtype") {
                return .notYet("the \(output.title) output is not built yet; it will come as a dm-out sink or its own stage after issue #7 (until then pipe dm-out's JSON to a shipper)")
            }
            return .ignored("a setting of the \(output.title) output, which is not built yet (its output type must stay 0)")
        }
        if goRuntimeKnobs.contains(option.name) { return .ignored(goRuntime) }
        preconditionFailure("option --\(option.name) has no support status; add it to OptionSupport")
    }

    private static let unbuiltOutputs: [(section: String, title: String)] = [
        ("elastic_output", "Elastic"), ("influx_output", "InfluxDB"),
        ("kafka_output", "Kafka"), ("nats_output", "NATS"), ("parquet_output", "Parquet"),
        ("psql_output", "PostgreSQL"), ("sentinel_output", "Microsoft Sentinel"), ("splunk_output", "Splunk HEC"),
        ("victoria_output", "VictoriaLogs"), ("zinc_output", "Zinc"),
    ]

    /// An entry of ``explicit``, keyed by the option's name: written with the option's key so
    /// that a misspelt option fails to compile instead of leaving the real one without a status.
    private static func entry<Value>(_ key: OptionKey<Value>, _ status: OptionSupport) -> (String, OptionSupport) {
        (key.name, status)
    }

    private static let goRuntime = "a tuning knob of dnsmonster's Go runtime (goroutines, channels, GC) with no meaning in a pipeline of processes"

    private static let goRuntimeKnobs: Set<String> = [
        OptionKey.packetHandlerCount.name,
        OptionKey.tcpAssemblyChannelSize.name,
        OptionKey.tcpResultChannelSize.name,
        OptionKey.tcpHandlerCount.name,
        OptionKey.defraggerChannelSize.name,
        OptionKey.defraggerChannelReturnSize.name,
        OptionKey.packetChannelSize.name,
        OptionKey.resultChannelSize.name,
        OptionKey.gcTime.name,
        OptionKey.goMaxProcs.name,
        OptionKey.stdoutOutputWorkerCount.name,
    ]

    private static let explicit: [String: OptionSupport] = Dictionary(uniqueKeysWithValues: [
        // capture
        entry(.devName, .mapped("dm-capture --iface")),
        entry(.pcapFile, .mapped("dm-capture --input")),
        entry(.dnstapSocket, .mapped("dm-capture --dnstap: one Frame Streams listener for every writer, about 1M messages/s on its core, DNS records straight to dm-filter; for more, one dnsmonster per resolver socket")),
        entry(.dnstapPermission, .mapped("dm-capture --dnstap-permission")),
        entry(.port, .mapped("dm-parse --port")),
        entry(.sampleRatio, .mapped("dm-capture --sample (keeps exactly A of every B packets; dnsmonster's counter keeps more)")),
        entry(.dedupCleanupInterval, .mapped("dm-filter --dedup-window")),
        entry(.afpacketBuffersizeMB, .mapped("dm-capture --buffer-mb")),
        entry(.filter, .mapped("dm-capture --filter (live capture only, as in dnsmonster)")),
        entry(.useAfpacket, .ignored("dm-capture always captures through libpcap, which uses AF_PACKET (TPACKET_V3) on Linux")),
        entry(.noEtherframe, .mapped("dm-parse --no-ether")),
        entry(.dedup, .mapped("dm-filter --dedup")),
        entry(.noPromiscuous, .mapped("dm-capture --no-promiscuous")),
        // outputs that exist
        entry(.fileOutputType, .mapped("dm-out --file-type")),
        entry(.fileOutputPath, .mapped("dm-out --file FOLDER/dnsmonster.log (dnsmonster's rolling writer names the file so; the folder is created when missing; an existing file or device such as /dev/stdout is written to itself; rotated files are FILE.1, FILE.2, … uncompressed)")),
        entry(.fileOutputRotateCron, .mapped("dm-out --file-rotate-interval (@hourly, @daily, @weekly and their cron forms; by age, not wall clock)")),
        entry(.fileOutputRotateCount, .mapped("dm-out --file-rotate-keep")),
        entry(.fileOutputFormat, .mapped("dm-out --file-format")),
        entry(.fileOutputGoTemplate, .mapped("dm-out --template")),
        entry(.stdoutOutputType, .mapped("dm-out --stdout --stdout-type")),
        entry(.stdoutOutputFormat, .mapped("dm-out --stdout-format")),
        entry(.stdoutOutputGoTemplate, .mapped("dm-out --template")),
        entry(.syslogOutputType, .mapped("dm-out --syslog-type")),
        entry(.syslogOutputEndpoint, .mapped("dm-out --syslog")),
        entry(.clickhouseOutputType, .mapped("dm-out --clickhouse-type")),
        entry(.clickhouseAddress, .mapped("dm-out --clickhouse (each address; a worker whose server fails moves on to the next)")),
        entry(.clickhouseUsername, .mapped("dm-out --clickhouse-user (empty: default)")),
        entry(.clickhousePassword, .mapped("dm-out's environment DM_CLICKHOUSE_PASSWORD (kept out of ps)")),
        entry(.clickhouseDatabase, .mapped("dm-out --clickhouse-database")),
        entry(.clickhouseTable, .mapped("dm-out --clickhouse-table")),
        entry(.clickhouseDelay, .mapped("dm-out --clickhouse-delay (0, dnsmonster's default, means 1s here: a batch goes out when full or when its first record is that old)")),
        entry(.clickhouseCompress, .mapped("dm-out --clickhouse-compression (0: none, as dnsmonster; any level: lz4)")),
        entry(.clickhouseBatchSize, .mapped("dm-out --clickhouse-batch-size")),
        entry(.clickhouseWorkers, .mapped("dm-out --clickhouse-workers (parallel connections)")),
        entry(.clickhouseSaveFullQuery, .mapped("dm-out --clickhouse-save-full-query")),
        entry(.clickhouseUseDnstapIdentity, .mapped("dm-out --clickhouse-use-dnstap-identity")),
        entry(.clickhouseSecure, .mapped("dm-out --clickhouse-secure (TLS 1.2+, the certificate and name checked against the system's CA store)")),
        entry(.clickhouseDebug, .ignored("dm-out reports the server it reached, each outage and each refusal itself")),
        entry(.clickhouseWorkerChannelSize, .ignored("dnsmonster does not use it either; dm-out's queue is --clickhouse-queue-size bytes")),
        entry(.kafkaSASLCredentials, .notYet("dnsmonster declares it on an unexported field, so its own parser never reads it, and the Kafka output is not built yet")),
        // metrics
        entry(.metricEndpointType, .wrapper("dnsmonster reads every stage's STATS and exports them: stderr lines, statsd over UDP, or a Prometheus endpoint")),
        entry(.metricStatsdAgent, .wrapper("the statsd agent's HOST:PORT (UDP)")),
        entry(.metricPrometheusEndpoint, .wrapper("the address and path the Prometheus exposition is served at")),
        entry(.metricStderrFormat, .wrapper("json or kv metric lines on stderr")),
        entry(.metricFlushInterval, .wrapper("how often the stages report their counters and the metrics go out (0: only at the end)")),
        // general
        entry(.config, .wrapper("reads the INI file")),
        entry(.captureStatsDelay, .mapped("dm-capture --stats-interval (live capture)")),
        entry(.maskSize4, .mapped("dm-filter --mask4")),
        entry(.maskSize6, .mapped("dm-filter --mask6")),
        entry(.serverName, .mapped("dm-out --server-name")),
        entry(.logFormat, .ignored("the stages write plain text diagnostics on stderr")),
        entry(.logLevel, .wrapper("what of the stages' stderr dnsmonster passes on: errors always, each only once; warnings from 2 (WARN); at 4 (DEBUG) every line of every stage, their counter lines at exit included")),
        entry(.cpuProfile, .ignored("Go's profiler; profile the stages with perf instead")),
        entry(.memProfile, .ignored("Go's profiler; profile the stages with perf or heaptrack instead")),
        entry(.packetLimit, .mapped("dm-capture --packet-limit")),
        entry(.skipDomainsFile, .mapped("dm-filter --skip-domains --tag-only")),
        entry(.skipDomainsRefreshInterval, .mapped("dm-filter --refresh")),
        entry(.skipDomainsFileType, .ignored("deprecated and hidden in dnsmonster; the list kinds are in the file")),
        entry(.allowDomainsFile, .mapped("dm-filter --allow-domains --tag-only")),
        entry(.allowDomainsRefreshInterval, .mapped("dm-filter --refresh")),
        entry(.allowDomainsFileType, .ignored("deprecated and hidden in dnsmonster; the list kinds are in the file")),
        entry(.skipTLSVerification, .mapped("dm-out --clickhouse-tls-skip-verify (ClickHouse over TLS); dm-filter's list downloads still verify certificates")),
        entry(.version, .wrapper("prints the version")),
        // help
        entry(.help, .wrapper("prints the options")),
        entry(.writeConfig, .wrapper("writes the effective INI")),
        // this dnsmonster's own
        entry(.lanes, .wrapper("runs that many capture|parse|filter lanes into one dm-out")),
        entry(.clickhouseCreateSchema, .mapped("dm-out --clickhouse-create-schema")),
        entry(.manPage, .notYet("no manual page is generated yet; see dnsmonster --help")),
        entry(.bashCompletion, .notYet("no shell completion is generated yet")),
        entry(.fishCompletion, .notYet("no shell completion is generated yet")),
        entry(.systemdService, .notYet("no systemd unit is generated yet")),
    ])
}
