/// Builds the stage command lines from dnsmonster's effective configuration: a lane of
/// dm-capture | dm-parse | dm-filter per core (or `--lanes`), merged into one dm-out.
///
/// Only options that differ from dnsmonster's defaults become stage flags (the stages' own
/// defaults are dnsmonster's), so a plain run gives short command lines.
public enum PipelinePlanner {
    /// The plan for `c` on `host` (the number of lanes and the fanout group come from it).
    public static func plan(_ c: Configuration, host: PlanningHost) throws(ConfigurationError) -> PipelinePlan {
        var notes = try SupportCheck.check(c)
        let metrics = try metricsSettings(c)
        // Every stage reports its counters once per flush interval, as the metrics go out.
        let statsInterval = metrics.flushIntervalNanoseconds > 0
            ? ["--stats-interval", seconds(metrics.flushIntervalNanoseconds)] : []
        let capture = try captureArguments(c, notes: &notes)
        // Live capture reports at --captureStatsDelay when it is given.
        let captureStatsInterval = c.isChanged(.captureStatsDelay) && !c[.devName].isEmpty ? [] : statsInterval
        var parse: [String] = []
        // Numbers go on to the stages as they were written (each stage parses them the same way),
        // so --dryRun shows the user's value.
        if c.isChanged(.port) { parse += ["--port", c.text(.port)] }
        if c[.noEtherframe] { parse.append("--no-ether") }
        parse += statsInterval
        let filter = try filterArguments(c, notes: &notes) + statsInterval
        var out = try outArguments(c, host: host, notes: &notes)
        let count = try laneCount(c, host: host, notes: &notes)
        let statsDescriptor = PipelinePlan.firstLaneDescriptor + Int32(count > 1 ? count : 0)
        out += ["--stats-out", "fd:\(statsDescriptor)"] + statsInterval
        var lanes: [PipelinePlan.Lane] = []
        for index in 0..<count {
            var laneCapture = capture
            if count > 1 {
                laneCapture += c[.devName].isEmpty
                    ? ["--shard", "\(index)/\(count)", "--lane", String(index)]
                    : ["--fanout-group", String(host.fanoutGroup), "--lane", String(index)]
            }
            laneCapture += captureStatsInterval
            // dnstap arrives as DNS messages: dm-capture writes DNS records, nothing to parse.
            lanes.append(PipelinePlan.Lane(
                capture: .init(name: "dm-capture", arguments: laneCapture),
                parse: c[.dnstapSocket].isEmpty ? .init(name: "dm-parse", arguments: parse) : nil,
                filter: .init(name: "dm-filter", arguments: filter)))
        }
        if count > 1 {
            out = (0..<count).flatMap { ["--input", "fd:\(PipelinePlan.firstLaneDescriptor + Int32($0))"] } + out
            // The lanes of a file each keep its order; merged by capture time the output is in
            // the file's order, as one reader writes it. A live capture keeps arrival order.
            if !c[.pcapFile].isEmpty { out = ["--order", "time"] + out }
        }
        var plan = PipelinePlan(
            lanes: lanes, out: .init(name: "dm-out", arguments: out), notes: notes, metrics: metrics, statsDescriptor: statsDescriptor,
            logLevel: c[.logLevel])
        // The password goes to dm-out in its environment, where ps does not show it.
        if c[.clickhouseOutputType] != 0 && !c[.clickhousePassword].isEmpty {
            plan.environment["DM_CLICKHOUSE_PASSWORD"] = c[.clickhousePassword]
        }
        return plan
    }

    /// dnsmonster's `[metric]` options; the endpoint an endpoint type needs must be given.
    static func metricsSettings(_ c: Configuration) throws(ConfigurationError) -> PipelinePlan.Metrics {
        let type = c[.metricEndpointType]
        let metrics = PipelinePlan.Metrics(
            endpointType: type, stderrFormat: c[.metricStderrFormat], statsdAgent: c[.metricStatsdAgent],
            prometheusEndpoint: c[.metricPrometheusEndpoint], flushIntervalNanoseconds: c[.metricFlushInterval].nanoseconds,
            serverName: c[.serverName])
        guard metrics.flushIntervalNanoseconds >= 0 else {
            throw .invalidValue(.metricFlushInterval, value: c.text(.metricFlushInterval), expected: "a duration of 0 (only at the end) or more, such as 10s", source: c.source(.metricFlushInterval))
        }
        if type == "statsd" && metrics.statsdAgent.isEmpty {
            throw .conflict("--metricEndpointType=statsd needs --metricStatsdAgent=HOST:PORT (such as 127.0.0.1:8125)")
        }
        if type == "prometheus" && metrics.prometheusEndpoint.isEmpty {
            throw .conflict("--metricEndpointType=prometheus needs --metricPrometheusEndpoint=http://HOST:PORT/PATH (such as http://0.0.0.0:2112/metrics)")
        }
        return metrics
    }

