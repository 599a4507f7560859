extension OptionTable {
    /// The INI section of the options dnsmonster for Swift adds (the Go dnsmonster has none of
    /// them; an INI file that sets them is for this dnsmonster only).
    static let extensionSection = (name: "swift", summary: "dnsmonster for Swift")

    /// Options the Go dnsmonster does not have, read like its own (flag, `DNSMONSTER_*`, INI).
    static let extensions: [OptionSpec] = [
        OptionSpec(
            name: "lanes",
            kind: .integer,
            defaultValue: "0",
            environment: "DNSMONSTER_LANES",
            section: extensionSection.name,
            summary: "Parallel capture|parse|filter lanes merged into one output; 0 means one per CPU core. A file is split flow by flow (dm-capture --shard I/N), an interface through a PACKET_FANOUT group; standard input is read by one lane"),
        OptionSpec(
            name: "clickhousecreateschema",
            kind: .boolean,
            defaultValue: "false",
            environment: "DNSMONSTER_CLICKHOUSECREATESCHEMA",
            section: extensionSection.name,
            summary: "Before inserting, create dnsmonster's ClickHouse schema (DNS_LOG, per-minute aggregates, DNS_SCHEMA_VERSION; docs/clickhouse/) or bring an older one (dnsmonster's own is version 1) to the current version by adding what is missing; nothing is dropped"),
    ]

    /// The keys of ``extensions``, written here beside them as the generator writes those of
    /// dnsmonster's options beside theirs.
    static let extensionKeys: [AnyOptionKey] = [
        AnyOptionKey(.lanes),
        AnyOptionKey(.clickhouseCreateSchema),
    ]
}

extension OptionKey where Value == Int64 {
    /// `--lanes`: parallel capture|parse|filter lanes, 0 for one per CPU core.
    public static var lanes: OptionKey<Int64> { OptionKey("lanes") }
}

extension OptionKey where Value == Bool {
    /// `--clickhouseCreateSchema`: create or bring up to date the ClickHouse schema before inserting.
    public static var clickhouseCreateSchema: OptionKey<Bool> { OptionKey("clickhousecreateschema") }
}
