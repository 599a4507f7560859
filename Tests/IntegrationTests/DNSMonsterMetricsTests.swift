import DMMetrics
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// bin/dnsmonster's metrics and end-of-run ledger: stderr lines in both formats, statsd
/// datagrams at a UDP listener, a real Prometheus scraping the endpoint of a live run, and
/// metric options that cannot work refused before anything starts.
@Suite("dnsmonster metrics", .serialized)
struct DNSMonsterMetricsTests {
    static let sample = Programs.packageRoot + "/examples/sample.pcap"

    /// The `metrics:` lines of dnsmonster's stderr, each as name → value.
    static func metricLines(_ standardError: String) -> [[String: Double]] {
        standardError.split(separator: "\n").compactMap { line -> [String: Double]? in
            // `<RFC 3339 time> metrics: {…}`, as dnsmonster prints it.
            guard line.first?.isNumber == true, let range = line.range(of: " metrics: ") else { return nil }
            let body = line[range.upperBound...]
            if body.hasPrefix("{") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [String: Double]] else { return nil }
                return object.compactMapValues { $0["count"] ?? $0["value"] }
            }
            var values: [String: Double] = [:]
            for pair in body.split(separator: " ") {
                let parts = pair.split(separator: "=")
                if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
            }
            return values
        }
    }

    @Test("stderr: one metrics line at the end, in either format, agreeing with the ledger", arguments: ["json", "kv"])
    func stderrAtTheEnd(format: String) throws {
        let result = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", Self.sample, "--stdoutOutputType=1", "--lanes=2", "--metricFlushInterval=0", "--metricStderrFormat=\(format)"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = Self.metricLines(result.standardError)
        #expect(lines.count == 1, "\(result.standardError)")
        let metrics = try #require(lines.first)
        #expect(metrics["packetsCaptured"] == 400 && metrics["stdoutSentToOutput"] == 400 && metrics["dispatchedPackets"] == 400, "\(metrics)")
        #expect(metrics["packetsDropped"] == 0 && metrics["decodingErrors"] == 0 && metrics["stdoutSkipped"] == 0)
        #expect(result.standardError.contains("dnsmonster: packets: captured=400 kernel_dropped=0 sampled_out=0 to_parse=400 "), "\(result.standardError)")
        #expect(result.standardError.contains("dnsmonster: outputs: stdout_written=400 stdout_skipped=0 stdout_failed=0 unrendered=0 invalid=0\n"))
        #expect(result.standardError.contains("dnsmonster: accounted: every packet and record is counted where it ended\n"))
    }

    @Test("standard output on a full device: the ledger and stdoutFailed show every record lost, the exit status is not 0")
    func writeFailuresAreNotWritten() throws {
        let result = try Programs.shell(
            "\(Programs.product("dnsmonster")) --pcapFile \(Self.sample) --stdoutOutputType=1 --lanes=2 --metricFlushInterval=0 > /dev/full")
        #expect(result.status != 0, "\(result.standardError)")
        let metrics = try #require(Self.metricLines(result.standardError).last)
        #expect(metrics["stdoutSentToOutput"] == 0 && metrics["stdoutFailed"] == 400, "\(metrics)")
        #expect(result.standardError.contains("dnsmonster: outputs: stdout_written=0 stdout_skipped=0 stdout_failed=400 "), "\(result.standardError)")
        #expect(result.standardError.contains("dm-out exited with status 1"), "\(result.standardError)")
    }

    @Test("stderr: metrics every flush interval while a large file runs, growing to the final counts")
    func stderrWhileRunning() throws {
        let directory = try TemporaryDirectory()
        let capture = directory.file("big.pcap")
        let packets = try DNSMonsterLaneTests.repeatedSample(copies: 500, to: capture)
        let result = try Programs.run(
            Programs.product("dnsmonster"), ["--pcapFile", capture, "--stdoutOutputType=1", "--lanes=2", "--metricFlushInterval=100ms", "--logLevel=4"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = Self.metricLines(result.standardError)
        #expect(lines.count >= 3, "\(result.standardError)")
        let written = lines.map { $0["stdoutSentToOutput"] ?? 0 }
        #expect(written == written.sorted(), "counters went back: \(written)")
        let summaries = StageSummaries(result.standardError)
        let total = Double(summaries.sum("dm-out", "stdout_written"))
        #expect(total > 0)
        #expect(written.dropLast().contains { $0 > 0 && $0 < total }, "no line while records flowed: \(written)")
        #expect(written.last == total)
        #expect(lines.last?["packetsCaptured"] == Double(packets))
    }

    @Test("statsd: the run's counters arrive at a UDP listener, increases adding up to the totals")
    func statsdDatagrams() throws {
        let (fd, port) = try UDPListener.open()
        defer { close(fd) }
        let result = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", Self.sample, "--stdoutOutputType=1", "--metricEndpointType=statsd", "--metricStatsdAgent=127.0.0.1:\(port)",
             "--metricFlushInterval=50ms", "--serverName=probe-1"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = UDPListener.datagrams(fd).flatMap { $0.split(separator: "\n").map(String.init) }
        func values(_ name: String, _ type: String) -> [Double] {
            lines.compactMap { line in
                guard line.hasPrefix("dnsmonster.probe_1.\(name):"), line.hasSuffix("|\(type)") else { return nil }
                return Double(line.dropFirst("dnsmonster.probe_1.\(name):".count).dropLast(type.count + 1))
            }
        }
        #expect(values("stdoutSentToOutput", "c").reduce(0, +) == 400, "\(lines)")
        #expect(values("dm_parse_dns_out", "c").reduce(0, +) == 400, "\(lines)")
        #expect(values("packetsCaptured", "g").last == 400, "\(lines)")
        #expect(!result.standardError.contains(" metrics: "), "statsd replaces the stderr lines")
        #expect(result.standardError.contains("dnsmonster: accounted: every packet and record is counted where it ended"))
    }

    @Test("metric options that cannot work are refused, naming the flag, before any stage starts", arguments: [
        (["--metricEndpointType=statsd"], "--metricEndpointType=statsd needs --metricStatsdAgent=HOST:PORT"),
        (["--metricEndpointType=prometheus"], "--metricEndpointType=prometheus needs --metricPrometheusEndpoint="),
        (["--metricEndpointType=statsd", "--metricStatsdAgent=nohost"], "--metricStatsdAgent=nohost: expected HOST:PORT"),
        (["--metricEndpointType=prometheus", "--metricPrometheusEndpoint=https://127.0.0.1:1/m"], "--metricPrometheusEndpoint=https://127.0.0.1:1/m: expected an http:// address"),
        (["--metricEndpointType=graphite"], "graphite"),
        (["--metricFlushInterval=soon"], "metricflushinterval"),
    ])
    func badMetricOptions(arguments: [String], message: String) throws {
        let result = try Programs.run(Programs.product("dnsmonster"), ["--pcapFile", Self.sample, "--stdoutOutputType=1"] + arguments)
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains(message), "\(result.standardError)")
        #expect(!result.standardError.contains("dm-capture:"), "a stage ran: \(result.standardError)")
    }

    @Test("a Prometheus port already taken is refused with the flag named")
    func prometheusPortInUse() throws {
        let server = try MetricsHTTPServer(address: .init(host: "127.0.0.1", port: 0, path: "/metrics")) { [] }
        let result = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", Self.sample, "--stdoutOutputType=1", "--metricEndpointType=prometheus",
             "--metricPrometheusEndpoint=http://127.0.0.1:\(server.port)/metrics"])
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("--metricPrometheusEndpoint=http://127.0.0.1:\(server.port)/metrics: bind"), "\(result.standardError)")
    }

    /// The value of a PromQL `query` in a Prometheus on `port`, or nil before it has one.
    static func prometheusValue(_ query: String, port: Int) throws -> Double? {
        let script = """
            import json, sys, urllib.parse, urllib.request
            url = 'http://127.0.0.1:\(port)/api/v1/query?query=' + urllib.parse.quote(sys.argv[1])
            result = json.load(urllib.request.urlopen(url, timeout=5))['data']['result']
            print(sum(float(r['value'][1]) for r in result) if result else '')
            """
        let directory = try TemporaryDirectory()
        let result = try Programs.run("/usr/bin/env", ["python3", "-c", script, query], output: directory.file("out"))
        guard result.status == 0 else { return nil }
        return Double(try String(contentsOfFile: directory.file("out"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("a real Prometheus scrapes a live run's endpoint and sees every query written",
          .enabled(if: geteuid() == 0, "live capture needs root (CI runs as root)"))
    func prometheusScrapesALiveRun() throws {
        let directory = try TemporaryDirectory()
        let dnsPort = 41000 + Int(getpid() % 5000), metricsPort = 46000 + Int(getpid() % 2000), prometheusPort = 48000 + Int(getpid() % 2000)
        let run = try LiveCaptureTests.RunningCapture(
            ["--devName", "lo", "--filter", "udp dst port \(dnsPort)", "--port", String(dnsPort), "--lanes", "2", "--stdoutOutputType=1",
             "--metricEndpointType=prometheus", "--metricPrometheusEndpoint=http://127.0.0.1:\(metricsPort)/metrics",
             "--metricFlushInterval=200ms", "--logLevel=4"],
            output: directory.file("out.json"), executable: Programs.product("dnsmonster"))
        #expect(run.waitFor("dropped root privileges", times: 2), "\(run.errorText)")

        try """
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: dnsmonster
                static_configs: [{targets: ['127.0.0.1:\(metricsPort)']}]
            """.write(toFile: directory.file("prometheus.yml"), atomically: false, encoding: .utf8)
        let devNull = open("/dev/null", O_RDWR)
        defer { close(devNull) }
        let logFD = open(directory.file("prometheus.log"), O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(logFD) }
        let prometheus = try ChildProcess(
            "/usr/bin/prometheus",
            ["--config.file=\(directory.file("prometheus.yml"))", "--storage.tsdb.path=\(directory.file("tsdb"))",
             "--web.listen-address=127.0.0.1:\(prometheusPort)", "--log.level=warn"],
            standardInput: devNull, standardOutput: logFD, standardError: logFD)
        defer { prometheus.signal(SIGTERM); prometheus.wait() }

        try LiveCaptureTests.sendQueries(count: 300, port: dnsPort, prefix: "prom")
        // Prometheus scrapes every second; the stages report every 200 ms.
        var written: Double?
        for _ in 0..<150 {
            written = try Self.prometheusValue("dnsmonster_default_stdoutSentToOutput", port: prometheusPort)
            if written == 300 { break }
            usleep(200_000)
        }
        let log = (try? String(contentsOfFile: directory.file("prometheus.log"), encoding: .utf8)) ?? ""
        #expect(written == 300, "Prometheus saw \(String(describing: written)); its log: \(log)")
        #expect(try Self.prometheusValue("up{job=\"dnsmonster\"}", port: prometheusPort) == 1)
        #expect(try Self.prometheusValue("sum(dm_parse_dns_out_total)", port: prometheusPort) == 300)
        #expect(try Self.prometheusValue("count(dm_capture_packets_written_total)", port: prometheusPort) == 2, "a series per lane")

        run.child.signal(SIGTERM)
        run.errorText += run.errors.readAll()
        #expect(run.child.wait() == (0, false), "\(run.errorText)")
        #expect(run.errorText.contains("dnsmonster: outputs: stdout_written=300 "), "\(run.errorText)")
        #expect(run.errorText.contains("dnsmonster: accounted: every packet and record is counted where it ended"), "\(run.errorText)")
    }
}
