@testable import DMConfiguration
import DMTestSupport
import Testing

/// dnsmonster's configuration layers: argv, DNSMONSTER_* variables, INI files, precedence, --writeConfig.
@Suite struct DNSMonsterConfigurationTests {
    /// Resolves with an in-memory INI file named `test.ini`.
    static func resolve(
        _ arguments: [String], environment: [String: String] = [:], ini: String? = nil
    ) throws(ConfigurationError) -> Configuration {
        try Configuration.resolve(
            arguments: arguments + (ini == nil ? [] : ["--config", "test.ini"]), environment: environment,
            readFile: { path in
                guard path == "test.ini", let ini else { throw ConfigurationFile.FileError(description: "no such file") }
                return ini
            })
    }

    // MARK: precedence

    /// Every combination of the three layers (bit 0 file, bit 1 environment, bit 2 flags) for a
    /// string, an int, a bool and a list option: the highest layer present wins, wholly.
    @Test(arguments: 0..<8)
    func precedenceMatrix(layers: Int) throws {
        let useFile = layers & 1 != 0, useEnvironment = layers & 2 != 0, useFlags = layers & 4 != 0
        let ini = """
            [general]
            servername = from-file
            masksize4 = 8
            [capture]
            dedup = true
            [clickhouse_output]
            clickhouseaddress = file-a:9000
            clickhouseaddress = file-b:9000
            """
        let environment = [
            "DNSMONSTER_SERVERNAME": "from-env", "DNSMONSTER_MASKSIZE4": "16", "DNSMONSTER_DEDUP": "false",
            "DNSMONSTER_CLICKHOUSEADDRESS": "env-a:9000,env-b:9000,env-c:9000",
        ]
        let flags = [
            "--serverName", "from-flag", "--maskSize4=24", "--dedup=true",
            "--clickhouseAddress", "flag-a:9000", "--CLICKHOUSEADDRESS=flag-b:9000",
        ]
        let c = try Self.resolve(useFlags ? flags : [], environment: useEnvironment ? environment : [:], ini: useFile ? ini : nil)
        let expected: (String, String, Bool, [String], ValueSource)
        if useFlags {
            expected = ("from-flag", "24", true, ["flag-a:9000", "flag-b:9000"], .commandLine)
        } else if useEnvironment {
            expected = ("from-env", "16", false, ["env-a:9000", "env-b:9000", "env-c:9000"], .environment(variable: "DNSMONSTER_SERVERNAME"))
        } else if useFile {
            expected = ("from-file", "8", true, ["file-a:9000", "file-b:9000"], .file(path: "test.ini", line: 2))
        } else {
            expected = ("default", "32", false, ["localhost:9000"], .defaultValue)
        }
        #expect(c[.serverName] == expected.0)
        #expect(c.text(.maskSize4) == expected.1)
        #expect(c[.maskSize4] == Int64(expected.1))
        #expect(c[.dedup] == expected.2)
        #expect(c[.clickhouseAddress] == expected.3)
        #expect(c.source(.serverName) == expected.4)
    }

    @Test func configFileCanComeFromTheEnvironment() throws {
        let c = try Configuration.resolve(
            arguments: [], environment: ["DNSMONSTER_CONFIG": "/etc/dnsmonster.ini"],
            readFile: { _ in "[capture]\nport = 5353\n" })
        #expect(c.text(.port) == "5353")
        #expect(c.source(.port) == .file(path: "/etc/dnsmonster.ini", line: 2))
    }

    // MARK: keys

