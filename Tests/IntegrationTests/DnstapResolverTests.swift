import DMTestSupport
import Foundation
import Testing

/// dm-capture --dnstap against real resolvers from Debian, started here on loopback
/// (../shared/servers/dns-authoritative.sh, resolvers-dnstap.sh): BIND 9.18 authoritative
/// (AUTH_QUERY and CLIENT_RESPONSE) with dig and dnsperf over UDP and TCP, IPv4 and IPv6; and,
/// each in a network namespace that has only `lo` with BIND in it, Unbound 1.17 (CLIENT_*,
/// RESOLVER_* and FORWARDER_* messages, with --dnstap-types), Knot Resolver 5.6 (CLIENT_*) and
/// knotd 3.2 (AUTH_*). Every query sent must come out of dm-out's JSON with the right name,
/// type, addresses, ports, transport, identity and version, and the counters must add up
/// exactly. A missing program is a failure naming scripts/install-deps.sh, never a skip.
@Suite("dnstap from real resolvers (BIND, Unbound, Knot Resolver, knotd)", .serialized)
struct DnstapResolverTests {
    static let servers = Programs.packageRoot + "/../shared/servers"
    /// The Debian packages the programs below come from (scripts/install-deps.sh installs them).
    static let packages = "bind9 bind9-utils bind9-dnsutils unbound knot-resolver knot knot-module-dnstap dnsperf iproute2"

    /// The full path of each program; a missing one fails the test (never a skip).
    static func programs(_ names: [String]) throws -> [String: String] {
        var found: [String: String] = [:]
        var missing: [String] = []
        for name in names {
            let path = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"].map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            if let path { found[name] = path } else { missing.append(name) }
        }
        guard missing.isEmpty else {
            throw TestFailure("missing \(missing.joined(separator: ", ")): run scripts/install-deps.sh (Debian packages \(Self.packages))")
        }
        for script in ["dns-authoritative.sh", "resolvers-dnstap.sh"] where !FileManager.default.fileExists(atPath: "\(Self.servers)/\(script)") {
            throw TestFailure("the shared server scripts are missing: \(Self.servers)/\(script)")
        }
        return found
    }

    /// A running `dm-capture --dnstap unix://SOCKET` writing records to a file, whose summary
    /// lines (one every 0.1 s) the test reads while it runs.
    final class Collector {
        let child: ChildProcess
        let socket: String
        let output: String
        private let errors: PipePair
        private(set) var errorText = ""
        private var stopped = false

        init(socket: String, output: String, arguments: [String]) throws {
            self.socket = socket
            self.output = output
            self.errors = try PipePair()
            let outputFD = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard outputFD >= 0 else { throw TestFailure("cannot create \(output)") }
            defer { close(outputFD) }
            let nullFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
            defer { close(nullFD) }
            self.child = try ChildProcess(
                Programs.product("dm-capture"), ["--dnstap", "unix://" + socket, "--stats-interval", "0.1"] + arguments,
                standardInput: nullFD, standardOutput: outputFD, standardError: self.errors.writeEnd)
            self.errors.closeWriteEnd()
        }

        deinit {
            if !self.stopped { self.child.signal(SIGKILL) }
        }

        /// Reads what standard error holds, waiting up to `milliseconds` for something.
        private func readErrors(milliseconds: Int32) {
            var chunk = [UInt8](repeating: 0, count: 8192)
            var descriptor = pollfd(fd: self.errors.readEnd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, milliseconds) > 0 else { return }
            let count = chunk.withUnsafeMutableBytes { read(self.errors.readEnd, $0.baseAddress, $0.count) }
            if count > 0 { self.errorText += String(decoding: chunk[0..<count], as: UTF8.self) }
        }

        /// The counters of the latest complete summary line (empty before the first).
        var counters: [String: UInt64] {
            let lines = self.errorText.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            guard let line = lines.last(where: { $0.contains(" dnstap_messages=") }) else { return [:] }
            return DnstapResolverTests.counters(in: String(line))
        }

        /// Waits up to `seconds` until `condition` holds for the latest counters.
        func wait(seconds: Double = 10, until condition: ([String: UInt64]) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition(self.counters) { return true }
                self.readErrors(milliseconds: 100)
            }
            return condition(self.counters)
        }

