import DMConfiguration
import DMMetrics
@testable import DMPipeline
import DMSystem
import DMTestSupport
import Glibc
import Synchronization
import Testing

/// The runner on stand-in stages (shell scripts in a scratch folder): how it starts them,
/// names the one that failed, and maps the metric options.
@Suite("Pipeline runner")
struct PipelineRunnerTests {
    /// The lines the runner reported.
    final class Log: Sendable {
        let lines = Mutex<[String]>([])
        func append(_ line: String) { self.lines.withLock { $0.append(line) } }
        var all: [String] { self.lines.withLock { $0 } }
    }

    static func plan(_ arguments: [String] = ["--pcapFile=/dev/null", "--stdoutOutputType=1"]) throws -> PipelinePlan {
        try PipelinePlanner.plan(Configuration.resolve(arguments: arguments, environment: [:]), host: .oneCore)
    }

    /// Writes an executable shell script for each stage into a new scratch folder.
    static func stages(_ scripts: [String: String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for (name, body) in scripts {
            try StreamFiles.writeBytes(Array("#!/bin/sh\n\(body)\n".utf8), to: directory.file(name))
            chmod(directory.file(name), 0o755)
        }
        return directory
    }

    @Test("a missing stage executable is named with what to build")
    func missingStage() throws {
        let directory = try Self.stages(["dm-capture": "exit 0"])
        let runner = PipelineRunner(plan: try Self.plan(), directory: directory.path, log: { _ in })
        #expect {
            _ = try runner.run()
        } throws: { error in
            "\(error)".hasPrefix("dm-parse not found next to dnsmonster in \(directory.path)")
        }
    }

    @Test("a stage that fails is named with its status; the others' success does not hide it")
    func failingStageIsNamed() throws {
        let directory = try Self.stages([
            "dm-capture": "exit 0", "dm-parse": "cat", "dm-filter": "cat >/dev/null; exit 3", "dm-out": "cat >/dev/null",
        ])
        let log = Log()
        let status = try PipelineRunner(plan: try Self.plan(), directory: directory.path, log: log.append).run()
        #expect(status == 1)
        #expect(log.all.contains("dm-filter exited with status 3"), "\(log.all)")
        #expect(!log.all.contains { $0.contains("dm-parse") && $0.contains("status") }, "\(log.all)")
    }

    @Test("every stage exiting 0 is a success")
    func success() throws {
        let directory = try Self.stages(["dm-capture": "exit 0", "dm-parse": "cat", "dm-filter": "cat", "dm-out": "cat >/dev/null"])
        let status = try PipelineRunner(plan: try Self.plan(), directory: directory.path, log: { _ in }).run()
        #expect(status == 0)
    }

    @Test("the metric options choose the monitor's endpoint")
    func monitorSettings() throws {
        let statsd = try MonitorSettings.make(try Self.plan(["--pcapFile=/dev/null", "--metricEndpointType=statsd", "--metricStatsdAgent=127.0.0.1:8125"]).metrics)
        guard case .statsd(let agent) = statsd.endpoint else {
            Issue.record("not statsd: \(statsd.endpoint)")
            return
        }
        #expect(agent == "127.0.0.1:8125")
        let stderr = try MonitorSettings.make(try Self.plan(["--pcapFile=/dev/null", "--metricStderrFormat=kv"]).metrics)
        guard case .stderr(let format) = stderr.endpoint else {
            Issue.record("not stderr: \(stderr.endpoint)")
            return
        }
        #expect(format == .kv)
        #expect(throws: MetricsEndpointError.self) {
            _ = try MonitorSettings.make(try Self.plan(["--pcapFile=/dev/null", "--metricEndpointType=prometheus", "--metricPrometheusEndpoint=nonsense"]).metrics)
        }
    }

    @Test("causes: lanes of one stage that ended alike on one line, in the order they came")
    func causesGrouped() {
        let lines = PipelineRunner.grouped([
            ("dm-capture", 0, "exited with status 1"), ("dm-out", nil, "was killed by signal 9"),
            ("dm-capture", 1, "exited with status 1"), ("dm-parse", 2, "exited with status 1"),
        ])
        #expect(lines == [
            "dm-capture (lanes 0, 1) exited with status 1", "dm-out was killed by signal 9", "dm-parse (lane 2) exited with status 1",
        ])
    }

    @Test("the relay knows a stage's counter line from its other lines")
    func counterLines() {
        #expect(StageErrorRelay.isCounterLine("dm-parse: packets_in=3 dns_out=2"))
        #expect(StageErrorRelay.isCounterLine("dm-out: stopped by signal; records_in=0"))
        #expect(!StageErrorRelay.isCounterLine("dm-capture: open /x.pcap: No such file or directory"))
        #expect(!StageErrorRelay.isCounterLine("dm-filter: skip list: 100 entries"))
        #expect(!StageErrorRelay.isCounterLine("dnsmonster: packets: captured=3"))
    }
}
