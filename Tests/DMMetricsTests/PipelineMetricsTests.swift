@testable import DMMetrics
import DMRecord
import DMSystem
import DMTestSupport
import Foundation
import Testing

/// DMMetrics on hand-made STATS: the latest counters per process, the end-to-end ledger, and
/// each endpoint's rendering (stderr lines, statsd datagrams, Prometheus exposition checked
/// by promtool, the HTTP endpoint).
@Suite("Pipeline metrics")
struct PipelineMetricsTests {
    static func stats(
        _ stage: String, pid: UInt32, lane: UInt16 = 0, kind: StatsRecord.Kind = .final, time: UInt64 = 1,
        _ counters: KeyValuePairs<String, UInt64>
    ) -> StatsRecord {
        StatsRecord(timeNanoseconds: time, processID: pid, lane: lane, kind: kind, stage: stage, counters: counters.map { ($0.key, $0.value) })
    }

    /// Two lanes that add up: 100 + 50 packets captured, 3 not DNS, 2 malformed, 5 duplicates,
    /// 4 skipped by stdout's output type.
    static func wholeRun() -> PipelineStatistics {
        var s = PipelineStatistics()
        s.record(stats("dm-capture", pid: 10, lane: 0, ["packets_read": 160, "other_shards": 60, "sampled_out": 0, "packets_written": 100]))
        s.record(stats("dm-capture", pid: 11, lane: 1, ["packets_read": 160, "other_shards": 110, "sampled_out": 0, "packets_written": 50]))
        s.record(stats("dm-parse", pid: 20, lane: 0, ["packets_in": 100, "other_ports": 3, "udp_messages": 90, "tcp_segments": 7, "tcp_messages": 5, "malformed_dns": 2, "malformed_kept": 0, "dns_out": 93]))
        s.record(stats("dm-parse", pid: 21, lane: 1, ["packets_in": 50, "udp_messages": 50, "dns_out": 50]))
        s.record(stats("dm-filter", pid: 30, lane: 0, ["dns_records": 93, "other_records": 0, "duplicates": 5, "passed": 88]))
        s.record(stats("dm-filter", pid: 31, lane: 1, ["dns_records": 50, "other_records": 0, "passed": 50]))
        s.record(stats("dm-out", pid: 40, ["records_in": 140, "dns_records": 138, "malformed_unrendered": 0, "stdout_written": 134, "stdout_skipped": 4, "stdout_failed": 0]))
        return s
    }

    @Test("the newest STATS of each process counts; a final one is not overtaken; lanes are summed")
    func latestPerProcess() {
        var s = PipelineStatistics()
        s.record(Self.stats("dm-parse", pid: 1, kind: .periodic, time: 5, ["dns_out": 10]))
        s.record(Self.stats("dm-parse", pid: 1, kind: .periodic, time: 4, ["dns_out": 7]))  // older: ignored
        #expect(s.sum("dm-parse", "dns_out") == 10)
        s.record(Self.stats("dm-parse", pid: 2, lane: 1, kind: .periodic, time: 6, ["dns_out": 3]))
        #expect(s.sum("dm-parse", "dns_out") == 13)
        s.record(Self.stats("dm-parse", pid: 1, kind: .final, time: 9, ["dns_out": 12]))
        s.record(Self.stats("dm-parse", pid: 1, kind: .periodic, time: 10, ["dns_out": 11]))  // after the final: ignored
        #expect(s.sum("dm-parse", "dns_out") == 15)
        #expect(s.finalCount("dm-parse") == 1 && s.processCount("dm-parse") == 2)
        #expect(s.sum("dm-parse", "absent") == 0 && !s.has("dm-out"))
    }

