import DMBytes
import DMRecord
import DMTestSupport
import Foundation
import Testing

/// dm-out's ClickHouse sink against a real ClickHouse (Debian's 18.16, started here): the
/// corpus through the pipeline, rows compared value by value with dm-out's JSON of the same
/// records (Tests/oracle/clickhouse_rows.py); an outage with and without a spool folder; and
/// the set-up errors a user meets.
@Suite("dm-out into a real ClickHouse", .serialized)
struct ClickHouseSinkTests {
    static let schema = Programs.packageRoot + "/docs/clickhouse/tables-18.16.sql"
    static let oracle = Programs.packageRoot + "/Tests/oracle/clickhouse_rows.py"
    static let corpus = Programs.packageRoot + "/../shared/corpus"

    /// Creates DNS_LOG (the 18.16 variant of docs/clickhouse, its first statement) named `table`.
    static func createTable(_ table: String, on server: ClickHouseServer) throws {
        let code = try String(contentsOfFile: Self.schema, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("--") }
        let first = try #require(code.joined(separator: "\n").split(separator: ";").first)
        _ = try server.query(first.replacingOccurrences(of: "DNS_LOG", with: table))
    }

    /// The records of `capture` (dm-capture | dm-parse) in `path`.
    static func records(of capture: String, into path: String) throws {
        let result = try Programs.shell(
            "'\(Programs.product("dm-capture"))' --input '\(capture)' 2>/dev/null | '\(Programs.product("dm-parse"))' > '\(path)' 2>/dev/null")
        try #require(result.status == 0, "\(result.standardError)")
    }

    /// The rows of `table` as JSON lines, addresses as text.
    static func rows(_ table: String, on server: ClickHouseServer) throws -> String {
        try server.query(
            """
            SELECT PacketTime, Server, IPVersion, IPv6NumToString(SrcIP) AS SrcIP, IPv6NumToString(DstIP) AS DstIP, Protocol, QR,
              OpCode, Class, Type, Edns0Present, DoBit, FullQuery, ResponseCode, Question, Size FROM \(table)
            """, format: "JSONEachRow")
    }

    static func counter(_ name: String, in text: String) -> UInt64? {
        guard let range = text.range(of: " \(name)=") else { return nil }
        return UInt64(text[range.upperBound...].prefix { $0.isNumber })
    }

    @Test("captures through the pipeline into ClickHouse, uncompressed, LZ4 and ZSTD: every row equals the JSON of its record")
    func corpusRowsEqualJSON() throws {
        let server = try ClickHouseServer()
        let directory = try TemporaryDirectory()
        let captures = [
            (Programs.packageRoot + "/examples/sample.pcap", "none"),
            (Programs.packageRoot + "/examples/sample.pcap", "lz4"),
            (Programs.packageRoot + "/examples/sample.pcap", "zstd"),
            (Self.corpus + "/generated/dns_lo_udp_tcp.pcap", "lz4"),
            (Self.corpus + "/public/dnscap/edns.pcap", "zstd"),
            (Self.corpus + "/public/tcpdump/dnssec.pcap", "none"),
            (Self.corpus + "/public/dnscap/dnso1tcp.pcap", "lz4"),
            (Self.corpus + "/public/tcpdump/LINKTYPE_RAW_ipv6.pcap", "zstd"),
        ]
        for (index, (capture, compression)) in captures.enumerated() {
            let table = "dns_log_\(index)"
            try Self.createTable(table, on: server)
            let records = directory.file("\(index).records")
            try Self.records(of: capture, into: records)
            let fullQuery = index % 2 == 0
            // The big capture goes through three workers, each with its own connection.
            let workers = index == 3 ? ["--clickhouse-workers", "3", "--clickhouse-batch-size", "1000"] : ["--clickhouse-batch-size", "5000"]
            let result = try Programs.run(
                Programs.product("dm-out"),
                ["--input", records, "--file", directory.file("\(index).json"), "--clickhouse", "127.0.0.1:\(server.port)",
                 "--clickhouse-table", table, "--clickhouse-compression", compression, "--server-name", "ns\(index)"]
                    + workers + (fullQuery ? ["--clickhouse-save-full-query"] : []))
            #expect(result.status == 0, "\(capture) \(compression): \(result.standardError)")
            let lines = try String(contentsOfFile: directory.file("\(index).json"), encoding: .utf8).split(separator: "\n").count
            #expect(lines > 0)
            #expect(Self.counter("clickhouse_written", in: result.standardError) == UInt64(lines), "\(result.standardError)")
            #expect(Self.counter("clickhouse_failed", in: result.standardError) == 0)
            try Self.rows(table, on: server).write(toFile: directory.file("\(index).rows"), atomically: false, encoding: .utf8)
            let compare = try Programs.run(
                "/usr/bin/env",
                ["python3", Self.oracle, directory.file("\(index).json"), directory.file("\(index).rows"), "ns\(index)"]
                    + (fullQuery ? ["--full-query"] : []),
                output: directory.file("\(index).compare"))
            let report = try String(contentsOfFile: directory.file("\(index).compare"), encoding: .utf8)
            #expect(compare.status == 0, "\(capture) \(compression): \(report) \(compare.standardError)")
        }
    }