    /// `--lanes`, 0 meaning one per core; one lane where splitting cannot keep the meaning.
    static func laneCount(_ c: Configuration, host: PlanningHost, notes: inout [String]) throws(ConfigurationError) -> Int {
        let requested = c[.lanes]
        guard requested >= 0, requested <= 64 else {
            throw .invalidValue(.lanes, value: c.text(.lanes), expected: "a number of lanes from 1 to 64, or 0 for one per CPU core", source: c.source(.lanes))
        }
        let wanted = requested == 0 ? max(1, min(host.cores, 64)) : Int(requested)
        guard wanted > 1 else { return 1 }
        if !c[.dnstapSocket].isEmpty {
            if requested > 1 { notes.append("--lanes=\(requested): one dnstap listener serves every writer, so one lane runs") }
            return 1
        }
        let capture = c[.pcapFile]
        if capture == "-" {
            if requested > 1 { notes.append("--lanes=\(requested): standard input cannot be split, so one lane reads it") }
            return 1
        }
        if !capture.isEmpty && host.fileKind(capture) == .other {
            // Lanes split a file by opening it each; a stream read by several would be shared
            // between them, each losing what the others took.
            if requested > 1 { notes.append("--lanes=\(requested): \(capture) is a stream (a pipe, FIFO or device), not a file, so one lane reads it") }
            return 1
        }
        if c[.packetLimit] > 0 {
            if requested > 1 { notes.append("--lanes=\(requested): --packetLimit counts the packets of one reader, so one lane runs") }
            return 1
        }
        return wanted
    }

    static func captureArguments(_ c: Configuration, notes: inout [String]) throws(ConfigurationError) -> [String] {
        let device = c[.devName], file = c[.pcapFile], dnstap = c[.dnstapSocket]
        let inputs = [("--devName", device), ("--pcapFile", file), ("--dnstapSocket", dnstap)].filter { !$0.1.isEmpty }
        if inputs.count > 1 {
            throw .conflict(inputs.map { "\($0.0)=\($0.1)" }.joined(separator: " and ") + " name more than one input: give one (one lane reads one source)")
        }
        var arguments: [String]
        if !dnstap.isEmpty {
            arguments = ["--dnstap", dnstap]
            if c.isChanged(.dnstapPermission) { arguments += ["--dnstap-permission", c[.dnstapPermission]] }
            if c.isChanged(.filter) { notes.append("--filter applies to live capture only (--devName), not to dnstap") }
            if c.isChanged(.sampleRatio) || c[.packetLimit] > 0 {
                notes.append("--sampleRatio and --packetLimit select captured packets; dnstap messages are not sampled or limited")
            }
            return arguments
        }
        switch (device.isEmpty, file.isEmpty) {
        case (false, false):
            throw .conflict("--devName=\(device) and --pcapFile=\(file) both name an input: give one (one lane reads one source)")
        case (true, true):
            throw .noInput
        case (false, true):
            arguments = ["--iface", device]
            if c.isChanged(.filter) { arguments += ["--filter", c[.filter]] }
            if c[.noPromiscuous] { arguments.append("--no-promiscuous") }
            if c.isChanged(.afpacketBuffersizeMB) { arguments += ["--buffer-mb", c.text(.afpacketBuffersizeMB)] }
            if c.isChanged(.captureStatsDelay) {
                arguments += ["--stats-interval", seconds(c[.captureStatsDelay].nanoseconds)]
            }
        case (true, false):
            arguments = ["--input", file]
            if c.isChanged(.filter) {
                notes.append("--filter applies to live capture only (--devName); dnsmonster ignores it for files too")
            }
        }
        if c.isChanged(.sampleRatio) {
            let ratio = c[.sampleRatio]
            let parts = ratio.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard parts.count == 2, let a = parts[0], let b = parts[1], a > 0, b > 0, a <= b else {
                throw .invalidValue(.sampleRatio, value: ratio, expected: "A:B with 0 < A ≤ B, such as 1:10", source: c.source(.sampleRatio))
            }
            if a != b {
                arguments += ["--sample", "\(a):\(b)"]
                notes.append("--sampleRatio=\(a):\(b) keeps exactly \(a) of every \(b) packets (dnsmonster's counter keeps more, e.g. ~25 % for 1:10)")
            }
        }
        if c[.packetLimit] > 0 { arguments += ["--packet-limit", c.text(.packetLimit)] }
        return arguments
    }