    @Test("a whole run adds up at every hand-off")
    func ledgerOfAWholeRun() {
        let account = PipelineAccount(Self.wholeRun(), expectedProcesses: ["dm-capture": 2, "dm-parse": 2, "dm-filter": 2, "dm-out": 1])
        #expect(account.unaccounted == [], "\(account.unaccounted)")
        #expect(account.captured == 150 && account.toParse == 150 && account.notDNS == 3 && account.carryingDNS == 147)
        #expect(account.messages == 145 && account.malformed == 2 && account.dnsOut == 143)
        #expect(account.toOutputs == 138)
        #expect(account.sinks == [.init(name: "stdout", written: 134, skipped: 4, failed: 0)])
        #expect(account.summaryLines == [
            "packets: captured=150 kernel_dropped=0 sampled_out=0 to_parse=150 not_dns=3 fragments_joined=0 carrying_dns=147",
            "messages: parsed=145 malformed=2 filter_malformed=0 qr_filtered=0 rcode_filtered=0 qtype_filtered=0 skip_matched=0 allow_missed=0 duplicates=5 sampled_out=0 to_outputs=138",
            "outputs: stdout_written=134 stdout_skipped=4 stdout_failed=0 unrendered=0 invalid=0",
            "accounted: every packet and record is counted where it ended",
        ])
    }

    @Test("records lost between stages, and a process without final STATS, are named")
    func ledgerNamesWhatDoesNotAddUp() {
        var s = Self.wholeRun()
        // dm-out saw 2 records fewer than dm-filter passed, and wrote them all.
        s.record(Self.stats("dm-out", pid: 40, time: 2, ["records_in": 138, "dns_records": 136, "stdout_written": 132, "stdout_skipped": 4, "stdout_failed": 0]))
        // Lane 1's dm-parse only got as far as a periodic report.
        s.record(Self.stats("dm-parse", pid: 22, lane: 2, kind: .periodic, ["packets_in": 0]))
        let account = PipelineAccount(s, expectedProcesses: ["dm-parse": 3, "dm-out": 1])
        #expect(account.unaccounted == [
            "dm-parse: 1 of 3 processes sent no final STATS (their counts are from the last periodic one, if any)",
            "dm-filter → dm-out records: 2 missing (138 expected, 136 counted)",
        ], "\(account.unaccounted)")
        #expect(account.summaryLines.last == "unaccounted: dm-filter → dm-out records: 2 missing (138 expected, 136 counted)")
    }

    @Test("dnsmonster's metric names come from the stages' counters")
    func dnsmonsterNames() {
        var s = Self.wholeRun()
        s.record(Self.stats("dm-capture", pid: 10, lane: 0, time: 2, ["packets_read": 170, "other_shards": 60, "sampled_out": 10, "packets_written": 100, "kernel_dropped": 30]))
        let metrics = Dictionary(uniqueKeysWithValues: PipelineMetrics.dnsmonsterMetrics(s).map { ($0.name, $0) })
        #expect(metrics["packetsCaptured"]?.value == 190 && metrics["packetsCaptured"]?.kind == .gauge)
        #expect(metrics["packetsDropped"]?.value == 30)
        #expect(abs((metrics["packetLossPercent"]?.value ?? 0) - 30.0 / 190.0 * 100) < 1e-9)
        #expect(metrics["packetsOverRatio"]?.value == 10 && metrics["packetsDuplicate"]?.value == 5)
        #expect(metrics["decodingErrors"]?.value == 2)
        #expect(metrics["dispatchedPackets"]?.value == 138)
        #expect(metrics["stdoutSentToOutput"]?.value == 134 && metrics["stdoutSkipped"]?.value == 4 && metrics["stdoutFailed"]?.value == 0)
        let stage = PipelineMetrics.stageMetrics(s).first { $0.name == "dm_parse_dns_out" }
        #expect(stage?.value == 143 && stage?.kind == .counter)
        #expect(stage.map { $0.lanes.map(\.lane) } == [0, 1] && stage.map { $0.lanes.map(\.value) } == [93, 50])
    }

    @Test("stderr: dnsmonster's JSON (counters as count, gauges as value, names sorted) or key=value")
    func stderrLines() throws {
        let metrics = [
            Metric(name: "packetsCaptured", kind: .gauge, value: 400), Metric(name: "decodingErrors", kind: .counter, value: 2),
            Metric(name: "packetLossPercent", kind: .gauge, value: 1.5),
        ]
        let time: UInt64 = 1_764_000_000_000_000_000
        let json = StderrMetrics.line(metrics, format: .json, timeNanoseconds: time)
        #expect(json == "2025-11-24T16:00:00.000000000Z metrics: {\"decodingErrors\":{\"count\":2},\"packetLossPercent\":{\"value\":1.5},\"packetsCaptured\":{\"value\":400}}\n")
        let object = try JSONSerialization.jsonObject(with: Data(json.split(separator: " ", maxSplits: 2)[2].utf8)) as? [String: [String: Double]]
        #expect(object?["packetsCaptured"]?["value"] == 400)
        #expect(StderrMetrics.line(metrics, format: .kv, timeNanoseconds: time)
            == "2025-11-24T16:00:00.000000000Z metrics: decodingErrors=2 packetLossPercent=1.5 packetsCaptured=400\n")
    }

    /// A UDP socket on 127.0.0.1 and its port.
    @Test("statsd: gauges as they are, counters by their increase, lines packed into datagrams that fit")
    func statsdDatagrams() throws {
        let (fd, port) = try UDPListener.open()
        defer { close(fd) }
        let exporter = try StatsdExporter(agent: "127.0.0.1:\(port)", serverName: "sensor-1", warn: { Issue.record("unexpected warning \($0)") })
        var metrics = (0..<100).map { Metric(name: "counter_number_\($0)", kind: .counter, value: Double($0)) }
        metrics.append(Metric(name: "packetsCaptured", kind: .gauge, value: 400))
        exporter.send(metrics)
        let first = UDPListener.datagrams(fd)
        #expect(first.count > 1 && first.allSatisfy { $0.utf8.count <= StatsdExporter.datagramBytes }, "\(first.map(\.utf8.count))")
        let lines = first.flatMap { $0.split(separator: "\n").map(String.init) }
        // Counter 0 has not grown from nothing; every other one is sent once.
        #expect(lines.count == 100)
        #expect(lines.contains("dnsmonster.sensor_1.counter_number_7:7|c") && lines.contains("dnsmonster.sensor_1.packetsCaptured:400|g"))
        // The next flush sends only what changed since.
        metrics[7].value = 10
        exporter.send(metrics)
        #expect(UDPListener.datagrams(fd) == ["dnsmonster.sensor_1.counter_number_7:3|c\ndnsmonster.sensor_1.packetsCaptured:400|g"])
        #expect(exporter.sentDatagrams == UInt64(first.count) + 1 && exporter.failedDatagrams == 0)
    }

    @Test("statsd and Prometheus addresses are checked, with the flag named")
    func endpointAddresses() throws {
        #expect(try MetricsEndpoint.PrometheusAddress(parsing: "http://0.0.0.0:2112/metric") == .init(host: "0.0.0.0", port: 2112, path: "/metric"))
        #expect(try MetricsEndpoint.PrometheusAddress(parsing: "127.0.0.1:9") == .init(host: "127.0.0.1", port: 9, path: "/metrics"))
        #expect(try MetricsEndpoint.PrometheusAddress(parsing: "http://[::1]:2112/m") == .init(host: "::1", port: 2112, path: "/m"))
        for bad in ["https://x:1/m", "http://x/m", "http://x:port/m"] {
            #expect(throws: MetricsEndpointError.self) { try MetricsEndpoint.PrometheusAddress(parsing: bad) }
        }
        do {
            _ = try StatsdExporter(agent: "127.0.0.1", serverName: "x", warn: { _ in })
            Issue.record("a statsd agent without a port was accepted")
        } catch {
            #expect(error.description == "--metricStatsdAgent=127.0.0.1: expected HOST:PORT, such as 127.0.0.1:8125 or [::1]:8125")
        }
    }

    @Test("Prometheus: dnsmonster's gauges and the stages' counters per lane, valid for promtool")
    func prometheusExposition() throws {
        let exposition = PrometheusExposition(serverName: "default")
        let text = String(decoding: exposition.render(PipelineMetrics.metrics(Self.wholeRun())), as: UTF8.self)
        #expect(text.contains("# TYPE dnsmonster_default_packetsCaptured gauge\n"), "\(text)")
        #expect(text.contains("\ndnsmonster_default_packetsCaptured 150.0\n"), "\(text)")
        #expect(text.contains("# TYPE dm_parse_dns_out_total counter\n"), "\(text)")
        #expect(text.contains("dm_parse_dns_out_total{lane=\"0\"} 93\n") && text.contains("dm_parse_dns_out_total{lane=\"1\"} 50\n"), "\(text)")
        // Counters move on by their increase.
        var later = Self.wholeRun()
        later.record(Self.stats("dm-parse", pid: 21, lane: 1, time: 2, ["packets_in": 60, "udp_messages": 60, "dns_out": 60]))
        let next = String(decoding: exposition.render(PipelineMetrics.metrics(later)), as: UTF8.self)
        #expect(next.contains("dm_parse_dns_out_total{lane=\"1\"} 60\n"), "\(next)")

        let directory = try TemporaryDirectory()
        try next.write(toFile: directory.file("metrics.txt"), atomically: false, encoding: .utf8)
        let check = try Programs.shell("promtool check metrics < '\(directory.file("metrics.txt"))' 1>&2")
        // Status 1 is a format error. Status 3 is lint advice; the only advice allowed is about
        // dnsmonster's own camelCase names, which its dashboards expect.
        let advice = check.standardError.split(separator: "\n")
        #expect(check.status == 0 || check.status == 3, "promtool: \(check.standardError)\n\(next)")
        #expect(advice.allSatisfy { $0.hasPrefix("dnsmonster_default_") && $0.hasSuffix("metric names should be written in 'snake_case' not 'camelCase'") },
                "promtool: \(check.standardError)")
    }

    @Test("the HTTP endpoint serves the exposition at its path only")
    func httpEndpoint() throws {
        let server = try MetricsHTTPServer(address: .init(host: "127.0.0.1", port: 0, path: "/metrics")) { Array("up 1\n".utf8) }
        try server.start()
        defer { server.stop() }
        let script = """
            import sys, urllib.request, urllib.error
            base = 'http://127.0.0.1:\(server.port)'
            response = urllib.request.urlopen(base + '/metrics?x=1')
            print(response.status, response.headers['Content-Type'], repr(response.read().decode()))
            for path, method in (('/other', 'GET'), ('/metrics', 'POST')):
                try:
                    urllib.request.urlopen(urllib.request.Request(base + path, method=method, data=b'' if method == 'POST' else None))
                except urllib.error.HTTPError as error:
                    print(error.code)
            """
        let directory = try TemporaryDirectory()
        let result = try Programs.run("/usr/bin/env", ["python3", "-c", script], output: directory.file("out"))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try String(contentsOfFile: directory.file("out"), encoding: .utf8)
            == "200 \(MetricsHTTPServer.contentType) 'up 1\\n'\n404\n405\n")
        #expect(server.scrapes == 1)
    }
}