        /// Waits up to 10 s until the socket exists and dm-capture says it listens.
        func waitUntilListening() -> Bool {
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                if self.errorText.contains("listening for dnstap writers") && FileManager.default.fileExists(atPath: self.socket) { return true }
                self.readErrors(milliseconds: 50)
            }
            return false
        }

        /// SIGTERM; returns the exit and the final summary line's counters.
        func stop() -> (status: Int32, signaled: Bool, counters: [String: UInt64], summary: String) {
            self.child.signal(SIGTERM)
            self.errorText += self.errors.readAll()
            let (status, signaled) = self.child.wait()
            self.stopped = true
            let summary = self.errorText.split(separator: "\n").last { $0.contains("stopped by signal;") }.map(String.init) ?? ""
            return (status, signaled, DnstapResolverTests.counters(in: summary), summary)
        }
    }

    /// `name=N` pairs of a summary line.
    static func counters(in line: String) -> [String: UInt64] {
        SummaryCounters.parse(line, lastLineContaining: "=")
    }

    /// One JSON line of dm-out: the fields these tests look at.
    struct Message: CustomStringConvertible {
        var response: Bool
        var id: Int
        var name: String
        var qtype: Int
        var rcode: Int
        var recursionDesired: Bool
        var ipVersion: Int
        var sourceIP: String
        var sourcePort: Int
        var destinationIP: String
        var destinationPort: Int
        var transport: String
        var identity: String
        var version: String

        var description: String {
            "\(self.response ? "R" : "Q") id=\(self.id) \(self.name)/\(self.qtype) rcode=\(self.rcode) rd=\(self.recursionDesired) "
                + "v\(self.ipVersion) \(self.sourceIP):\(self.sourcePort)->\(self.destinationIP):\(self.destinationPort) \(self.transport) "
                + "[\(self.identity)|\(self.version)]"
        }
    }

    /// dm-out's JSON of the records in `records`.
    static func messages(of records: String) throws -> [Message] {
        let json = records + ".json"
        let result = try Programs.run(Programs.product("dm-out"), ["--input", records, "--format", "json"], output: json)
        try #require(result.status == 0, "\(result.standardError)")
        return try String(contentsOfFile: json, encoding: .utf8).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let dns = try #require(object["DNS"] as? [String: Any], "\(line)")
            let question = try #require((dns["Question"] as? [[String: Any]])?.first, "no question: \(line)")
            return Message(
                response: dns["Response"] as? Bool ?? false, id: dns["Id"] as? Int ?? -1, name: question["Name"] as? String ?? "",
                qtype: question["Qtype"] as? Int ?? -1, rcode: dns["Rcode"] as? Int ?? -1, recursionDesired: dns["RecursionDesired"] as? Bool ?? false,
                ipVersion: object["IPVersion"] as? Int ?? -1, sourceIP: object["SrcIP"] as? String ?? "", sourcePort: object["SrcPort"] as? Int ?? -1,
                destinationIP: object["DstIP"] as? String ?? "", destinationPort: object["DstPort"] as? Int ?? -1,
                transport: object["Protocol"] as? String ?? "", identity: object["Identity"] as? String ?? "",
                version: object["Version"] as? String ?? "")
        }
    }

    /// Whether TCP and UDP `port` can be bound on 127.0.0.1 and ::1 (nothing else uses it).
    static func portIsFree(_ port: UInt16) -> Bool {
        for family in [AF_INET, AF_INET6] {
            for type in [Int32(SOCK_STREAM.rawValue), Int32(SOCK_DGRAM.rawValue)] {
                let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
                guard fd >= 0 else { return false }
                defer { close(fd) }
                var bound: Int32
                if family == AF_INET {
                    var address = sockaddr_in()
                    address.sin_family = sa_family_t(AF_INET)
                    address.sin_port = port.bigEndian
                    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
                    bound = withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                    }
                } else {
                    var address = sockaddr_in6()
                    address.sin6_family = sa_family_t(AF_INET6)
                    address.sin6_port = port.bigEndian
                    address.sin6_addr = in6addr_loopback
                    bound = withUnsafePointer(to: &address) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                    }
                }
                if bound != 0 { return false }
            }
        }
        return true
    }

    /// A port free on 127.0.0.1 and ::1, TCP and UDP, from 15353 up (below the 20000+ ranges
    /// the other suites' servers and captures use), one per process.
    static func freePort() throws -> Int {
        let start = 15353 + Int(getpid() % 1000) * 4
        for port in start..<(start + 200) where port < 20000 && Self.portIsFree(UInt16(port)) { return port }
        for port in 15353..<20000 where Self.portIsFree(UInt16(port)) { return port }
        throw TestFailure("no free port on 127.0.0.1 and ::1 between 15353 and 19999 (is ::1 missing on lo?)")
    }

    /// Runs `executable`; fails with its messages unless it exits 0. Returns standard output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: TemporaryDirectory) throws -> String {
        let output = directory.file("run-\(UUID().uuidString).out")
        let result = try Programs.run(executable, arguments, output: output)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: output)
        guard result.status == 0 && !result.terminatedBySignal else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) failed (\(result.status)): \(text) \(result.standardError)")
        }
        return text
    }

    // MARK: BIND

    /// The number after `label:` in dnsperf's report.
    static func reported(_ label: String, in report: String) -> Int? {
        guard let line = report.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label + ":") }) else { return nil }
        return Int(line.split(separator: ":", maxSplits: 1)[1].split(separator: " ").first ?? "")
    }

    /// A query the test sends to BIND and expects in the records, once as a query and once as
    /// its response.
    struct SentQuery {
        var name: String
        var qtype: Int
        var server: String
        var transport: String
        var rcode: Int
    }

    @Test("BIND 9.18 (AUTH_QUERY + CLIENT_RESPONSE): every dig and dnsperf query over UDP/TCP, IPv4/IPv6 comes out with its endpoints, identity and version")
    func bindAuthoritative() throws {
        let tools = try Self.programs(["named", "named-checkconf", "dnssec-keygen", "dnssec-signzone", "dig", "dnsperf"])
        let directory = try TemporaryDirectory()
        let port = try Self.freePort()
        let socket = directory.file("dnstap.sock")   // dns-authoritative.sh points named at $DNS_DIR/dnstap.sock
        let environment = "DNS_DIR='\(directory.path)' DNS_PORT=\(port) DNS_ADDR4=127.0.0.1 DNS_ADDR6=::1 DNSTAP=unix"
        // The collector owns the socket before named starts. BIND logs AQ for queries and CR for
        // answers: keeping only those must skip nothing.
        let collector = try Collector(
            socket: socket, output: directory.file("bind.records"), arguments: ["--dnstap-permission", "0666", "--dnstap-types", "AQ,CR"])
        try #require(collector.waitUntilListening(), "\(collector.errorText)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: socket)[.posixPermissions] as? Int)
        #expect(mode == 0o666, "socket mode \(String(mode, radix: 8))")

        let start = try Programs.shell("\(environment) bash '\(Self.servers)/dns-authoritative.sh' start 1>&2")
        defer { _ = try? Programs.shell("\(environment) bash '\(Self.servers)/dns-authoritative.sh' stop") }
        try #require(start.status == 0, "named did not start: \(start.standardError)")
        try #require(collector.wait { ($0["clients_connected"] ?? 0) >= 1 }, "named did not connect: \(collector.errorText)")

        var sent: [SentQuery] = []
        // dig: UDP and TCP, to 127.0.0.1 and ::1; names no other query uses.
        for (server, transport, name, type, qtype) in [
            ("127.0.0.1", "udp", "dig-u4.wild.example.test.", "A", 1), ("127.0.0.1", "tcp", "dig-t4.wild.example.test.", "TXT", 16),
            ("::1", "udp", "dig-u6.wild.example.test.", "A", 1), ("::1", "tcp", "dig-t6.wild.example.test.", "AAAA", 28),
        ] {
            let answer = try Self.run(
                tools["dig"]!, ["+time=2", "+tries=1", "-p", String(port), "@" + server] + (transport == "tcp" ? ["+tcp"] : []) + [name, type],
                in: directory)
            #expect(answer.contains("status: NOERROR"), "\(answer)")
            sent.append(SentQuery(name: name, qtype: qtype, server: server, transport: transport, rcode: 0))
        }
        // dnsperf: each line of a file once, over UDP and over TCP.
        for (transport, count) in [("udp", 150), ("tcp", 60)] {
            var lines: [String] = []
            for index in 0..<count {
                let query: SentQuery
                switch index % 3 {
                case 0: query = SentQuery(name: "perf-\(transport)-\(index).wild.example.test.", qtype: 1, server: "127.0.0.1", transport: transport, rcode: 0)
                case 1: query = SentQuery(name: "perf-\(transport)-\(index).wild.example.test.", qtype: 16, server: "127.0.0.1", transport: transport, rcode: 0)
                default: query = SentQuery(name: "nx-\(transport)-\(index).example.test.", qtype: 1, server: "127.0.0.1", transport: transport, rcode: 3)
                }
                sent.append(query)
                lines.append("\(query.name) \(query.qtype == 16 ? "TXT" : "A")")
            }
            let file = directory.file("queries-\(transport).txt")
            try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: false, encoding: .utf8)
            let report = try Self.run(
                tools["dnsperf"]!, ["-s", "127.0.0.1", "-p", String(port), "-m", transport, "-d", file, "-n", "1", "-l", "15", "-Q", "3000"],
                in: directory)
            #expect(Self.reported("Queries sent", in: report) == count, "\(report)")
            #expect(Self.reported("Queries completed", in: report) == count, "\(report)")
            #expect(Self.reported("Queries lost", in: report) == 0, "\(report)")
        }

        // named flushes its dnstap queue when it stops and says FINISH; then dm-capture ends.
        let stop = try Programs.shell("\(environment) bash '\(Self.servers)/dns-authoritative.sh' stop 1>&2")
        #expect(stop.status == 0, "\(stop.standardError)")
        #expect(
            collector.wait { ($0["clients_disconnected"] ?? 0) >= 1 && $0["clients_disconnected"] == $0["clients_connected"] },
            "named did not close its dnstap connection: \(collector.errorText)")
        let (status, signaled, counters, summary) = collector.stop()
        #expect(status == 0 && !signaled, "\(collector.errorText)")
        #expect(!FileManager.default.fileExists(atPath: socket), "dm-capture removes its socket at exit")

        let messages = try Self.messages(of: directory.file("bind.records"))
        var remaining = messages
        var problems: [String] = []
        for query in sent {
            let found = messages.filter { $0.name == query.name && $0.qtype == query.qtype }
            remaining.removeAll { $0.name == query.name && $0.qtype == query.qtype }
            let queries = found.filter { !$0.response }, responses = found.filter(\.response)
            guard queries.count == 1, responses.count == 1, let asked = queries.first, let answered = responses.first else {
                problems.append("\(query.name) \(query.qtype) \(query.transport) \(query.server): want one query and one response, got \(found)")
                continue
            }
            let version = query.server == "::1" ? 6 : 4
            for message in [asked, answered]
            where message.ipVersion != version || message.sourceIP != query.server || message.destinationIP != query.server
                || message.destinationPort != port || message.transport != query.transport
            {
                problems.append("\(query.name) \(query.transport) \(query.server):\(port): \(message)")
            }
            if asked.sourcePort == 0 || asked.sourcePort != answered.sourcePort || asked.id != answered.id || answered.rcode != query.rcode {
                problems.append("\(query.name): query and response do not match (rcode \(query.rcode)): \(asked) / \(answered)")
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems: \(problems.prefix(10))")
        // dns-authoritative.sh's dnstap-identity and dnstap-version.
        let unlabelled = messages.filter { $0.identity != "ci-named" || $0.version != "bind9" }
        #expect(unlabelled.isEmpty, "\(unlabelled.prefix(10))")
        // The rest are dns-authoritative.sh's readiness queries (dig example.test SOA), each answered.
        #expect(remaining.allSatisfy { $0.name == "example.test." && $0.qtype == 6 && $0.sourceIP == "127.0.0.1" }, "\(remaining)")
        #expect(remaining.filter(\.response).count == remaining.filter { !$0.response }.count, "\(remaining)")

        // named logs exactly two messages per query (AQ, CR): the counters add up with nothing lost.
        #expect(counters["dnstap_messages"] == UInt64(messages.count), "\(summary)")
        #expect(messages.count == 2 * (sent.count + remaining.count / 2), "\(summary)")
        #expect(counters["dnstap_frames"] == counters["dnstap_messages"] && counters["records_written"] == counters["dnstap_messages"], "\(summary)")
        #expect(counters["types_skipped"] == 0 && counters["decode_errors"] == 0 && counters["malformed_messages"] == 0, "\(summary)")
        #expect((counters["clients_connected"] ?? 0) >= 1 && counters["protocol_errors"] == 0 && counters["cut_frames"] == 0, "\(summary)")
    }

    // MARK: Servers in a namespace

    /// The programs a namespace with BIND in it needs.
    static let namespaceTools = ["named", "named-checkconf", "dnssec-keygen", "dnssec-signzone", "dig", "ip"]

    /// A network namespace of our own with only lo, and BIND in it on 127.0.0.1:53 serving
    /// dns-authoritative.sh's zones: the upstream or zone source of the servers the tests start
    /// there, none of which can reach beyond the machine (root priming, trust-anchor refresh).
    struct Namespace {
        var name: String
        /// BIND's example.test zone file.
        var zoneFile: String
        /// Stops BIND and deletes the namespace.
        var remove: () -> Void
    }

    /// Creates the namespace and starts BIND in it (files in `directory`/named); undoes both if
    /// that fails. The caller removes it (`defer { namespace.remove() }`).
    static func namespaceWithBIND(tools: [String: String], directory: TemporaryDirectory) throws -> Namespace {
        let name = "dmtap\(getpid())"
        let named = "DNS_DIR='\(directory.file("named"))' DNS_PORT=53 DNS_ADDR4=127.0.0.1 DNS_ADDR6=::1"
        let remove = {
            _ = try? Programs.shell("\(named) bash '\(Self.servers)/dns-authoritative.sh' stop")
            _ = try? Programs.run(tools["ip"]!, ["netns", "del", name])
        }
        var started = false
        defer { if !started { remove() } }
        _ = try? Programs.run(tools["ip"]!, ["netns", "del", name])
        try Self.run(tools["ip"]!, ["netns", "add", name], in: directory)
        try Self.run(tools["ip"]!, ["-n", name, "link", "set", "lo", "up"], in: directory)
        try FileManager.default.createDirectory(atPath: directory.file("named"), withIntermediateDirectories: true)
        let start = try Programs.shell("\(named) '\(tools["ip"]!)' netns exec \(name) bash '\(Self.servers)/dns-authoritative.sh' start 1>&2")
        try #require(start.status == 0, "named did not start in \(name): \(start.standardError)")
        started = true
        return Namespace(name: name, zoneFile: directory.file("named/zones/example.test.db"), remove: remove)
    }

    /// A DNS server the tests start in the namespace, writing dnstap into dm-capture.
    struct NamespaceServer {
        /// Its name in folders, files and messages.
        var name: String
        /// The port it answers on at 127.0.0.1 in the namespace.
        var port: Int
        /// The dnstap messages it logs per query.
        var messagesPerQuery: Int
        /// Writes its configuration into `folder` for the dnstap socket `socket` (checked where
        /// the server has a checker) and returns its command line, program first; it stays in
        /// the foreground, logging to standard error or to `*.log` files in `folder`.
        var configure: (_ folder: String, _ socket: String) throws -> [String]
    }

    /// A query sent with dig from inside the namespace; for Unbound, how it resolves it:
    /// through the stub zone (RESOLVER_*) or the forward zone (FORWARDER_*).
    struct ResolverQuery {
        var name: String
        var type: String
        var qtype: Int
        var transport: String
        var forwarded = false
        var rcode: Int
    }

    /// What one server run gave: the final counters and the records.
    struct ServerRun {
        var counters: [String: UInt64]
        var summary: String
        var messages: [Message]
        /// The queries sent (the readiness query first).
        var queries: [ResolverQuery]
    }

    /// Starts dm-capture (with `arguments`) and `server` in `namespace` writing dnstap to it,
    /// sends `queries` with dig, waits until all their messages have arrived (Unbound 1.17
    /// drops what its dnstap queue still holds when it stops; kresd and knotd hand theirs to
    /// the socket only every 2 s or so), stops both.
    static func runServer(
        _ server: NamespaceServer, run: Int, arguments: [String], queries toSend: [ResolverQuery], namespace: String,
        tools: [String: String], directory: TemporaryDirectory
    ) throws -> ServerRun {
        let folder = directory.file("\(server.name)-\(run)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // The socket file is visible from both namespaces.
        let socket = folder + "/dnstap.sock"
        let collector = try Collector(socket: socket, output: folder + "/out.records", arguments: arguments)
        try #require(collector.waitUntilListening(), "\(collector.errorText)")
        let command = try server.configure(folder, socket)
        let logFD = open(folder + "/\(server.name).out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let nullFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
        // `ip netns exec` executes the server in place: the child is the server itself.
        let daemon = try ChildProcess(
            tools["ip"]!, ["netns", "exec", namespace] + command, standardInput: nullFD, standardOutput: logFD, standardError: logFD)
        close(logFD)
        close(nullFD)
        var daemonRunning = true
        defer { if daemonRunning { daemon.signal(SIGKILL); daemon.wait() } }
        func log() -> String {
            let logs = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
            let files = [server.name + ".out"] + logs
            return files.map { (try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8)) ?? "" }.joined()
        }
        func dig(_ query: ResolverQuery, time: Int) throws -> Programs.Result {
            try Programs.run(
                tools["ip"]!,
                ["netns", "exec", namespace, tools["dig"]!, "+time=\(time)", "+tries=1", "-p", String(server.port), "@127.0.0.1"]
                    + (query.transport == "tcp" ? ["+tcp"] : []) + [query.name, query.type],
                output: folder + "/dig.out")
        }

        // Ready when it answers; each attempt asks for a name of its own.
        var queries: [ResolverQuery] = []
        for attempt in 0..<100 {
            let ready = ResolverQuery(name: "ready\(attempt).wild.example.test.", type: "A", qtype: 1, transport: "udp", forwarded: false, rcode: 0)
            if try dig(ready, time: 1).status == 0,
                (try? String(contentsOfFile: folder + "/dig.out", encoding: .utf8))?.contains("status: NOERROR") == true
            {
                queries.append(ready)
                break
            }
            usleep(50_000)
        }
        try #require(queries.count == 1, "\(server.name) does not answer on 127.0.0.1:\(server.port) in \(namespace): \(log())")
        for query in toSend {
            let result = try dig(query, time: 2)
            let answer = (try? String(contentsOfFile: folder + "/dig.out", encoding: .utf8)) ?? ""
            #expect(result.status == 0 && answer.contains(query.rcode == 3 ? "status: NXDOMAIN" : "status: NOERROR"), "\(answer) \(result.standardError)")
            queries.append(query)
        }
        let expected = UInt64(server.messagesPerQuery * queries.count)
        #expect(
            collector.wait { ($0["dnstap_messages"] ?? 0) >= expected },
            "want \(expected) dnstap messages: \(collector.errorText) \(log())")
        daemon.signal(SIGTERM)
        let (daemonStatus, daemonSignaled) = daemon.wait()
        daemonRunning = false
        #expect(daemonStatus == 0 && !daemonSignaled, "\(server.name) exit \(daemonStatus): \(log())")
        #expect(
            collector.wait { ($0["clients_disconnected"] ?? 0) >= 1 }, "\(server.name) did not close its dnstap connection: \(collector.errorText)")
        let (status, signaled, counters, summary) = collector.stop()
        #expect(status == 0 && !signaled, "\(collector.errorText)")
        #expect(!FileManager.default.fileExists(atPath: socket), "dm-capture removes its socket at exit")
        #expect(counters["dnstap_messages"] == expected && counters["dnstap_frames"] == expected, "\(summary)")
        #expect(counters["clients_connected"] == 1 && counters["clients_disconnected"] == 1, "\(summary)")
        #expect(
            counters["protocol_errors"] == 0 && counters["cut_frames"] == 0 && counters["decode_errors"] == 0
                && counters["malformed_messages"] == 0, "\(summary)")
        let messages = try Self.messages(of: folder + "/out.records")
        #expect(counters["records_written"] == UInt64(messages.count), "\(summary)")
        return ServerRun(counters: counters, summary: summary, messages: messages, queries: queries)
    }

    /// Expects `found`, the messages of `query` on one hop, to be one query and one response,
    /// both from `sourceIP` over `transport` with RD as given, with the same source port and
    /// ID, the response with the query's rcode.
    static func expectExchange(
        _ query: ResolverQuery, _ found: [Message], hop: String, sourceIP: String, transport: String, recursionDesired: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let queries = found.filter { !$0.response }, responses = found.filter(\.response)
        guard queries.count == 1, responses.count == 1, let asked = queries.first, let answered = responses.first else {
            Issue.record("\(query.name): want one \(hop) query and one \(hop) response, got \(found)", sourceLocation: sourceLocation)
            return
        }
        for message in [asked, answered] {
            #expect(
                message.sourceIP == sourceIP && message.transport == transport && message.recursionDesired == recursionDesired,
                "\(query.name) (\(hop)): \(message)", sourceLocation: sourceLocation)
        }
        #expect(asked.sourcePort == answered.sourcePort && asked.id == answered.id, "\(asked) / \(answered)", sourceLocation: sourceLocation)
        #expect(answered.rcode == query.rcode, "\(answered)", sourceLocation: sourceLocation)
    }

    // MARK: Unbound

    /// Names that each cost Unbound exactly one upstream query (no CNAME to chase, nothing cached).
    static let resolverQueries = [
        ResolverQuery(name: "u1.wild.example.test.", type: "A", qtype: 1, transport: "udp", forwarded: false, rcode: 0),
        ResolverQuery(name: "t2.wild.example.test.", type: "TXT", qtype: 16, transport: "tcp", forwarded: false, rcode: 0),
        ResolverQuery(name: "nx3.example.test.", type: "A", qtype: 1, transport: "udp", forwarded: false, rcode: 3),
        ResolverQuery(name: "mail.signed.test.", type: "A", qtype: 1, transport: "udp", forwarded: true, rcode: 0),
        ResolverQuery(name: "f5.wc.nsec3.test.", type: "A", qtype: 1, transport: "tcp", forwarded: true, rcode: 0),
    ]

    /// Unbound as resolvers-dnstap.sh configures it, on 5300: CQ, RQ|FQ, RR|FR, CR per query.
    static func unbound(tools: [String: String], directory: TemporaryDirectory) -> NamespaceServer {
        NamespaceServer(name: "unbound", port: 5300, messagesPerQuery: 4) { folder, socket in
            let configuration = """
                server:
                  interface: 127.0.0.1@5300
                  port: 5300
                  do-ip6: no
                  username: ""
                  chroot: ""
                  directory: "\(folder)"
                  pidfile: "\(folder)/unbound.pid"
                  logfile: "\(folder)/unbound.log"
                  use-syslog: no
                  verbosity: 1
                  num-threads: 1
                  do-not-query-localhost: no
                  module-config: "iterator"
                  access-control: 127.0.0.0/8 allow
                  qname-minimisation: no
                  local-zone: "test." nodefault
                stub-zone:
                  name: "example.test"
                  stub-addr: 127.0.0.1@53
                forward-zone:
                  name: "."
                  forward-addr: 127.0.0.1@53
                remote-control:
                  control-enable: no
                dnstap:
                  dnstap-enable: yes
                  dnstap-socket-path: "\(socket)"
                  dnstap-send-identity: yes
                  dnstap-identity: "ci-unbound"
                  dnstap-send-version: yes
                  dnstap-log-client-query-messages: yes
                  dnstap-log-client-response-messages: yes
                  dnstap-log-resolver-query-messages: yes
                  dnstap-log-resolver-response-messages: yes
                  dnstap-log-forwarder-query-messages: yes
                  dnstap-log-forwarder-response-messages: yes

                """
            try configuration.write(toFile: folder + "/unbound.conf", atomically: false, encoding: .utf8)
            try Self.run(tools["unbound-checkconf"]!, [folder + "/unbound.conf"], in: directory)
            return [tools["unbound"]!, "-d", "-c", folder + "/unbound.conf"]
        }
    }

    @Test("Unbound 1.17 in a namespace with only lo: CQ/CR, RQ/RR and FQ/FR come out with their endpoints; --dnstap-types keeps the types named")
    func unboundResolver() throws {
        try #require(geteuid() == 0, "network namespaces need root (CI runs as root)")
        let tools = try Self.programs(Self.namespaceTools + ["unbound", "unbound-checkconf"])
        let directory = try TemporaryDirectory()
        let versionText = try Self.run(tools["unbound"]!, ["-V"], in: directory)
        let unboundVersion = try #require(versionText.split(separator: "\n").first { $0.hasPrefix("Version ") }?.dropFirst(8), "\(versionText)")
        // BIND in the namespace is the upstream of the stub and forward zones.
        let namespace = try Self.namespaceWithBIND(tools: tools, directory: directory)
        defer { namespace.remove() }
        let unbound = Self.unbound(tools: tools, directory: directory)
        func runUnbound(_ run: Int, arguments: [String]) throws -> ServerRun {
            try Self.runServer(
                unbound, run: run, arguments: arguments, queries: Self.resolverQueries, namespace: namespace.name, tools: tools, directory: directory)
        }

        // 1. Every type.
        let all = try runUnbound(0, arguments: [])
        #expect(all.counters["types_skipped"] == 0, "\(all.summary)")
        #expect(all.messages.count == 4 * all.queries.count, "\(all.messages)")
        let unlabelled = all.messages.filter {
            $0.identity != "ci-unbound" || $0.version != "unbound \(unboundVersion)" || $0.ipVersion != 4 || $0.destinationIP != "127.0.0.1"
                || $0.sourcePort == 0
        }
        #expect(unlabelled.isEmpty, "\(unlabelled)")
        for query in all.queries {
            let found = all.messages.filter { $0.name == query.name && $0.qtype == query.qtype }
            // dig -> unbound: CLIENT_QUERY / CLIENT_RESPONSE on 5300 over dig's transport.
            Self.expectExchange(
                query, found.filter { $0.destinationPort == 5300 }, hop: "client (5300)", sourceIP: "127.0.0.1", transport: query.transport,
                recursionDesired: true)
            // unbound -> BIND: RESOLVER_* (stub zone, RD clear) or FORWARDER_* (RD set) to 53
            // over UDP, from the unspecified address of unbound's outgoing socket.
            Self.expectExchange(
                query, found.filter { $0.destinationPort == 53 }, hop: "upstream (53)", sourceIP: "0.0.0.0", transport: "udp",
                recursionDesired: query.forwarded)
        }

        // 2. --dnstap-types CQ: one client query per dig, the other three messages skipped.
        let clientQueries = try runUnbound(1, arguments: ["--dnstap-types", "CQ"])
        let count = clientQueries.queries.count
        #expect(clientQueries.counters["types_skipped"] == UInt64(3 * count), "\(clientQueries.summary)")
        #expect(clientQueries.messages.count == count, "\(clientQueries.messages)")
        #expect(
            clientQueries.messages.allSatisfy { !$0.response && $0.destinationPort == 5300 && $0.sourceIP == "127.0.0.1" && $0.identity == "ci-unbound" },
            "\(clientQueries.messages)")
        #expect(Set(clientQueries.messages.map(\.name)) == Set(clientQueries.queries.map(\.name)), "\(clientQueries.messages)")

        // 3. --dnstap-types RESOLVER_QUERY,FR: the stub zone's upstream queries and the forward
        // zone's upstream responses only.
        let mixed = try runUnbound(2, arguments: ["--dnstap-types", "RESOLVER_QUERY,FR"])
        #expect(mixed.counters["types_skipped"] == UInt64(3 * mixed.queries.count), "\(mixed.summary)")
        #expect(mixed.messages.count == mixed.queries.count, "\(mixed.messages)")
        for query in mixed.queries {
            let found = mixed.messages.filter { $0.name == query.name && $0.qtype == query.qtype }
            #expect(
                found.count == 1 && found.allSatisfy { $0.destinationPort == 53 && $0.response == query.forwarded && $0.recursionDesired == query.forwarded },
                "\(query.name): \(found)")
        }
    }

    // MARK: Knot Resolver, knotd

    /// What kresd and knotd are asked: names of example.test (which kresd forwards to BIND and
    /// knotd serves itself) with an answer, without one (NODATA) and not there, over UDP and TCP.
    static let answeredQueries = [
        ResolverQuery(name: "k1.wild.example.test.", type: "A", qtype: 1, transport: "udp", rcode: 0),
        ResolverQuery(name: "k2.wild.example.test.", type: "TXT", qtype: 16, transport: "tcp", rcode: 0),
        ResolverQuery(name: "mail.example.test.", type: "AAAA", qtype: 28, transport: "tcp", rcode: 0),
        ResolverQuery(name: "k4.wild.example.test.", type: "MX", qtype: 15, transport: "udp", rcode: 0),
        ResolverQuery(name: "nx5.example.test.", type: "A", qtype: 1, transport: "udp", rcode: 3),
        ResolverQuery(name: "nx6.example.test.", type: "TXT", qtype: 16, transport: "tcp", rcode: 3),
    ]

    /// Expects a kresd or knotd run (with --dnstap-both and the two types it logs kept) to have
    /// each query sent, the readiness query too, once as a query and once as its response,
    /// from dig at 127.0.0.1 to the server's port over dig's transport, labelled `identity` and
    /// `version`; no type skipped and no frame with both messages (one record per message).
    static func expectAnswered(
        _ run: ServerRun, by server: NamespaceServer, identity: String, version: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(run.counters["types_skipped"] == 0, "\(run.summary)", sourceLocation: sourceLocation)
        #expect(run.counters["records_written"] == run.counters["dnstap_messages"], "\(run.summary)", sourceLocation: sourceLocation)
        #expect(run.messages.count == 2 * run.queries.count, "\(run.messages)", sourceLocation: sourceLocation)
        let unlabelled = run.messages.filter {
            $0.identity != identity || $0.version != version || $0.ipVersion != 4 || $0.destinationIP != "127.0.0.1"
                || $0.destinationPort != server.port || $0.sourcePort == 0
        }
        #expect(unlabelled.isEmpty, "\(unlabelled)", sourceLocation: sourceLocation)
        for query in run.queries {
            Self.expectExchange(
                query, run.messages.filter { $0.name == query.name && $0.qtype == query.qtype }, hop: "\(server.name) (\(server.port))",
                sourceIP: "127.0.0.1", transport: query.transport, recursionDesired: true, sourceLocation: sourceLocation)
        }
    }

    @Test("Knot Resolver 5.6 in a namespace with only lo: each dig query over UDP/TCP comes out as CLIENT_QUERY and CLIENT_RESPONSE with its endpoints, identity and version")
    func knotResolver() throws {
        try #require(geteuid() == 0, "network namespaces need root (CI runs as root)")
        let tools = try Self.programs(Self.namespaceTools + ["kresd"])
        let directory = try TemporaryDirectory()
        // BIND in the namespace is where kresd forwards everything.
        let namespace = try Self.namespaceWithBIND(tools: tools, directory: directory)
        defer { namespace.remove() }
        // As resolvers-dnstap.sh configures it; without the root trust anchor and its RFC 5011
        // refresh. It still asks for `. NS` when it starts (BIND refuses).
        let kresd = NamespaceServer(name: "kresd", port: 5301, messagesPerQuery: 2) { folder, socket in
            let configuration = """
                net.listen('127.0.0.1', 5301, { kind = 'dns' })
                trust_anchors.remove('.')
                modules.unload('ta_update')
                modules.load('dnstap')
                dnstap.config({ socket_path = "\(socket)", identity = "ci-kresd", version = "kresd",
                  client = { log_queries = true, log_responses = true } })
                policy.add(policy.all(policy.FORWARD('127.0.0.1@53')))
                cache.size = 10 * MB

                """
            try configuration.write(toFile: folder + "/config.lua", atomically: false, encoding: .utf8)
            return [tools["kresd"]!, "-n", "-c", folder + "/config.lua", folder]
        }
        // kresd logs CLIENT_QUERY and CLIENT_RESPONSE only, each message in a frame of its own.
        let run = try Self.runServer(
            kresd, run: 0, arguments: ["--dnstap-types", "CQ,CR", "--dnstap-both"], queries: Self.answeredQueries, namespace: namespace.name,
            tools: tools, directory: directory)
        Self.expectAnswered(run, by: kresd, identity: "ci-kresd", version: "kresd")
    }

    @Test("knotd 3.2 (mod-dnstap) in a namespace with only lo: each dig query over UDP/TCP comes out as AUTH_QUERY and AUTH_RESPONSE with its endpoints, identity and version")
    func knotAuthoritative() throws {
        try #require(geteuid() == 0, "network namespaces need root (CI runs as root)")
        let tools = try Self.programs(Self.namespaceTools + ["knotd", "knotc"])
        let directory = try TemporaryDirectory()
        // knotd's default dnstap version: "Knot DNS 3.2.6" from "knotd (Knot DNS), version 3.2.6".
        let versionText = try Self.run(tools["knotd"]!, ["-V"], in: directory)
        let knotVersion = try #require(versionText.split(separator: "\n").first?.components(separatedBy: ", version ").last, "\(versionText)")
        // BIND in the namespace gives knotd its zone (and is not queried).
        let namespace = try Self.namespaceWithBIND(tools: tools, directory: directory)
        defer { namespace.remove() }
        // As resolvers-dnstap.sh configures it: authoritative for a copy of BIND's example.test.
        let knotd = NamespaceServer(name: "knotd", port: 5302, messagesPerQuery: 2) { folder, socket in
            try FileManager.default.copyItem(atPath: namespace.zoneFile, toPath: folder + "/example.test.zone")
            let configuration = """
                server:
                  rundir: "\(folder)"
                  listen: 127.0.0.1@5302
                  pidfile: "\(folder)/knot.pid"
                log:
                  - target: "\(folder)/knot.log"
                    any: info
                database:
                  storage: "\(folder)/db"
                mod-dnstap:
                  - id: tap
                    sink: "unix:\(socket)"
                    identity: "ci-knotd"
                    log-queries: on
                    log-responses: on
                template:
                  - id: default
                    storage: "\(folder)"
                    module: mod-dnstap/tap
                zone:
                  - domain: example.test
                    file: example.test.zone

                """
            try configuration.write(toFile: folder + "/knot.conf", atomically: false, encoding: .utf8)
            let check = try Programs.run(tools["knotc"]!, ["-c", folder + "/knot.conf", "conf-check"])
            guard check.status == 0 else {
                if check.standardError.contains("unknown module 'mod-dnstap'") {
                    throw TestFailure("knotd has no dnstap module: run scripts/install-deps.sh (Debian package knot-module-dnstap)")
                }
                throw TestFailure("knotc conf-check failed (\(check.status)): \(check.standardError)")
            }
            return [tools["knotd"]!, "-c", folder + "/knot.conf"]
        }
        // knotd logs AUTH_QUERY and AUTH_RESPONSE only, each message in a frame of its own.
        let run = try Self.runServer(
            knotd, run: 0, arguments: ["--dnstap-types", "AQ,AR", "--dnstap-both"], queries: Self.answeredQueries, namespace: namespace.name,
            tools: tools, directory: directory)
        Self.expectAnswered(run, by: knotd, identity: "ci-knotd", version: "Knot DNS \(knotVersion)")
    }
}