    /// Every option of the table has exactly one key, every key names an option of the table,
    /// and a key's value type reads its option's kind. Walks the table itself, so it covers the
    /// generated keys and the hand-written ones of this dnsmonster's own options alike.
    @Test func everyOptionHasExactlyOneKeyOfItsKind() {
        let keysByName = Dictionary(grouping: OptionTable.keys, by: \.name)
        for option in OptionTable.all {
            let keys = keysByName[option.name] ?? []
            #expect(keys.count == 1, "--\(option.name) has \(keys.count) keys")
            for key in keys {
                #expect(key.valueKinds.contains(option.kind), "\(key) reads \(key.valueKinds), not \(option.kind)")
            }
        }
        for key in OptionTable.keys {
            #expect(OptionTable.option(named: key.name) != nil, "\(key) names no option of the table")
        }
        // Each kind reads as one type, so the same kind never gives two different Swift values.
        let valueTypes = Set(OptionTable.keys.map(\.valueKinds))
        for kind in Set(OptionTable.all.map(\.kind)) {
            #expect(valueTypes.filter { $0.contains(kind) }.count == 1, "\(kind)")
        }
    }

    @Test func keysReadTheirOptionsKinds() throws {
        let defaults = Configuration()
        #expect(defaults[.port] == 53)
        #expect(defaults[.metricFlushInterval] == .seconds(10))
        #expect(defaults[.clickhouseAddress] == ["localhost:9000"])
        #expect(defaults[.devName] == "" && !defaults[.dedup] && defaults[.maskSize4] == 32 && defaults[.lanes] == 0)
        let c = try Self.resolve(["--port=0053", "--clickhouseCompress=2", "--gcTime=1m30s", "--lanes=3"])
        #expect(c[.port] == 53 && c.text(.port) == "0053")
        #expect(c[.clickhouseCompress] == 2)
        #expect(c[.gcTime] == .seconds(90))
        #expect(c[.lanes] == 3 && c.source(.lanes) == .commandLine && c.isChanged(.lanes))
    }

    // MARK: command-line forms

    @Test func namesAreCaseInsensitiveAndTakeBothValueForms() throws {
        let c = try Self.resolve([
            "--PCAPFILE=a.pcap", "--sampleRatio", "1:10", "--maskSize6=64", "-dedup", "--DedupCleanupInterval", "1m30s",
            "--noEtherFrame", "--fileoutputgotemplate={{.}} = x",
        ])
        #expect(c[.pcapFile] == "a.pcap")
        #expect(c[.sampleRatio] == "1:10")
        #expect(c.text(.maskSize6) == "64")
        #expect(c[.dedup])
        #expect(c[.dedupCleanupInterval] == .nanoseconds(90_000_000_000))
        #expect(c[.noEtherframe])
        #expect(c[.fileOutputGoTemplate] == "{{.}} = x")
        #expect(c.isChanged(.pcapFile) && !c.isChanged(.port))
    }

    @Test func booleanTakesNoSeparateValue() throws {
        // `--dedup false`: false is not the flag's value but a stray argument, as in go-flags.
        #expect(throws: ConfigurationError.unexpectedArgument("false")) { try Self.resolve(["--dedup", "false"]) }
        #expect(try !Self.resolve(["--dedup=false"])[.dedup])
    }