    /// Runs dm-out on a pipe the test feeds: the first `firstPart` DNS records of
    /// `recordsFile`, then (after `between`) the rest, then (after `beforeEnd`) the end of the
    /// input, or SIGTERM with the input still open (`terminate`).
    static func feed(
        _ arguments: [String], recordsFile: String, firstPart: Int, terminate: Bool = false, between: () throws -> Void,
        beforeEnd: () throws -> Void
    ) throws -> (status: Int32, standardError: String, records: Int) {
        let items = try StreamFiles.read(recordsFile)
        let input = try PipePair()
        let errors = try PipePair()
        let child = try ChildProcess(
            Programs.product("dm-out"), arguments, standardInput: input.readEnd, standardOutput: open("/dev/null", O_WRONLY),
            standardError: errors.writeEnd)
        input.closeReadEnd()
        errors.closeWriteEnd()
        let writer = RecordWriter(fileDescriptor: input.writeEnd, outputName: "test pipe")
        var count = 0
        for item in items {
            switch item {
            case .header(let header): try writer.writeHeader(header)
            case .record(let type, let flags, let body):
                guard type == RecordType.dns.rawValue else { continue }
                try writer.writeRecord(type: .dns, flags: flags, body: body)
                count += 1
                if count == firstPart {
                    try writer.flush()
                    try between()
                }
            }
        }
        try writer.flush()
        try beforeEnd()
        if terminate {
            child.signal(SIGTERM)
        } else {
            try writer.finish()
            input.closeWriteEnd()
        }
        let text = errors.readAll()
        let (status, _) = child.wait()
        return (status, text, count)
    }