    static func filterArguments(_ c: Configuration, notes: inout [String]) throws(ConfigurationError) -> [String] {
        var arguments: [String] = []
        if c.isChanged(.maskSize4) { arguments += ["--mask4", try bits(c, .maskSize4, limit: 32)] }
        if c.isChanged(.maskSize6) { arguments += ["--mask6", try bits(c, .maskSize6, limit: 128)] }
        if c[.dedup] {
            arguments += ["--dedup", "--dedup-window", GoValue.stageDuration(nanoseconds: c[.dedupCleanupInterval].nanoseconds)]
        }
        let skip = c[.skipDomainsFile], allow = c[.allowDomainsFile]
        if !skip.isEmpty { arguments += ["--skip-domains", skip] }
        if !allow.isEmpty { arguments += ["--allow-domains", allow] }
        if !skip.isEmpty || !allow.isEmpty {
            // The lists only mark records; each dm-out sink applies them by its output type, as dnsmonster does.
            arguments.append("--tag-only")
            var intervals: [Int64] = []
            if !skip.isEmpty { intervals.append(c[.skipDomainsRefreshInterval].nanoseconds) }
            if !allow.isEmpty { intervals.append(c[.allowDomainsRefreshInterval].nanoseconds) }
            let refresh = intervals.min()!
            if Set(intervals).count > 1 {
                notes.append("dm-filter reloads both lists on one interval: using the shorter, \(GoValue.stageDuration(nanoseconds: refresh))")
            }
            if refresh != 60_000_000_000 { arguments += ["--refresh", GoValue.stageDuration(nanoseconds: refresh)] }
        }
        return arguments
    }

    static func outArguments(_ c: Configuration, host: PlanningHost, notes: inout [String]) throws(ConfigurationError) -> [String] {
        var arguments: [String] = []
        var templates: Set<String> = []
        let stdoutType = c[.stdoutOutputType], fileType = c[.fileOutputType], syslogType = c[.syslogOutputType]
        if stdoutType != 0 {
            arguments += ["--stdout", "--stdout-type", String(stdoutType)]
            let format = c[.stdoutOutputFormat]
            if format != "json" { arguments += ["--stdout-format", format] }
            if format == "gotemplate" { templates.insert(c[.stdoutOutputGoTemplate]) }
        }
        if fileType != 0 {
            let folder = c[.fileOutputPath]
            guard !folder.isEmpty else {
                throw .conflict("--fileOutputType=\(fileType) needs --fileOutputPath=FOLDER (dnsmonster writes FOLDER/dnsmonster.log)")
            }
            let kind = host.fileKind(folder)
            let file = kind == .regularFile || kind == .other ? folder : logFile(in: folder)
            arguments += ["--file", file, "--file-type", String(fileType)]
            let format = c[.fileOutputFormat]
            if format != "json" { arguments += ["--file-format", format] }
            if format == "gotemplate" { templates.insert(c[.fileOutputGoTemplate]) }
            let keep = c[.fileOutputRotateCount]
            if keep > 0 {
                arguments += ["--file-rotate-interval", try rotationInterval(c), "--file-rotate-keep", String(keep)]
            }
        }
        if syslogType != 0 {
            arguments += ["--syslog", c[.syslogOutputEndpoint], "--syslog-type", String(syslogType)]
        }
        let clickhouseType = c[.clickhouseOutputType]
        if clickhouseType != 0 {
            arguments += try clickhouseArguments(c, type: clickhouseType)
        }
        if stdoutType == 0 && fileType == 0 && syslogType == 0 && clickhouseType == 0 {
            // dm-out writes to standard output when given no sink; dnsmonster writes nothing.
            arguments += ["--stdout", "--stdout-type", "0"]
            notes.append("no output is enabled (every *OutputType is 0): records are counted, not written; try --stdoutOutputType=1")
        }
        if templates.count > 1 {
            throw .conflict("--stdoutOutputGoTemplate and --fileOutputGoTemplate differ: dm-out takes one --template for every sink yet")
        }
        if let template = templates.first { arguments += ["--template", template] }
        if c.isChanged(.serverName) { arguments += ["--server-name", c[.serverName]] }
        return arguments
    }