    @Test func valuesAreCheckedAgainstTypesAndChoices() {
        #expect(throws: ConfigurationError.invalidValue(.port, value: "dns", expected: "an unsigned integer", source: .commandLine)) {
            try Self.resolve(["--port", "dns"])
        }
        #expect(throws: ConfigurationError.invalidValue(.stdoutOutputType, value: "5", expected: "one of 0, 1, 2, 3, 4", source: .commandLine)) {
            try Self.resolve(["--stdoutOutputType=5"])
        }
        #expect(throws: ConfigurationError.invalidValue(
            .gcTime, value: "10", expected: "a duration such as 60s, 1m30s or 500ms",
            source: .environment(variable: "DNSMONSTER_GCTIME"))) {
            try Self.resolve([], environment: ["DNSMONSTER_GCTIME": "10"])
        }
        #expect(throws: ConfigurationError.missingValue(flag: "pcapFile")) { try Self.resolve(["--pcapFile"]) }
    }

    @Test func unknownFlagSuggestsTheClosestKnownOne() {
        #expect(throws: ConfigurationError.unknownFlag("pcapFle", suggestion: "pcapfile")) { try Self.resolve(["--pcapFle=x"]) }
        #expect(throws: ConfigurationError.unknownFlag("stdoutOutputTyp", suggestion: "stdoutoutputtype")) {
            try Self.resolve(["--stdoutOutputTyp", "1"])
        }
        #expect(throws: ConfigurationError.unknownFlag("dryrn", suggestion: "dryrun")) { try Self.resolve(["--dryrn"]) }
        #expect(throws: ConfigurationError.unknownFlag("pcap", suggestion: "pcapfile")) { try Self.resolve(["--pcap", "a"]) }
        #expect(throws: ConfigurationError.unknownFlag("stdout", suggestion: "stdoutoutputtype")) { try Self.resolve(["--stdout"]) }
        #expect(throws: ConfigurationError.unknownFlag("zzzzzzzzzzzzzzzzzzzz", suggestion: nil)) { try Self.resolve(["--zzzzzzzzzzzzzzzzzzzz"]) }
        let message = ConfigurationError.unknownFlag("pcapFle", suggestion: "pcapfile").description
        #expect(message.contains("--pcapFle") && message.contains("Did you mean --pcapfile?"))
    }

    // MARK: INI files

    @Test func iniCommentsQuotesAndCase() throws {
        let c = try Self.resolve([], ini: """
            ; a comment
            # another
            [CAPTURE]
              PcapFile = a.pcap
            filter = "udp and port 53 ; not a comment"
            [general]
            servername=  sensor 1
            """)
        #expect(c[.pcapFile] == "a.pcap")
        #expect(c[.filter] == "udp and port 53 ; not a comment")
        #expect(c[.serverName] == "sensor 1")
    }

    @Test func iniErrorsNameTheFileAndLine() {
        #expect(throws: ConfigurationError.malformedINILine(path: "test.ini", line: 3, text: "pcapfile")) {
            try Self.resolve([], ini: "[capture]\n\npcapfile\n")
        }
        #expect(throws: ConfigurationError.unknownSection(path: "test.ini", line: 2, section: "captur", suggestion: "capture")) {
            try Self.resolve([], ini: "; x\n[captur]\n")
        }
        #expect(throws: ConfigurationError.unknownKey(path: "test.ini", line: 2, section: "capture", key: "pcapfil", suggestion: "pcapfile")) {
            try Self.resolve([], ini: "[capture]\npcapfil = x\n")
        }
        #expect(throws: ConfigurationError.unknownKey(path: "test.ini", line: 2, section: "capture", key: "servername", suggestion: "servername in [general]")) {
            try Self.resolve([], ini: "[capture]\nservername = x\n")
        }
        #expect(throws: ConfigurationError.keyOutsideSection(path: "test.ini", line: 1, key: "port")) {
            try Self.resolve([], ini: "port = 53\n")
        }
        #expect(throws: ConfigurationError.invalidValue(.port, value: "x", expected: "an unsigned integer", source: .file(path: "test.ini", line: 4))) {
            try Self.resolve([], ini: "[capture]\n\n\nport = x\n")
        }
        #expect(throws: ConfigurationError.malformedINILine(path: "test.ini", line: 2, text: "filter = \"open")) {
            try Self.resolve([], ini: "[capture]\nfilter = \"open\n")
        }
        #expect(throws: ConfigurationError.unknownKey(path: "test.ini", line: 2, section: "help", key: "writeconfig", suggestion: nil)) {
            try Self.resolve([], ini: "[help]\nwriteconfig = x\n")
        }
        #expect(throws: ConfigurationError.unreadableFile(path: "missing.ini", reason: "no such file")) {
            try Configuration.resolve(arguments: ["--config=missing.ini"], environment: [:], readFile: { _ in
                throw ConfigurationFile.FileError(description: "no such file")
            })
        }
        let message = ConfigurationError.unknownKey(path: "a.ini", line: 7, section: "capture", key: "pcapfil", suggestion: "pcapfile").description
        #expect(message.hasPrefix("a.ini:7:") && message.contains("pcapfil") && message.contains("[capture]"))
    }

    // MARK: --writeConfig

    @Test func writtenConfigurationReadsBackTheSame() throws {
        let original = try Self.resolve(
            [
                "--pcapFile", "/tmp/a b.pcap", "--filter", "udp and (port 53 or port 5353)", "--dedup", "--maskSize4=24",
                "--clickhouseAddress", "a:9000", "--clickhouseAddress", "b:9000", "--stdoutOutputType=1",
                "--stdoutOutputGoTemplate", "{{.Server}} \"quoted\" \\ back", "--serverName", " padded ", "--gcTime=20s",
                "--port=53",
            ],
            environment: ["DNSMONSTER_FILEOUTPUTPATH": "/var/log/dnsmonster"])
        let text = INIWriter.render(original)
        #expect(text.contains("[capture]\n"))
        #expect(text.contains("; port = 53\n"))  // at its default: commented out
        #expect(text.contains("\nmasksize4 = 24\n"))
        #expect(!text.contains("writeconfig") && !text.contains("[help]"))
        let reread = try Self.resolve([], ini: text)
        for option in OptionTable.all where option.inINI {
            #expect(reread.values(option) == original.values(option), "\(option.name)")
        }
        #expect(INIWriter.render(reread) == text)
        // Nothing of this dnsmonster's own is set: no section the Go dnsmonster would refuse.
        #expect(!text.contains("[swift]"))
        let withLanes = INIWriter.render(try Self.resolve(["--pcapFile=a", "--lanes=3"]))
        #expect(withLanes.contains("[swift]\n; \(OptionKey.lanes.option.summary)\nlanes = 3\n"))
        #expect(try Self.resolve([], ini: withLanes)[.lanes] == 3)
    }

    /// What a path is decides the plan: a stream capture is read by one lane, a
    /// `--fileOutputPath` that is a file or device is written to itself.
    @Test func thePathsKindsShapeThePlan() throws {
        let stream = try PipelinePlanner.plan(
            Configuration.resolve(arguments: ["--pcapFile=/dev/stdin", "--lanes=4", "--fileOutputType=1", "--fileOutputPath=/dev/stdout"], environment: [:]),
            host: .with(cores: 4, every: .other))
        #expect(stream.lanes.count == 1)
        #expect(stream.notes.contains("--lanes=4: /dev/stdin is a stream (a pipe, FIFO or device), not a file, so one lane reads it"))
        #expect(stream.out.arguments.starts(with: ["--file", "/dev/stdout", "--file-type", "1"]))
        let files = try PipelinePlanner.plan(
            Configuration.resolve(arguments: ["--pcapFile=a.pcap", "--fileOutputType=1", "--fileOutputPath=logs"], environment: [:]),
            host: .with(cores: 4, every: .regularFile))
        #expect(files.lanes.count == 4)
        #expect(files.out.arguments.contains("logs"))
        for kind in [PlanningHost.FileKind.folder, .missing] {
            let folder = try PipelinePlanner.plan(
                Configuration.resolve(arguments: ["--pcapFile=a.pcap", "--fileOutputType=1", "--fileOutputPath=logs"], environment: [:]),
                host: .with(cores: 2, every: kind))
            #expect(folder.lanes.count == 2)
            #expect(folder.out.arguments.contains("logs/dnsmonster.log"))
        }
    }

    /// `--dnstapSocket` plans one lane of dm-capture --dnstap | dm-filter (no dm-parse), whatever
    /// `--lanes` says, and refuses a second input.
    @Test func dnstapSocketPlansOneListener() throws {
        let plan = try PipelinePlanner.plan(
            Configuration.resolve(
                arguments: ["--dnstapSocket=unix:///run/tap.sock", "--dnstapPermission=770", "--lanes=4", "--stdoutOutputType=1"], environment: [:]),
            host: .with(cores: 4, every: .regularFile))
        #expect(plan.lanes.count == 1)
        #expect(plan.parse == nil)
        #expect(plan.lanes[0].stages.map(\.name) == ["dm-capture", "dm-filter"])
        #expect(plan.capture.arguments.starts(with: ["--dnstap", "unix:///run/tap.sock", "--dnstap-permission", "770"]))
        #expect(plan.notes.contains("--lanes=4: one dnstap listener serves every writer, so one lane runs"))
        #expect(plan.shellCommands.count == 1 && !plan.shellCommands[0].contains("dm-parse"))
        #expect(throws: ConfigurationError.self) {
            try PipelinePlanner.plan(
                Configuration.resolve(arguments: ["--dnstapSocket=unix:///run/tap.sock", "--pcapFile=a.pcap"], environment: [:]),
                host: .with(cores: 1, every: .regularFile))
        }
    }

    /// dnsmonster's `[clickhouse_output]` options become dm-out's; the password travels in the
    /// environment, never on a command line.
    @Test func clickhouseOptionsMapToDMOut() throws {
        let plan = try PipelinePlanner.plan(
            Configuration.resolve(
                arguments: [
                    "--pcapFile=a.pcap", "--clickhouseOutputType=2", "--clickhouseAddress=a:9000", "--clickhouseAddress=[::1]:9001",
                    "--clickhouseTable=logs.DNS", "--clickhouseDatabase=dns", "--clickhouseUsername=writer", "--clickhouseCompress=3",
                    "--clickhouseBatchSize=5000", "--clickhouseDelay=250ms", "--clickhouseWorkers=3", "--clickhouseSaveFullQuery",
                    "--clickhouseUseDnstapIdentity",
                ],
                environment: ["DNSMONSTER_CLICKHOUSEPASSWORD": "s3cret"]),
            host: .with(cores: 1, every: .regularFile))
        let arguments = plan.out.arguments
        let expected = [
            "--clickhouse", "a:9000", "--clickhouse", "[::1]:9001", "--clickhouse-type", "2", "--clickhouse-table", "logs.DNS",
            "--clickhouse-database", "dns", "--clickhouse-user", "writer", "--clickhouse-compression", "lz4",
            "--clickhouse-batch-size", "5000", "--clickhouse-delay", "250ms", "--clickhouse-workers", "3",
            "--clickhouse-save-full-query", "--clickhouse-use-dnstap-identity",
        ]
        #expect(arguments.starts(with: expected), "\(arguments)")
        #expect(!plan.shellCommands.joined().contains("s3cret"))
        #expect(plan.environment == ["DM_CLICKHOUSE_PASSWORD": "s3cret"])
        #expect(!plan.out.arguments.contains("--stdout"), "ClickHouse alone is an output: no stdout sink is added")

        let defaults = try PipelinePlanner.plan(
            Configuration.resolve(arguments: ["--pcapFile=a.pcap", "--clickhouseOutputType=1"], environment: [:]),
            host: .with(cores: 1, every: .regularFile))
        #expect(defaults.out.arguments.starts(with: ["--clickhouse", "localhost:9000", "--clickhouse-type", "1", "--clickhouse-compression", "none", "--queue-full", "wait", "--stats-out"]))
        #expect(defaults.environment.isEmpty)
        let secure = try PipelinePlanner.plan(
            Configuration.resolve(arguments: ["--pcapFile=a.pcap", "--clickhouseOutputType=1", "--clickhouseSecure", "--skipTLSVerification"], environment: [:]),
            host: .with(cores: 1, every: .regularFile))
        #expect(secure.out.arguments.contains("--clickhouse-secure") && secure.out.arguments.contains("--clickhouse-tls-skip-verify"))
    }
}
