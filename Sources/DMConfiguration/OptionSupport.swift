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
        if let reason = goRuntimeKnobs[option.name] { return .ignored(reason) }
        preconditionFailure("option --\(option.name) has no support status; add it to OptionSupport")
    }

    private static let unbuiltOutputs: [(section: String, title: String)] = [
        ("clickhouse_output", "ClickHouse"), ("elastic_output", "Elastic"), ("influx_output", "InfluxDB"),
        ("kafka_output", "Kafka"), ("nats_output", "NATS"), ("parquet_output", "Parquet"),
        ("psql_output", "PostgreSQL"), ("sentinel_output", "Microsoft Sentinel"), ("splunk_output", "Splunk HEC"),
        ("victoria_output", "VictoriaLogs"), ("zinc_output", "Zinc"),
    ]

    private static let goRuntime = "a tuning knob of dnsmonster's Go runtime (goroutines, channels, GC) with no meaning in a pipeline of processes"

    private static let goRuntimeKnobs: [String: String] = [
        "packethandlercount": goRuntime, "tcpassemblychannelsize": goRuntime, "tcpresultchannelsize": goRuntime,
        "tcphandlercount": goRuntime, "defraggerchannelsize": goRuntime, "defraggerchannelreturnsize": goRuntime,
        "packetchannelsize": goRuntime, "resultchannelsize": goRuntime, "gctime": goRuntime, "gomaxprocs": goRuntime,
        "stdoutoutputworkercount": goRuntime,
    ]

    private static let explicit: [String: OptionSupport] = [
        // capture
        "devname": .mapped("dm-capture --iface"),
        "pcapfile": .mapped("dm-capture --pcap"),
        "dnstapsocket": .notYet("dnstap input needs a dm-dnstap stage, not built yet"),
        "dnstappermission": .ignored("only used by the dnstap socket, which is not built yet"),
        "port": .mapped("dm-parse --port"),
        "sampleratio": .mapped("dm-capture --sample (keeps exactly A of every B packets; dnsmonster's counter keeps more)"),
        "dedupcleanupinterval": .mapped("dm-filter --dedup-window"),
        "afpacketbuffersizemb": .mapped("dm-capture --buffer-mb"),
        "filter": .mapped("dm-capture --filter (live capture only, as in dnsmonster)"),
        "useafpacket": .ignored("dm-capture always captures through libpcap, which uses AF_PACKET (TPACKET_V3) on Linux"),
        "noetherframe": .mapped("dm-parse --no-ether"),
        "dedup": .mapped("dm-filter --dedup"),
        "nopromiscuous": .mapped("dm-capture --no-promiscuous"),
        // outputs that exist
        "fileoutputtype": .mapped("dm-out --file-type"),
        "fileoutputpath": .mapped("dm-out --file FOLDER/dnsmonster.log (dnsmonster's rolling writer names the file so; rotated files are FILE.1, FILE.2, … uncompressed)"),
        "fileoutputrotatecron": .mapped("dm-out --file-rotate-interval (@hourly, @daily, @weekly and their cron forms; by age, not wall clock)"),
        "fileoutputrotatecount": .mapped("dm-out --file-rotate-keep"),
        "fileoutputformat": .mapped("dm-out --file-format"),
        "fileoutputgotemplate": .mapped("dm-out --template"),
        "stdoutoutputtype": .mapped("dm-out --stdout --stdout-type"),
        "stdoutoutputformat": .mapped("dm-out --stdout-format"),
        "stdoutoutputgotemplate": .mapped("dm-out --template"),
        "syslogoutputtype": .mapped("dm-out --syslog-type"),
        "syslogoutputendpoint": .mapped("dm-out --syslog"),
        "kafkasaslcredentials": .notYet("dnsmonster declares it on an unexported field, so its own parser never reads it, and the Kafka output is not built yet"),
        // metrics
        "metricendpointtype": .wrapper("dnsmonster reads every stage's STATS and exports them: stderr lines, statsd over UDP, or a Prometheus endpoint"),
        "metricstatsdagent": .wrapper("the statsd agent's HOST:PORT (UDP)"),
        "metricprometheusendpoint": .wrapper("the address and path the Prometheus exposition is served at"),
        "metricstderrformat": .wrapper("json or kv metric lines on stderr"),
        "metricflushinterval": .wrapper("how often the stages report their counters and the metrics go out (0: only at the end)"),
        // general
        "config": .wrapper("reads the INI file"),
        "capturestatsdelay": .mapped("dm-capture --stats-interval (live capture)"),
        "masksize4": .mapped("dm-filter --mask4"),
        "masksize6": .mapped("dm-filter --mask6"),
        "servername": .mapped("dm-out --server-name"),
        "logformat": .ignored("the stages write plain text diagnostics on stderr"),
        "loglevel": .ignored("the stages write plain text diagnostics on stderr"),
        "cpuprofile": .ignored("Go's profiler; profile the stages with perf instead"),
        "memprofile": .ignored("Go's profiler; profile the stages with perf or heaptrack instead"),
        "packetlimit": .mapped("dm-capture --packet-limit"),
        "skipdomainsfile": .mapped("dm-filter --skip-domains --tag-only"),
        "skipdomainsrefreshinterval": .mapped("dm-filter --refresh"),
        "skipdomainsfiletype": .ignored("deprecated and hidden in dnsmonster; the list kinds are in the file"),
        "allowdomainsfile": .mapped("dm-filter --allow-domains --tag-only"),
        "allowdomainsrefreshinterval": .mapped("dm-filter --refresh"),
        "allowdomainsfiletype": .ignored("deprecated and hidden in dnsmonster; the list kinds are in the file"),
        "skiptlsverification": .notYet("dm-filter's list download always verifies TLS certificates"),
        "version": .wrapper("prints the version"),
        // help
        "help": .wrapper("prints the options"),
        "writeconfig": .wrapper("writes the effective INI"),
        // this dnsmonster's own
        "lanes": .wrapper("runs that many capture|parse|filter lanes into one dm-out"),
        "manpage": .notYet("no manual page is generated yet; see dnsmonster --help"),
        "bashcompletion": .notYet("no shell completion is generated yet"),
        "fishcompletion": .notYet("no shell completion is generated yet"),
        "systemdservice": .notYet("no systemd unit is generated yet"),
    ]
}