    /// dm-out's ClickHouse options for dnsmonster's `[clickhouse_output]`.
    static func clickhouseArguments(_ c: Configuration, type: UInt64) throws(ConfigurationError) -> [String] {
        let addresses = c[.clickhouseAddress]
        guard !addresses.isEmpty else { throw .conflict("--clickhouseOutputType=\(type) needs --clickhouseAddress=HOST:PORT") }
        var arguments = addresses.flatMap { ["--clickhouse", $0] } + ["--clickhouse-type", String(type)]
        if c.isChanged(.clickhouseTable) { arguments += ["--clickhouse-table", c[.clickhouseTable]] }
        if c.isChanged(.clickhouseDatabase) { arguments += ["--clickhouse-database", c[.clickhouseDatabase]] }
        if !c[.clickhouseUsername].isEmpty { arguments += ["--clickhouse-user", c[.clickhouseUsername]] }
        // dnsmonster's --clickhouseCompress is an LZ4 level, 0 (its default) for none.
        arguments += ["--clickhouse-compression", c[.clickhouseCompress] > 0 ? "lz4" : "none"]
        if c.isChanged(.clickhouseBatchSize) { arguments += ["--clickhouse-batch-size", String(c[.clickhouseBatchSize])] }
        let delay = c[.clickhouseDelay].nanoseconds
        if delay > 0 { arguments += ["--clickhouse-delay", GoValue.stageDuration(nanoseconds: delay)] }
        if c.isChanged(.clickhouseWorkers) { arguments += ["--clickhouse-workers", String(c[.clickhouseWorkers])] }
        if c[.clickhouseSaveFullQuery] { arguments.append("--clickhouse-save-full-query") }
        if c[.clickhouseUseDnstapIdentity] { arguments.append("--clickhouse-use-dnstap-identity") }
        if c[.clickhouseCreateSchema] { arguments.append("--clickhouse-create-schema") }
        if c[.clickhouseSecure] {
            arguments.append("--clickhouse-secure")
            if c[.skipTLSVerification] { arguments.append("--clickhouse-tls-skip-verify") }
        }
        // A file replayed can wait for a server slower than the file is read; live capture cannot.
        if !c[.pcapFile].isEmpty { arguments += ["--queue-full", "wait"] }
        return arguments
    }

    /// The file dnsmonster's file output writes when `--fileOutputPath` is a folder (or does not
    /// exist yet: dm-out creates it, as dnsmonster's MkdirAll does): its rolling writer names
    /// the file `dnsmonster.log` in it.
    static func logFile(in folder: String) -> String {
        (folder.hasSuffix("/") ? folder : folder + "/") + "dnsmonster.log"
    }

    /// dnsmonster's rotation cron as dm-out's rotation age.
    static func rotationInterval(_ c: Configuration) throws(ConfigurationError) -> String {
        let cron = c[.fileOutputRotateCron].split(separator: " ").joined(separator: " ")
        switch cron {
        case "@hourly", "0 * * * *": return "1h"
        case "@daily", "@midnight", "0 0 * * *": return "1d"
        case "@weekly", "0 0 * * 0": return "7d"
        default:
            throw .notYetSupported(
                .fileOutputRotateCron, value: cron, source: c.source(.fileOutputRotateCron),
                reason: "dm-out rotates by age (--file-rotate-interval), so only @hourly, @daily and @weekly (or their cron forms) translate; use one of them or --fileOutputRotateCount=0")
        }
    }

    private static func bits(_ c: Configuration, _ key: OptionKey<Int64>, limit: Int64) throws(ConfigurationError) -> String {
        let value = c[key]
        guard value >= 0 && value <= limit else {
            throw .invalidValue(key, value: c.text(key), expected: "a number of bits from 0 to \(limit)", source: c.source(key))
        }
        return String(value)
    }

    private static func seconds(_ nanoseconds: Int64) -> String {
        let text = String(Double(nanoseconds) / 1e9)
        return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