    /// Waits up to 10 s for `table` to hold `count` rows, or (nil) for its count to stay the
    /// same for a second; returns what it holds.
    static func waitForRows(_ table: String, count: Int?, on server: ClickHouseServer) throws -> Int {
        var rows = 0
        var unchanged = 0
        for _ in 0..<100 {
            let now = Int(try server.query("SELECT count() FROM \(table)").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            unchanged = now == rows && now > 0 ? unchanged + 1 : 0
            rows = now
            if let count, rows >= count { break }
            if count == nil && unchanged >= 10 { break }
            usleep(100_000)
        }
        return rows
    }

    @Test("the server killed mid-stream and restarted: with a spool folder every record arrives once; without, the loss is counted exactly")
    func outage() throws {
        let server = try ClickHouseServer()
        let directory = try TemporaryDirectory()
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        for spooled in [true, false] {
            let table = spooled ? "with_spool" : "without_spool"
            try Self.createTable(table, on: server)
            var arguments = [
                "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-table", table, "--clickhouse-batch-size", "20",
                "--clickhouse-delay", "100ms", "--clickhouse-queue-size", "4K", "--drain-timeout", "20s",
            ]
            if spooled { arguments += ["--spool-dir", directory.file("spool")] }
            var firstRows = 0
            let run = try Self.feed(arguments, recordsFile: records, firstPart: 100) {
                // The first part is in; then the server goes away while the rest comes.
                // Without a spool, the burst itself overflows the 4 KiB queue: fewer arrive.
                firstRows = try Self.waitForRows(table, count: spooled ? 100 : nil, on: server)
                try server.kill()
            } beforeEnd: {
                // The rest waits in the queue, the spool, or is dropped; the server comes back
                // before the input ends, and dm-out delivers what it kept while draining.
                usleep(1_000_000)
                try server.restart()
            }
            #expect(run.records == 400)
            #expect(spooled ? firstRows == 100 : firstRows >= 20, "\(run.standardError)")
            let written = Self.counter("clickhouse_written", in: run.standardError)
            let dropped = Self.counter("clickhouse_dropped", in: run.standardError)
            let failed = Self.counter("clickhouse_failed", in: run.standardError)
            let rows = try Self.waitForRows(table, count: spooled ? 400 : nil, on: server)
            if spooled {
                #expect(run.status == 0, "\(run.standardError)")
                #expect(rows == 400, "\(run.standardError)")
                #expect(written == 400 && failed == 0, "\(run.standardError)")
                #expect((Self.counter("clickhouse_spooled", in: run.standardError) ?? 0) > 0, "\(run.standardError)")
                #expect(Self.counter("clickhouse_replayed", in: run.standardError) == Self.counter("clickhouse_spooled", in: run.standardError))
                let left = try FileManager.default.contentsOfDirectory(atPath: directory.file("spool/clickhouse"))
                #expect(left.isEmpty, "every spooled batch was replayed and removed: \(left)")
            } else {
                #expect(run.status == 1, "lost records make the exit status 1: \(run.standardError)")
                #expect(UInt64(rows) == written, "\(run.standardError)")
                #expect(written.map { $0 + (failed ?? 0) } == 400, "every record is written or counted as failed: \(run.standardError)")
                #expect((dropped ?? 0) > 0, "\(run.standardError)")
                #expect(run.standardError.contains("dropping records"), "\(run.standardError)")
            }
        }
    }

    @Test("set-up errors: a refused login, a missing table, a column no DNS value fits: exit 1 naming it; a column with a default is left to it")
    func setUpErrors() throws {
        let server = try ClickHouseServer()
        let directory = try TemporaryDirectory()
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        _ = try server.query("CREATE TABLE odd (PacketTime DateTime, Question String, Note String) ENGINE = Memory")
        _ = try server.query("CREATE TABLE typed (PacketTime DateTime, Question UInt8) ENGINE = Memory")
        _ = try server.query("CREATE TABLE defaulted (PacketTime DateTime, Question String, Note String DEFAULT 'n') ENGINE = Memory")
        let cases: [(arguments: [String], message: String)] = [
            (["--clickhouse-user", "nobody"], "nobody"),
            (["--clickhouse-table", "missing"], "missing"),
            (["--clickhouse-table", "odd"], "column Note (String) of odd is not one dnsmonster fills"),
            (["--clickhouse-table", "typed"], "column Question of typed has type UInt8, which cannot hold a text"),
        ]
        for (arguments, message) in cases {
            let result = try Programs.run(
                Programs.product("dm-out"), ["--input", records, "--clickhouse", "127.0.0.1:\(server.port)"] + arguments)
            #expect(result.status == 1, "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count <= 3, "one clear error, not a flood: \(result.standardError)")
        }
        let result = try Programs.run(
            Programs.product("dm-out"), ["--input", records, "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-table", "defaulted"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try server.query("SELECT count(), min(Note), max(Note) FROM defaulted") == "400\tn\tn\n")

        // A user with a password: from dm-out's environment, from dnsmonster's, or refused.
        try server.addUser("writer", password: "s3cret")
        try Self.createTable("DNS_LOG", on: server)
        let dmOut = "'\(Programs.product("dm-out"))' --input '\(records)' --clickhouse 127.0.0.1:\(server.port) --clickhouse-user writer"
        let byEnvironment = try Programs.shell("DM_CLICKHOUSE_PASSWORD=s3cret \(dmOut)")
        #expect(byEnvironment.status == 0, "\(byEnvironment.standardError)")
        let wrong = try Programs.shell("\(dmOut) --clickhouse-password nope")
        #expect(wrong.status == 1 && wrong.standardError.contains("Wrong password for user writer"), "\(wrong.standardError)")
        let wrapped = try Programs.shell(
            "DNSMONSTER_CLICKHOUSEPASSWORD=s3cret '\(Programs.product("dnsmonster"))' --pcapFile '\(Programs.packageRoot)/examples/sample.pcap' --clickhouseOutputType 1 --clickhouseAddress 127.0.0.1:\(server.port) --clickhouseUsername writer")
        #expect(wrapped.status == 0, "\(wrapped.standardError)")
        #expect(try server.query("SELECT count() FROM DNS_LOG") == "800\n")
    }

    @Test("a server that accepts and never answers: no hang, no busy loop, every record counted as failed")
    func silentServer() throws {
        let directory = try TemporaryDirectory()
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        // A listener that accepts (the kernel completes the handshake) and never reads or answers.
        let port = 20000 + Int(getpid() % 5000) * 2 + 1
        let silent = try ChildProcess(
            "/usr/bin/env", ["python3", "-c", "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', \(port))); s.listen(16); time.sleep(60)"],
            standardInput: open("/dev/null", O_RDONLY), standardOutput: open("/dev/null", O_WRONLY), standardError: open("/dev/null", O_WRONLY))
        defer { silent.signal(SIGKILL) }
        usleep(500_000)
        let started = Date()
        let result = try Programs.shell(
            "TIMEFORMAT=%U+%S; time '\(Programs.product("dm-out"))' --input '\(records)' --clickhouse 127.0.0.1:\(port) --drain-timeout 1s 2>'\(directory.file("err"))'")
        let elapsed = Date().timeIntervalSince(started)
        let errors = try String(contentsOfFile: directory.file("err"), encoding: .utf8)
        #expect(result.status == 1, "\(errors)")
        #expect(errors.contains("no server reachable at start"), "\(errors)")
        #expect(errors.contains("timed out"), "\(errors)")
        #expect(Self.counter("clickhouse_failed", in: errors) == 400, "\(errors)")
        #expect(elapsed < 12, "dm-out took \(elapsed) s")
        let cpu = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+").compactMap { Double($0) }.reduce(0, +)
        #expect(cpu < 1.0, "CPU \(result.standardError) s while waiting: a busy loop?")
    }

    @Test("bin/dnsmonster with dnsmonster's ClickHouse flags, two lanes: every record in the table once, and its metrics say so")
    func dnsmonsterIntoClickHouse() throws {
        let server = try ClickHouseServer()
        let directory = try TemporaryDirectory()
        try Self.createTable("wrapped", on: server)
        let result = try Programs.run(
            Programs.product("dnsmonster"),
            ["--pcapFile", Programs.packageRoot + "/examples/sample.pcap", "--lanes", "2", "--clickhouseOutputType", "1",
             "--clickhouseAddress", "127.0.0.1:\(server.port)", "--clickhouseTable", "wrapped", "--clickhouseCompress", "1",
             "--clickhouseBatchSize", "64", "--serverName", "tap1"],
            output: directory.file("stdout"))
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("\"clickhouseSentToOutput\":{\"count\":400}"), "\(result.standardError)")
        #expect(result.standardError.contains("\"clickhouseFailed\":{\"count\":0}"), "\(result.standardError)")
        #expect(result.standardError.contains("accounted: every packet and record is counted where it ended"), "\(result.standardError)")
        #expect(try server.query("SELECT count(), uniqExact(Server), any(Server) FROM wrapped") == "400\t1\ttap1\n")
        #expect(try String(contentsOfFile: directory.file("stdout"), encoding: .utf8).isEmpty, "ClickHouse alone: nothing on stdout")
    }

    @Test("SIGTERM while the server is down: dm-out drains, keeps the rest in the spool (exit 0), and the next run delivers it")
    func sigtermSpoolsAndTheNextRunReplays() throws {
        let server = try ClickHouseServer()
        let directory = try TemporaryDirectory()
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        try Self.createTable("drained", on: server)
        let arguments = [
            "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-table", "drained", "--clickhouse-batch-size", "50",
            "--spool-dir", directory.file("spool"),
        ]
        try server.kill()
        var stopped = Date()
        let (status, text, _) = try Self.feed(arguments + ["--drain-timeout", "500ms"], recordsFile: records, firstPart: 400, terminate: true) {
        } beforeEnd: {
            usleep(500_000)
            stopped = Date()
        }
        #expect(Date().timeIntervalSince(stopped) < 5, "the drain is bounded")
        #expect(status == 0, "nothing was lost: \(text)")
        #expect(Self.counter("clickhouse_kept", in: text) == 400, "\(text)")
        #expect(Self.counter("clickhouse_written", in: text) == 0, "\(text)")

        try server.restart()
        // A fresh server may drop a first connection; the drain waits through a few retries.
        let second = try Programs.run(Programs.product("dm-out"), arguments + ["--input", "/dev/null", "--drain-timeout", "10s"])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(Self.counter("clickhouse_earlier", in: second.standardError) == 400, "\(second.standardError)")
        #expect(try server.query("SELECT count() FROM drained") == "400\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.file("spool/clickhouse")).isEmpty)
    }

    @Test("the modern schema on a current engine: chDB runs docs/clickhouse/tables.sql and loads dm-out's Native file (DateTime64, IPv6, LowCardinality), every row equal to the JSON")
    func modernSchemaOnChDB() throws {
        let directory = try TemporaryDirectory()
        for (index, capture) in [Programs.packageRoot + "/examples/sample.pcap", Self.corpus + "/generated/dns_lo_udp_tcp.pcap"].enumerated() {
            let records = directory.file("\(index).records")
            try Self.records(of: capture, into: records)
            let result = try Programs.run(
                Programs.product("dm-out"),
                ["--input", records, "--file", directory.file("\(index).json"), "--clickhouse-dump", directory.file("\(index).native"),
                 "--clickhouse-save-full-query", "--clickhouse-batch-size", "7000"])
            #expect(result.status == 0, "\(result.standardError)")
            let load = try Programs.shell(
                "python3 '\(Programs.packageRoot)/Tests/oracle/chdb_dns_log.py' '\(Programs.packageRoot)/docs/clickhouse/tables.sql' '\(directory.file("\(index).native"))' '\(directory.file("\(index).chdb"))' '\(Programs.packageRoot)/docs/clickhouse/dictionaries.sql' '\(Programs.packageRoot)/docs/clickhouse/grafana-dashboard.json' > '\(directory.file("\(index).rows"))'")
            try #require(load.status == 0, "\(load.standardError)")
            #expect(load.standardError.contains("aggregates agree with DNS_LOG"), "\(load.standardError)")
            #expect(load.standardError.contains("dashboard: every one of 11 panels returns rows"), "\(load.standardError)")
            #expect(load.standardError.contains("SrcIP\tIPv6") && load.standardError.contains("Server\tLowCardinality(String)")
                && load.standardError.contains("PacketTime\tDateTime64(3)"), "\(load.standardError)")
            let compare = try Programs.run(
                "/usr/bin/env",
                ["python3", Self.oracle, directory.file("\(index).json"), directory.file("\(index).rows"), "default", "--full-query", "--milliseconds"],
                output: directory.file("\(index).compare"))
            let report = try String(contentsOfFile: directory.file("\(index).compare"), encoding: .utf8)
            #expect(compare.status == 0, "\(capture): \(report)")
        }
    }

