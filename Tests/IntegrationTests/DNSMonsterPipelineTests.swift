import DMConfiguration
import DMTestSupport
import Foundation
import Testing

/// dnsmonster's options as the four stage command lines, and the wrapper running them.
@Suite struct DNSMonsterPipelineTests {
    @Test func realisticCommandLineMapsToTheFourStages() throws {
        let arguments = [
            "--devName=eth0", "--filter", "udp port 53", "--noPromiscuous", "--afpacketBuffersizeMb", "128",
            "--port", "5353", "--noEtherframe", "--sampleRatio", "1:10", "--packetLimit=1000",
            "--maskSize4", "24", "--maskSize6=48", "--dedup", "--dedupCleanupInterval", "30s",
            "--skipDomainsFile", "skip.csv", "--allowDomainsFile", "https://lists.example/allow.csv",
            "--skipDomainsRefreshInterval", "5m", "--allowDomainsRefreshInterval=10m",
            "--stdoutOutputType", "2", "--fileOutputType=4", "--fileOutputPath", "/var/log/dnsmonster",
            "--fileOutputFormat", "csv", "--syslogOutputType", "1", "--syslogOutputEndpoint", "tcp://10.0.0.1:514",
            "--serverName", "sensor-1", "--gcTime", "5s",
        ]
        let plan = try PipelinePlanner.plan(Configuration.resolve(arguments: arguments, environment: [:]), host: .oneCore)
        #expect(plan.capture.arguments == [
            "--iface", "eth0", "--filter", "udp port 53", "--no-promiscuous", "--buffer-mb", "128", "--sample", "1:10",
            "--packet-limit", "1000", "--stats-interval", "10",
        ])
        #expect(plan.parse?.arguments == ["--port", "5353", "--no-ether", "--stats-interval", "10"])
        #expect(plan.filter.arguments == [
            "--mask4", "24", "--mask6", "48", "--dedup", "--dedup-window", "30s", "--skip-domains", "skip.csv",
            "--allow-domains", "https://lists.example/allow.csv", "--tag-only", "--refresh", "300s", "--stats-interval", "10",
        ])
        #expect(plan.out.arguments == [
            "--stdout", "--stdout-type", "2", "--file", "/var/log/dnsmonster/dnsmonster.log", "--file-type", "4", "--file-format", "csv",
            "--file-rotate-interval", "1d", "--file-rotate-keep", "4", "--syslog", "tcp://10.0.0.1:514", "--syslog-type", "1",
            "--server-name", "sensor-1", "--stats-out", "fd:3", "--stats-interval", "10",
        ])
        // dnsmonster's metrics settings, its defaults but for the server name.
        #expect(plan.metrics == PipelinePlan.Metrics(endpointType: "stderr", serverName: "sensor-1"))
        #expect(plan.notes.count == 3)  // sampling differs; the two refresh intervals became one; --gctime ignored
        #expect(plan.notes.contains { $0.hasPrefix("--sampleRatio=1:10 keeps exactly 1 of every 10") })
        #expect(plan.notes.contains { $0.hasPrefix("ignoring --gctime=5s (from the command line)") })
        #expect(plan.capture.commandLine == "dm-capture --iface eth0 --filter 'udp port 53' --no-promiscuous --buffer-mb 128 --sample 1:10 --packet-limit 1000 --stats-interval 10")
    }

    @Test func templatesAndFormatsAreMapped() throws {
        let plan = try PipelinePlanner.plan(Configuration.resolve(
            arguments: ["--pcapFile=-", "--stdoutOutputType=1", "--stdoutOutputFormat=gotemplate", "--stdoutOutputGoTemplate={{.Server}}",
                        "--fileOutputType=1", "--fileOutputPath=out/", "--fileOutputRotateCount=0"],
            environment: [:]), host: .oneCore)
        #expect(plan.capture.arguments == ["--input", "-", "--stats-interval", "10"])
        #expect(plan.out.arguments == [
            "--stdout", "--stdout-type", "1", "--stdout-format", "gotemplate", "--file", "out/dnsmonster.log", "--file-type", "1",
            "--template", "{{.Server}}", "--stats-out", "fd:3", "--stats-interval", "10",
        ])
    }

    @Test func planningErrorsAreActionable() {
        #expect(throws: ConfigurationError.noInput) { try PipelinePlanner.plan(Configuration(), host: .oneCore) }
        #expect(throws: ConfigurationError.self) {
            try PipelinePlanner.plan(Configuration.resolve(arguments: ["--devName=eth0", "--pcapFile=a"], environment: [:]), host: .oneCore)
        }
        #expect(throws: ConfigurationError.self) {
            try PipelinePlanner.plan(Configuration.resolve(arguments: ["--pcapFile=a", "--fileOutputType=1"], environment: [:]), host: .oneCore)
        }
        #expect(throws: ConfigurationError.self) {
            try PipelinePlanner.plan(Configuration.resolve(arguments: ["--pcapFile=a", "--sampleRatio=10:1"], environment: [:]), host: .oneCore)
        }
    }

    // MARK: the executable

    static func countLines(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func samplePcapPrintsEveryDNSMessageAsJSON() throws {
        let directory = try TemporaryDirectory()
        let output = directory.file("out.json")
        let result = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", Programs.packageRoot + "/examples/sample.pcap", "--stdoutOutputType=1", "--logLevel=4"], output: output)
        #expect(result.status == 0 && !result.terminatedBySignal, "\(result.standardError)")
        #expect(StageSummaries(result.standardError).sum("dm-parse", "dns_out") == 400, "\(result.standardError)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 400)
        #expect(lines.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") })
    }

    /// dnsmonster creates a missing `--fileOutputPath` (MkdirAll) and writes an existing file or
    /// device (`/dev/stdout`, in its docs) itself.
    @Test func fileOutputPathIsCreatedOrWrittenToItself() throws {
        let directory = try TemporaryDirectory()
        let folder = directory.file("logs/dns/today")
        let created = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", Programs.packageRoot + "/examples/sample.pcap", "--fileOutputType=1", "--fileOutputPath", folder])
        #expect(created.status == 0, "\(created.standardError)")
        #expect(DMOutTests.lines(folder + "/dnsmonster.log").count == 400)

        let device = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", Programs.packageRoot + "/examples/sample.pcap", "--fileOutputType=1", "--fileOutputPath=/dev/stdout"],
            output: directory.file("stdout.json"))
        #expect(device.status == 0, "\(device.standardError)")
        #expect(DMOutTests.lines(directory.file("stdout.json")).count == 400)
        #expect(!FileManager.default.fileExists(atPath: "/dev/stdout/dnsmonster.log"))

        let blocked = directory.file("plain-file")
        try StreamFiles.writeBytes([], to: blocked)
        let refused = try Programs.run(Programs.product("dm-out"), ["--input", "/dev/null", "--file", blocked + "/sub/x.log"])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("\(blocked)/sub/x.log: Not a directory"), "\(refused.standardError)")
    }

    @Test func dryRunPrintsTheStagesAndRunsNothing() throws {
        let directory = try TemporaryDirectory()
        let output = directory.file("plan.txt")
        let result = try Programs.run(
            Programs.product("dnsmonster"), ["--PCAPFILE=/nonexistent.pcap", "--stdoutoutputtype", "1", "--dryRun", "--lanes=1"], output: output)
        #expect(result.status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == """
            dm-capture --input /nonexistent.pcap --stats-interval 10 | dm-parse --stats-interval 10 | dm-filter --stats-interval 10 | dm-out --stdout --stdout-type 1 --stats-out fd:3 --stats-interval 10

            """)
        let lanes = try Programs.run(
            Programs.product("dnsmonster"), ["--pcapFile=x.pcap", "--stdoutOutputType=1", "--dryRun", "--LANES", "2"], output: output)
        #expect(lanes.status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == """
            dm-capture --input x.pcap --shard 0/2 --lane 0 --stats-interval 10 | dm-parse --stats-interval 10 | dm-filter --stats-interval 10 >&3  # lane 0
            dm-capture --input x.pcap --shard 1/2 --lane 1 --stats-interval 10 | dm-parse --stats-interval 10 | dm-filter --stats-interval 10 >&4  # lane 1
            dm-out --order time --input fd:3 --input fd:4 --stdout --stdout-type 1 --stats-out fd:5 --stats-interval 10

            """)
    }

    /// Values only a stage can parse are checked before any stage starts, and the error names
    /// dnsmonster's flag and where its value came from, without a stage's usage text; a stage's
    /// hint reads as dnsmonster's way of doing it.
    @Test func optionErrorsSpeakDNSMonstersLanguage() throws {
        let sample = Programs.packageRoot + "/examples/sample.pcap"
        let template = try Programs.run(Programs.product("dnsmonster"), [
            "--pcapFile", sample, "--stdoutOutputType=1", "--stdoutOutputFormat=gotemplate", "--stdoutOutputGoTemplate={{with .DNS}}x{{end}}",
        ])
        #expect(template.status == 2)
        #expect(template.standardError == "dnsmonster: invalid value '{{with .DNS}}x{{end}}' for --stdoutoutputgotemplate (from the command line): expected a Go template dm-out can run ({{with}} is not supported at line 1, column 3)\n", "\(template.standardError)")
        let syslog = try Programs.shell(
            "DNSMONSTER_SYSLOGOUTPUTENDPOINT=bogus://x \(Programs.product("dnsmonster")) --pcapFile \(sample) --syslogOutputType=1")
        #expect(syslog.status == 2)
        #expect(syslog.standardError.hasPrefix("dnsmonster: invalid value 'bogus://x' for --syslogoutputendpoint (from environment variable DNSMONSTER_SYSLOGOUTPUTENDPOINT)"), "\(syslog.standardError)")
        #expect(!syslog.standardError.contains("Usage:") && !syslog.standardError.contains("--syslog "), "\(syslog.standardError)")
        let directory = try TemporaryDirectory()
        let xz = try Programs.shell("xz -c \(sample) > \(directory.file("x.pcap.xz")) && \(Programs.product("dnsmonster")) --pcapFile \(directory.file("x.pcap.xz")) --stdoutOutputType=1")
        #expect(xz.status == 1)
        #expect(xz.standardError.contains("decompress it first (xzcat FILE | dnsmonster --pcapFile - …)"), "\(xz.standardError)")
    }

    /// A missing file: the cause once, first, then dnsmonster's metrics line and the failed
    /// stage named once for both lanes; no all-zero ledger, no counter lines.
    @Test func aStageThatFailsIsNamed() throws {
        let result = try Programs.run(Programs.product("dnsmonster"), ["--pcapFile=/nonexistent.pcap", "--stdoutOutputType=1", "--lanes=2"])
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 3, "\(result.standardError)")
        #expect(lines.first == "dm-capture: open /nonexistent.pcap: No such file or directory", "\(result.standardError)")
        #expect(lines.dropFirst().first?.contains(" metrics: {") == true, "\(result.standardError)")
        // Lane 1 fails alike, unless the runner stopped it first (then it is no cause).
        #expect(lines.last == "dnsmonster: dm-capture (lanes 0, 1) exited with status 1"
            || lines.last == "dnsmonster: dm-capture (lane 0) exited with status 1"
            || lines.last == "dnsmonster: dm-capture (lane 1) exited with status 1", "\(result.standardError)")
        let oneLane = try Programs.run(Programs.product("dnsmonster"), ["--pcapFile=/nonexistent.pcap", "--stdoutOutputType=1", "--lanes=1"])
        #expect(oneLane.status == 1)
        #expect(oneLane.standardError.hasSuffix("dnsmonster: dm-capture exited with status 1\n"), "\(oneLane.standardError)")
    }

    @Test func consumerGoingAwayIsNotReportedAsAFailure() throws {
        let result = try Programs.shell(
            "'\(Programs.product("dnsmonster"))' --pcapFile '\(Programs.packageRoot)/examples/sample.pcap' --stdoutOutputType=1 | head -1 >/dev/null; echo \"status ${PIPESTATUS[0]}\" >&2")
        // No stage is blamed. When dm-out was still writing as head left (141), dnsmonster is
        // silent; when it had written everything into the pipe first (0), the run was whole
        // and its summary is printed.
        #expect(!result.standardError.contains("exited with status") && !result.standardError.contains("killed by signal"), "\(result.standardError)")
        if result.standardError.hasSuffix("status 141\n") {
            #expect(!result.standardError.contains("dnsmonster:"), "\(result.standardError)")
        } else {
            #expect(result.standardError.hasSuffix("status 0\n"), "\(result.standardError)")
            #expect(result.standardError.contains("dnsmonster: accounted: every packet and record is counted"), "\(result.standardError)")
        }
    }

    @Test func configurationErrorsExitTwoWithTheMessage() throws {
        let result = try Programs.run(Programs.product("dnsmonster"), ["--pcapFle=a.pcap"])
        #expect(result.status == 2)
        #expect(result.standardError == "dnsmonster: unknown flag --pcapFle. Did you mean --pcapfile? (dnsmonster --help lists them)\n")
        let notYet = try Programs.run(Programs.product("dnsmonster"), ["--pcapFile=a.pcap", "--kafkaOutputType=1"])
        #expect(notYet.status == 2 && notYet.standardError.contains("--kafkaoutputtype=1") && notYet.standardError.contains("Kafka"))
    }

    @Test func writeConfigFileReadsBackThroughTheExecutable() throws {
        let directory = try TemporaryDirectory()
        let ini = directory.file("dnsmonster.ini")
        let written = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", "a.pcap", "--maskSize4=16", "--skipDomainsFile=s.csv", "--stdoutOutputType=2", "--lanes=1", "--writeConfig", ini])
        #expect(written.status == 0, "\(written.standardError)")
        let output = directory.file("plan.txt")
        let planned = try Programs.run(Programs.product("dnsmonster"), ["--config", ini, "--dryRun"], output: output)
        #expect(planned.status == 0, "\(planned.standardError)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == """
            dm-capture --input a.pcap --stats-interval 10 | dm-parse --stats-interval 10 | dm-filter --mask4 16 --skip-domains s.csv --tag-only --stats-interval 10 | dm-out --stdout --stdout-type 2 --stats-out fd:3 --stats-interval 10

            """)
        #expect(try String(contentsOfFile: ini, encoding: .utf8).contains("[swift]\n; Parallel"))
        #expect(try String(contentsOfFile: ini, encoding: .utf8).contains("\nlanes = 1\n"))
    }

    /// SIGINT or SIGTERM to dnsmonster goes to dm-capture (reading standard input that stays
    /// open); it writes what it read, the stages after it drain, and everything exits 0.
    @Test(arguments: [SIGINT, SIGTERM])
    func stopSignalStopsCaptureAndTheRestDrain(_ stopSignal: Int32) throws {
        let directory = try TemporaryDirectory()
        let output = directory.file("out.json")
        let input = try PipePair()
        let outputFD = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        defer { close(outputFD) }
        let errors = try PipePair()
        let child = try ChildProcess(
            Programs.product("dnsmonster"), ["--pcapFile=-", "--stdoutOutputType=1"],
            standardInput: input.readEnd, standardOutput: outputFD, standardError: errors.writeEnd)
        input.closeReadEnd()
        errors.closeWriteEnd()
        try input.write(try StreamFiles.bytes(Programs.packageRoot + "/examples/sample.pcap"))
        // dm-capture reads standard input to its end before writing (or until stopped), so
        // nothing shows before the signal; give the stages time to start and read the bytes.
        sleep(2)
        child.signal(stopSignal)
        let (status, signaled) = child.wait()
        let stderr = errors.readAll()
        #expect(status == 0 && !signaled, "\(stderr)")
        #expect(Self.countLines(output) == 400)
        #expect(stderr.contains("dnsmonster: accounted: every packet and record is counted where it ended"), "\(stderr)")
        #expect(!stderr.contains("dm-out:"), "the stages' counter lines show only at --logLevel 4: \(stderr)")
    }

    @Test func helpListsEveryVisibleOptionWithItsStatus() throws {
        let directory = try TemporaryDirectory()
        let output = directory.file("help.txt")
        let result = try Programs.run(Programs.product("dnsmonster"), ["-h"], output: output)
        #expect(result.status == 0)
        let help = try String(contentsOfFile: output, encoding: .utf8)
        for option in OptionTable.all where !option.hidden {
            #expect(help.contains("  --\(option.name)  ") || help.contains("  --\(option.name)\n"), "\(option.name)")
        }
        #expect(help.contains("--dryRun") && help.contains("--lanes"))
    }

    @Test func binScriptExecsTheBuiltBinary() throws {
        let result = try Programs.shell("'\(Programs.packageRoot)/bin/dnsmonster' --version >/dev/null")
        #expect(result.status == 0, "\(result.standardError)")
    }

    @Test func binScriptSaysWhatToDoWhenNothingIsBuilt() throws {
        let directory = try TemporaryDirectory()
        let unbuilt = try Programs.shell(
            "mkdir '\(directory.path)/bin' && cp '\(Programs.packageRoot)/bin/dnsmonster' '\(directory.path)/bin/' && '\(directory.path)/bin/dnsmonster' --version")
        #expect(unbuilt.status == 127)
        #expect(unbuilt.standardError.contains("not built yet") && unbuilt.standardError.contains("swift build"))
    }
}