    @Test("--clickhouse-create-schema: the 18.16 variant on an empty database and beside dnsmonster's own DNS_LOG, once; the views count every row; the docs are the schema")
    func createSchema() throws {
        // The 18.16 dictionaries as a user installs them: the XML, its paths at the TSV files.
        let directory = try TemporaryDirectory()
        let xml = try String(contentsOfFile: Programs.packageRoot + "/docs/clickhouse/dictionaries-18.16.xml", encoding: .utf8)
            .replacingOccurrences(of: "/etc/clickhouse-server/dnsmonster/", with: Programs.packageRoot + "/docs/clickhouse/dictionaries/")
        try xml.write(toFile: directory.file("dictionaries.xml"), atomically: false, encoding: .utf8)
        let server = try ClickHouseServer { _ in "<dictionaries_config>\(directory.file("dictionaries.xml"))</dictionaries_config>" }
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        let dnsmonsterTable = try String(contentsOfFile: Programs.packageRoot + "/../shared/reference/sinks/clickhouse/table-18.16.sql", encoding: .utf8)
        _ = try server.query("CREATE DATABASE fresh; CREATE DATABASE upgraded")
        _ = try server.query("USE upgraded; " + dnsmonsterTable)
        for (database, previous) in [("fresh", 0), ("upgraded", 1)] {
            for run in 0..<2 {
                let result = try Programs.run(
                    Programs.product("dm-out"),
                    ["--input", records, "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-database", database, "--clickhouse-create-schema"])
                #expect(result.status == 0, "\(result.standardError)")
                let expected = run == 0 ? "from version \(previous) to 2 (18.16 variant)" : "is at version 2; nothing to do"
                #expect(result.standardError.contains(expected), "\(database) run \(run): \(result.standardError)")
            }
            let text = try server.query(
                """
                SELECT count() FROM \(database).DNS_SCHEMA_VERSION;
                SELECT count() FROM \(database).DNS_LOG;
                SELECT sumMerge(c) FROM \(database).DNS_PROTOCOL_1M;
                SELECT sumMerge(c) FROM \(database).DNS_TYPE_1M;
                SELECT uniqMerge(UniqueDnsCount) FROM \(database).DNS_DOMAIN_UNIQUE_1M
                """)
            #expect(text == "1\n800\n800\n400\n200\n", "\(database): \(text)")
        }
        let names = try server.query(
            """
            SELECT dictGetString('dns_type', 'Name', toUInt64(Type)) AS type, sumMerge(c) FROM fresh.DNS_TYPE_1M GROUP BY type ORDER BY type;
            SELECT dictGetString('dns_response', 'Name', toUInt64(3)), dictGetString('dns_class', 'Name', toUInt64(1)), dictGetString('dns_opcode', 'Name', toUInt64(0))
            """)
        let typeRows = names.split(separator: "\n").dropLast()
        #expect(typeRows.allSatisfy { !$0.hasPrefix("\t") } && typeRows.contains { $0.hasPrefix("AAAA\t") }, "every type has a name: \(names)")
        #expect(names.hasSuffix("NXDOMAIN\tIN\tQUERY\n"), "\(names)")
        // As a user loads it: clickhouse-client --multiquery < docs/clickhouse/tables-18.16.sql.
        let loaded = try Programs.shell(
            "clickhouse-client --host 127.0.0.1 --port \(server.port) --query 'CREATE DATABASE by_hand' && clickhouse-client --host 127.0.0.1 --port \(server.port) --database by_hand --multiquery < '\(Self.schema)'")
        #expect(loaded.status == 0, "\(loaded.standardError)")
        #expect(try server.query("SELECT count() FROM system.tables WHERE database = 'by_hand'") == "24\n")
        for variant in ["current", "18.16"] {
            let printed = directory.file("\(variant).sql")
            let result = try Programs.run(Programs.product("dm-out"), ["--clickhouse-print-schema", variant], output: printed)
            #expect(result.status == 0)
            let file = Programs.packageRoot + "/docs/clickhouse/" + (variant == "current" ? "tables.sql" : "tables-18.16.sql")
            #expect(try StreamFiles.bytes(printed) == StreamFiles.bytes(file), "\(file) is what dm-out --clickhouse-print-schema \(variant) prints")
        }
    }

    @Test("two shards behind a Distributed table: the rows dm-out inserts land on both, all of them once")
    func distributedOverTwoShards() throws {
        let second = try ClickHouseServer()
        let first = try ClickHouseServer { port in
            """
            <remote_servers><dns>
              <shard><replica><host>127.0.0.1</host><port>\(port)</port></replica></shard>
              <shard><replica><host>127.0.0.1</host><port>\(second.port)</port></replica></shard>
            </dns></remote_servers>
            """
        }
        for server in [first, second] { try Self.createTable("DNS_LOG_LOCAL", on: server) }
        _ = try first.query("CREATE TABLE DNS_LOG AS DNS_LOG_LOCAL ENGINE = Distributed(dns, default, DNS_LOG_LOCAL, rand())")
        let directory = try TemporaryDirectory()
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        let result = try Programs.run(
            Programs.product("dm-out"), ["--input", records, "--clickhouse", "127.0.0.1:\(first.port)", "--clickhouse-batch-size", "50"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(Self.counter("clickhouse_written", in: result.standardError) == 400)
        // The Distributed table forwards to the other shard in the background.
        var counts = [0, 0]
        for _ in 0..<100 {
            counts = try [first, second].map { Int(try $0.query("SELECT count() FROM DNS_LOG_LOCAL").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1 }
            if counts[0] + counts[1] >= 400 { break }
            usleep(100_000)
        }
        #expect(counts[0] + counts[1] == 400, "\(counts)")
        #expect(counts[0] > 0 && counts[1] > 0, "rows on both shards: \(counts)")
        #expect(try first.query("SELECT count(), uniqExact(Question) FROM DNS_LOG") == "400\t200\n")
    }

    @Test("TLS: --clickhouse-secure to the server's secure port with its CA: every row; an untrusted certificate: a clear error at start; skip-verify: rows")
    func tls() throws {
        let directory = try TemporaryDirectory()
        let made = try Programs.shell(
            "cd '\(directory.path)' && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=localhost -addext 'subjectAltName=IP:127.0.0.1,DNS:localhost'")
        try #require(made.status == 0, "\(made.standardError)")
        let server = try ClickHouseServer { port in
            """
            <tcp_port_secure>\(port - 10_000)</tcp_port_secure>
            <openSSL><server>
              <certificateFile>\(directory.file("cert.pem"))</certificateFile><privateKeyFile>\(directory.file("key.pem"))</privateKeyFile>
              <verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile>
              <disableProtocols>sslv2,sslv3</disableProtocols><preferServerCiphers>true</preferServerCiphers>
            </server></openSSL>
            """
        }
        let securePort = server.port - 10_000
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        try Self.createTable("secure", on: server)
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["--clickhouse-ca-file", directory.file("cert.pem")], 0, "TLS)"),
            ([], 1, "the server's certificate is not trusted"),
            (["--clickhouse-tls-skip-verify"], 0, "TLS)"),
        ]
        var expectedRows = 0
        for (arguments, status, message) in cases {
            let result = try Programs.run(
                Programs.product("dm-out"),
                ["--input", records, "--clickhouse", "127.0.0.1:\(securePort)", "--clickhouse-secure", "--clickhouse-table", "secure"] + arguments)
            #expect(result.status == status, "\(arguments): \(result.standardError)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
            if status == 0 { expectedRows += 400 }
            #expect(try server.query("SELECT count() FROM secure") == "\(expectedRows)\n")
        }
    }

    @Test("failover: a dead first address, a live second one: every row arrives; output type 3 on unmarked records: all skipped, with the hint")
    func failoverAndOutputType() throws {
        let server = try ClickHouseServer()
        let directory = try TemporaryDirectory()
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        try Self.createTable("failover", on: server)
        // Nothing listens on the first address (a port of this test's own range, not started).
        let dead = "127.0.0.1:\(server.port - 10_001)"
        let result = try Programs.run(
            Programs.product("dm-out"),
            ["--input", records, "--clickhouse", dead, "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-table", "failover",
             "--clickhouse-workers", "2", "--clickhouse-batch-size", "30"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(Self.counter("clickhouse_written", in: result.standardError) == 400, "\(result.standardError)")
        #expect(try server.query("SELECT count() FROM failover") == "400\n")

        let typed = try Programs.run(
            Programs.product("dm-out"),
            ["--input", records, "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-table", "failover", "--clickhouse-type", "3"])
        #expect(typed.status == 0, "\(typed.standardError)")
        #expect(Self.counter("clickhouse_skipped", in: typed.standardError) == 400 && Self.counter("clickhouse_written", in: typed.standardError) == 0)
        #expect(typed.standardError.contains("clickhouse has output type 3, but records were not checked against domain lists"), "\(typed.standardError)")
        #expect(try server.query("SELECT count() FROM failover") == "400\n")
    }

    @Test("records whose messages have no question are delivered without rows; a record's dnstap identity fills Server on request")
    func questionlessRecordsAndIdentity() throws {
        let server = try ClickHouseServer()
        let directory = try TemporaryDirectory()
        try Self.createTable("empty_batches", on: server)
        // A response header with no question (qdcount 0), then one ordinary capture.
        let metadata = DNSMetadata(
            timeNanoseconds: 1_700_000_000_000_000_000, packetLength: 12, ipVersion: 4, transport: .udp, sourcePort: 53,
            destinationPort: 4000, sourceAddress: IPAddressBytes([192, 0, 2, 1])!, destinationAddress: IPAddressBytes([192, 0, 2, 2])!)
        let bare = DNSRecord(metadata: metadata, message: [0x12, 0x34, 0x81, 0x80, 0, 0, 0, 0, 0, 0, 0, 0])
        try StreamFiles.write(directory.file("bare.records")) { writer in
            try writer.writeHeader(StreamHeader(entries: []))
            for _ in 0..<5 { try writer.writeRecord(type: .dns, body: bare.encodedBody()) }
        }
        // And the client queries of Unbound's dnstap, whose records carry its identity and version.
        let tap = try Programs.run(
            Programs.product("dm-capture"),
            ["--input", Programs.packageRoot + "/../shared/corpus/generated/unbound_dnstap.fstrm", "--dnstap-types", "CQ"],
            output: directory.file("tapped.records"))
        #expect(tap.status == 0 && tap.standardError.contains("records_written=11"), "\(tap.standardError)")
        let records = directory.file("sample.records")
        try Self.records(of: Programs.packageRoot + "/examples/sample.pcap", into: records)
        let result = try Programs.run(
            Programs.product("dm-out"),
            ["--input", directory.file("bare.records"), "--input", records, "--threads", "1", "--clickhouse", "127.0.0.1:\(server.port)",
             "--clickhouse-table", "empty_batches", "--clickhouse-batch-size", "5"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(Self.counter("clickhouse_written", in: result.standardError) == 405, "\(result.standardError)")
        #expect(Self.counter("clickhouse_failed", in: result.standardError) == 0, "\(result.standardError)")
        #expect(try server.query("SELECT count() FROM empty_batches") == "400\n")

        // A record whose message does not decode (as dm-parse --keep-malformed lets through)
        // has no row and counts as failed, beside a good one that is written.
        let broken = DNSRecord(metadata: metadata, message: [0xFF, 0xFF, 0x81])
        try StreamFiles.write(directory.file("broken.records")) { writer in
            try writer.writeHeader(StreamHeader(entries: []))
            try writer.writeRecord(type: .dns, body: broken.encodedBody())
            try writer.writeRecord(type: .dns, body: bare.encodedBody())
        }
        let refused = try Programs.run(
            Programs.product("dm-out"),
            ["--input", directory.file("broken.records"), "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-table", "empty_batches"])
        #expect(refused.status == 1, "a record was lost: \(refused.standardError)")
        #expect(Self.counter("clickhouse_failed", in: refused.standardError) == 1 && Self.counter("clickhouse_written", in: refused.standardError) == 1)
        #expect(refused.standardError.contains("left out records whose DNS message does not decode"), "\(refused.standardError)")

        // --clickhouse-use-dnstap-identity: Server is the record's identity; without it, --server-name.
        for useIdentity in [true, false] {
            let run = try Programs.run(
                Programs.product("dm-out"),
                ["--input", directory.file("tapped.records"), "--clickhouse", "127.0.0.1:\(server.port)", "--clickhouse-table", "empty_batches",
                 "--server-name", "tap-host"] + (useIdentity ? ["--clickhouse-use-dnstap-identity"] : []))
            #expect(run.status == 0, "\(run.standardError)")
        }
        #expect(try server.query("SELECT Server, count(), uniqExact(Question) FROM empty_batches WHERE Server IN ('ci-unbound', 'tap-host') GROUP BY Server ORDER BY Server")
            == "ci-unbound\t11\t8\ntap-host\t11\t8\n")
    }
}
