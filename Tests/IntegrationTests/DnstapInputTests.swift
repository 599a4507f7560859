import DMBytes
import DMDnstap
import DMRecord
import DMSystem
import DMTestSupport
import Foundation
import Testing

/// dm-capture's dnstap input against independent peers: the JSON the real dnsmonster printed
/// for the corpus's dnstap files, the Go `dnstap` tool's decoding of every frame, fstrm_replay
/// (libfstrm) and the Go tool as writers into the socket, and hostile clients.
@Suite(.serialized) struct DnstapInputTests {
    static let corpus = Programs.packageRoot + "/../shared/corpus/generated"
    static let reference = Programs.packageRoot + "/../shared/reference/sinks/dnstap-unix"
    static let files = ["bind9_dnstap_fileoutput", "bind9_dnstap_fstrm_capture", "unbound_dnstap"]

    /// Fails with a hint when a tool the test drives is missing.
    static func requireTool(_ name: String) throws {
        let found = try Programs.shell("command -v \(name) > /dev/null")
        try #require(found.status == 0, "\(name) is not installed: run scripts/install-deps.sh")
    }

    /// dm-out's JSON lines for the DNS records in `path`.
    static func json(ofRecords path: String, in directory: TemporaryDirectory) throws -> [String] {
        let output = directory.file("out-\(UUID().uuidString).json")
        let result = try Programs.run(Programs.product("dm-out"), ["--input", path, "--format", "json"], output: output)
        #expect(result.status == 0, "\(result.standardError)")
        return try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// The counters of dm-capture's last summary line.
    static func counters(_ standardError: String) -> [String: UInt64] {
        SummaryCounters.parse(standardError, lastLineContaining: "dnstap_frames=")
    }

    @Test("each dnstap file of the corpus gives line for line the JSON dnsmonster printed for it", arguments: files)
    func filesGiveDnsmonstersJSON(name: String) throws {
        let directory = try TemporaryDirectory()
        let records = directory.file("records.dmr")
        let capture = try Programs.run(Programs.product("dm-capture"), ["--input", "\(Self.corpus)/\(name).fstrm"], output: records)
        #expect(capture.status == 0, "\(capture.standardError)")
        let expected = try String(contentsOfFile: "\(Self.reference)/\(name).json", encoding: .utf8).split(separator: "\n").map(String.init)
        let lines = try Self.json(ofRecords: records, in: directory)
        #expect(lines.count == expected.count)
        for (index, (line, reference)) in zip(lines, expected).enumerated() where line != reference {
            Issue.record("line \(index + 1):\n ours: \(line)\n dnsmonster: \(reference)")
            break
        }
        let counters = Self.counters(capture.standardError)
        #expect(counters["dnstap_messages"] == UInt64(expected.count) && counters["records_written"] == UInt64(expected.count), "\(capture.standardError)")
    }

    @Test("a file the Go dnstap tool writes (dnstap -w) reads as the file it copied")
    func goToolFile() throws {
        try Self.requireTool("dnstap")
        let directory = try TemporaryDirectory()
        let written = directory.file("go.fstrm")
        let tool = try Programs.shell("dnstap -r '\(Self.corpus)/unbound_dnstap.fstrm' -w '\(written)'")
        try #require(tool.status == 0, "\(tool.standardError)")
        let records = directory.file("go.dmr")
        let capture = try Programs.run(Programs.product("dm-capture"), ["--input", written], output: records)
        #expect(capture.status == 0, "\(capture.standardError)")
        let expected = try String(contentsOfFile: "\(Self.reference)/unbound_dnstap.json", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(try Self.json(ofRecords: records, in: directory) == expected)
    }

    @Test("every frame decodes as the Go dnstap tool decodes it", arguments: files)
    func framesMatchTheDnstapTool(name: String) throws {
        try Self.requireTool("dnstap")
        let directory = try TemporaryDirectory()
        let path = "\(Self.corpus)/\(name).fstrm"
        let output = directory.file("tool.json")
        let tool = try Programs.shell("dnstap -r '\(path)' -j > '\(output)'")
        try #require(tool.status == 0, "\(tool.standardError)")
        let toolLines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")

        // Our reading of the same file, frame by frame.
        let bytes = try StreamFiles.bytes(path)
        let reader = FrameStreamsReader(maximumFrameSize: 1 << 20, readSize: bytes.count + 16)
        bytes.withByteView { reader.space().copy($0, to: 0) }
        reader.didRead(bytes.count)
        var payloads: [DnstapPayload] = []
        var frames: [[UInt8]] = []
        while let frame = try reader.next() {
            if case .data(let view) = frame { frames.append(Array(view)) }
        }
        #expect(frames.count == toolLines.count)
        let familyNames: [UInt64: String] = [1: "INET", 2: "INET6"]
        let protocolNames: [UInt64: String] = [1: "UDP", 2: "TCP", 3: "DOT", 4: "DOH", 5: "DNSCryptUDP", 6: "DNSCryptTCP", 7: "DOQ"]
        let typeNames = ["AUTH_QUERY", "AUTH_RESPONSE", "RESOLVER_QUERY", "RESOLVER_RESPONSE", "CLIENT_QUERY", "CLIENT_RESPONSE", "FORWARDER_QUERY", "FORWARDER_RESPONSE"]
        for (index, (frame, line)) in zip(frames, toolLines).enumerated() {
            let payload = try frame.withByteView { try DnstapPayload(decoding: $0) }
            payloads.append(payload)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let message = try #require(object["message"] as? [String: Any])
            func text(_ view: ByteView) -> String { String(decoding: view, as: UTF8.self) }
            func address(_ view: ByteView) -> String {
                view.count == 4 ? IPAddressBytes(prefixOf: view, count: 4).text(ipVersion: 4) : IPAddressBytes(prefixOf: view, count: 16).text(ipVersion: 6)
            }
            var ours: [String: String] = [
                "identity": text(payload.identity), "version": text(payload.version),
                "type": typeNames[Int(payload.messageType.rawValue) - 1],
                "family": payload.socketFamily.flatMap { familyNames[$0] } ?? "-", "protocol": payload.socketProtocol.flatMap { protocolNames[$0] } ?? "-",
                "query_address": address(payload.queryAddress), "response_address": address(payload.responseAddress),
                "query_port": String(payload.queryPort), "response_port": String(payload.responsePort),
            ]
            var theirs: [String: String] = [
                "identity": object["identity"] as? String ?? "", "version": object["version"] as? String ?? "",
                "type": message["type"] as? String ?? "?", "family": message["socket_family"] as? String ?? "-",
                "protocol": message["socket_protocol"] as? String ?? "-",
                "query_address": message["query_address"] as? String ?? "?", "response_address": message["response_address"] as? String ?? "?",
                "query_port": (message["query_port"] as? Int).map(String.init) ?? "0", "response_port": (message["response_port"] as? Int).map(String.init) ?? "0",
            ]
            // Times: the tool prints RFC 3339 with the nanoseconds it has.
            for (key, seconds, nanoseconds) in [
                ("query_time", payload.queryTimeSeconds, payload.queryTimeNanoseconds),
                ("response_time", payload.responseTimeSeconds, payload.responseTimeNanoseconds),
            ] {
                if let time = message[key] as? String {
                    theirs[key] = String(try Reference.nanoseconds(rfc3339: time))
                    ours[key] = String(seconds * 1_000_000_000 + UInt64(nanoseconds))
                }
            }
            // Messages: the tool prints miekg's text, whose first line names the id.
            for (key, view) in [("query_message", payload.queryMessage), ("response_message", payload.responseMessage)] {
                if let printed = message[key] as? String, let idField = printed.split(separator: "\n").first?.split(separator: " ").last {
                    theirs[key] = String(idField)
                    ours[key] = view.map { String($0.loadBigEndian(at: 0, as: UInt16.self)) } ?? "absent"
                } else {
                    #expect(view == nil, "frame \(index + 1): \(key) only we found")
                }
            }
            #expect(ours == theirs, "frame \(index + 1)")
        }
    }

    /// dm-capture serving dnstap on a socket, writing records to a file.
    final class Server {
        let process: ChildProcess
        let records: String
        let errors: String
        let socketPath: String

        /// - Parameter descriptorLimit: runs it under `ulimit -n` of this many descriptors.
        init(
            _ directory: TemporaryDirectory, address: String, socketPath: String = "", arguments: [String] = [], descriptorLimit: Int? = nil
        ) throws {
            self.records = directory.file("server-\(UUID().uuidString).dmr")
            self.errors = self.records + ".err"
            self.socketPath = socketPath
            let output = open(self.records, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            let errors = open(self.errors, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
            defer { close(output); close(errors); close(input) }
            let command = [Programs.product("dm-capture"), "--dnstap", address] + arguments
            self.process = try ChildProcess(
                descriptorLimit == nil ? command[0] : "/bin/sh",
                descriptorLimit.map { ["-c", "ulimit -n \($0) && exec \"$0\" \"$@\""] + command } ?? Array(command.dropFirst()),
                standardInput: input, standardOutput: output, standardError: errors)
            // Listening once it says so on standard error.
            for _ in 0..<200 where !self.standardError.contains("listening for dnstap writers") {
                if self.standardError.contains("error") { break }
                usleep(20_000)
            }
        }

        var standardError: String { (try? String(contentsOfFile: self.errors, encoding: .utf8)) ?? "" }
        var openDescriptors: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(self.process.pid)/fd").count) ?? -1 }
        var residentKilobytes: Int {
            let status = (try? String(contentsOfFile: "/proc/\(self.process.pid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
        }

        /// Stops it with SIGTERM; its exit status and standard error.
        func stop() -> (status: Int32, standardError: String) {
            self.process.signal(SIGTERM)
            let (status, _) = self.process.wait()
            return (status, self.standardError)
        }
    }

    @Test("libfstrm and Go writers into the Unix socket: every frame arrives as dnsmonster prints it; mode, stale file, removal")
    func writersIntoTheUnixSocket() throws {
        try Self.requireTool("fstrm_replay")
        try Self.requireTool("dnstap")
        let directory = try TemporaryDirectory()
        let socket = directory.file("tap.sock")
        // A stale socket file from an earlier run is replaced.
        _ = try ListeningSocket.unix(path: socket, permissions: 0o600)
        let server = try Server(directory, address: "unix://\(socket)", socketPath: socket, arguments: ["--dnstap-permission", "0660"])
        var status = stat()
        try #require(lstat(socket, &status) == 0, "\(server.standardError)")
        #expect(status.st_mode & 0o7777 == 0o660)

        // Three libfstrm writers at once, then the Go tool's writer.
        let capture = "\(Self.corpus)/bind9_dnstap_fstrm_capture.fstrm"
        let replay = try Programs.shell(
            (0..<3).map { _ in "fstrm_replay -t protobuf:dnstap.Dnstap -r '\(capture)' -u '\(socket)' &" }.joined(separator: " ") + " wait")
        #expect(replay.status == 0, "\(replay.standardError)")
        let goWriter = try Programs.shell("dnstap -r '\(Self.corpus)/unbound_dnstap.fstrm' -U '\(socket)'")
        #expect(goWriter.status == 0, "\(goWriter.standardError)")

        let (exit, errors) = server.stop()
        #expect(exit == 0, "\(errors)")
        #expect(lstat(socket, &status) != 0, "the socket file is removed at exit")
        let counters = Self.counters(errors)
        #expect(counters["clients_connected"] == 4 && counters["clients_disconnected"] == 4 && counters["protocol_errors"] == 0, "\(errors)")
        let bind = try String(contentsOfFile: "\(Self.reference)/bind9_dnstap_fstrm_capture.json", encoding: .utf8).split(separator: "\n").map(String.init)
        let unbound = try String(contentsOfFile: "\(Self.reference)/unbound_dnstap.json", encoding: .utf8).split(separator: "\n").map(String.init)
        let lines = try Self.json(ofRecords: server.records, in: directory)
        #expect(lines.sorted() == (bind + bind + bind + unbound).sorted())
    }

    @Test("a regular file at the socket path is left alone and named in the error")
    func regularFileAtTheSocketPath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("not-a-socket")
        try "keep me".write(toFile: path, atomically: false, encoding: .utf8)
        let result = try Programs.run(Programs.product("dm-capture"), ["--dnstap", "unix://\(path)"])
        #expect(result.status != 0)
        #expect(result.standardError.contains(path) && result.standardError.contains("no socket"), "\(result.standardError)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep me")
        for bad in [["--dnstap", "/tmp/x.sock"], ["--dnstap", "unix:///tmp/x.sock", "--dnstap-permission", "9"], ["--dnstap", "unix:///tmp/x.sock", "--dnstap-types", "CQ,ZZ"]] {
            let refused = try Programs.run(Programs.product("dm-capture"), bad)
            #expect(refused.status != 0 && refused.standardError.contains(bad.count > 2 ? bad[2] : "unix:///path"), "\(bad): \(refused.standardError)")
        }
    }

    @Test("a TCP listener takes the Go tool's TCP writer")
    func tcpListener() throws {
        try Self.requireTool("dnstap")
        let directory = try TemporaryDirectory()
        // A port the kernel picks for a moment, then free for dm-capture.
        let probe = try ListeningSocket.tcp(host: "127.0.0.1", port: 0)
        let port = try #require(probe.localPort)
        probe.close()
        let server = try Server(directory, address: "tcp://127.0.0.1:\(port)")
        let writer = try Programs.shell("dnstap -r '\(Self.corpus)/bind9_dnstap_fileoutput.fstrm' -T 127.0.0.1:\(port)")
        #expect(writer.status == 0, "\(writer.standardError)")
        let (exit, errors) = server.stop()
        #expect(exit == 0, "\(errors)")
        let expected = try String(contentsOfFile: "\(Self.reference)/bind9_dnstap_fileoutput.json", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(try Self.json(ofRecords: server.records, in: directory) == expected)
    }

    /// Connects to the Unix socket `path`, waiting while its backlog is full (as a blocking
    /// connect would).
    static func connect(_ path: String) throws -> StreamSocket {
        let address = try SocketAddress.unix(path)
        var attempts = 0
        while true {
            do {
                return try StreamSocket.connect(to: address, peer: path, timeoutNanoseconds: 2_000_000_000, ioTimeoutNanoseconds: 2_000_000_000)
            } catch {
                attempts += 1
                guard error.code == EAGAIN, attempts < 1000 else { throw error }
                usleep(2_000)
            }
        }
    }

    static func send(_ bytes: [UInt8], on socket: StreamSocket) throws {
        try bytes.withByteView { try socket.sendAll($0) }
    }

    static func dataFrame(_ payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)] + payload
    }

    /// A writer's handshake up to START, having read the server's ACCEPT.
    static func handshake(on socket: StreamSocket) throws {
        try Self.send(FrameStreamsControl(kind: .ready, contentTypes: [FrameStreamsControl.dnstapContentType]).encoded, on: socket)
        var accept = [UInt8](repeating: 0, count: 64)
        let count = try accept.withMutableByteView { try socket.receive(into: $0) }
        #expect(Array(accept.prefix(count)) == FrameStreamsControl(kind: .accept, contentTypes: [FrameStreamsControl.dnstapContentType]).encoded)
        try Self.send(FrameStreamsControl(kind: .start, contentTypes: [FrameStreamsControl.dnstapContentType]).encoded, on: socket)
    }

    @Test("hostile writers: garbage, other content types, oversized and cut frames, 1000 short and 100 idle connections")
    func hostileWriters() throws {
        try Self.requireTool("fstrm_replay")
        let directory = try TemporaryDirectory()
        let socket = directory.file("tap.sock")
        let server = try Server(directory, address: "unix://\(socket)", socketPath: socket, arguments: ["--dnstap-max-frame", "64K"])
        let descriptorsBefore = server.openDescriptors
        let memoryBefore = server.residentKilobytes

        // Garbage before any handshake.
        let garbage = try Self.connect(socket)
        try Self.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8) + [UInt8](repeating: 0xFF, count: 300), on: garbage)
        // Another content type.
        let other = try Self.connect(socket)
        try Self.send(FrameStreamsControl(kind: .ready, contentTypes: [Array("protobuf:other.Thing".utf8)]).encoded, on: other)
        // A frame over --dnstap-max-frame, then a good one on the same connection.
        let oversized = try Self.connect(socket)
        try Self.handshake(on: oversized)
        let sample = try StreamFiles.bytes("\(Self.corpus)/bind9_dnstap_fileoutput.fstrm")
        let goodFrame: [UInt8] = try {
            let reader = FrameStreamsReader(maximumFrameSize: 1 << 20, readSize: sample.count)
            sample.withByteView { reader.space().copy($0, to: 0) }
            reader.didRead(sample.count)
            while let frame = try reader.next() { if case .data(let view) = frame { return Array(view) } }
            throw DnstapDecodeError(reason: "no data frame in the sample")
        }()
        try Self.send(Self.dataFrame([UInt8](repeating: 0x55, count: 200_000)) + Self.dataFrame(goodFrame), on: oversized)
        // A writer that leaves in the middle of a frame.
        let cut = try Self.connect(socket)
        try Self.handshake(on: cut)
        try Self.send(Array(Self.dataFrame(goodFrame).prefix(20)), on: cut)
        cut.close()
        // 100 idle connections, 1000 short-lived ones.
        let idle = try (0..<100).map { _ in try Self.connect(socket) }
        for _ in 0..<1000 { try Self.connect(socket).close() }
        // Meanwhile a proper writer.
        let replay = try Programs.shell("fstrm_replay -t protobuf:dnstap.Dnstap -r '\(Self.corpus)/bind9_dnstap_fstrm_capture.fstrm' -u '\(socket)'")
        #expect(replay.status == 0, "\(replay.standardError)")
        garbage.close()
        other.close()
        oversized.close()
        for connection in idle { connection.close() }
        // Wait until the server has closed them all, then look at its descriptors and memory.
        var descriptorsAfter = -1
        for _ in 0..<250 {
            descriptorsAfter = server.openDescriptors
            if descriptorsAfter == descriptorsBefore { break }
            usleep(20_000)
        }
        #expect(descriptorsAfter == descriptorsBefore, "descriptors before \(descriptorsBefore), after \(descriptorsAfter)")
        let memoryAfter = server.residentKilobytes
        #expect(memoryAfter - memoryBefore < 16_384, "resident memory grew from \(memoryBefore) to \(memoryAfter) KiB")

        let (exit, errors) = server.stop()
        #expect(exit == 0, "\(errors)")
        let counters = Self.counters(errors)
        #expect(counters["clients_connected"] == 1105, "\(errors)")
        #expect(counters["clients_disconnected"] == 1105)
        #expect(counters["protocol_errors"] == 2)
        #expect(counters["frames_too_large"] == 1)
        #expect(counters["cut_frames"] == 1)
        #expect(counters["records_written"] == 307)
        #expect(errors.contains("not protobuf:dnstap.Dnstap") && errors.contains("data frame before START"), "\(errors)")
        let lines = try Self.json(ofRecords: server.records, in: directory)
        let bind = try String(contentsOfFile: "\(Self.reference)/bind9_dnstap_fstrm_capture.json", encoding: .utf8).split(separator: "\n").map(String.init)
        let first = try String(contentsOfFile: "\(Self.reference)/bind9_dnstap_fileoutput.json", encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.sorted() == (bind + [first[0]]).sorted())
    }

    @Test("out of descriptors: connected writers are served on, new ones wait until descriptors are free")
    func outOfDescriptors() throws {
        try Self.requireTool("fstrm_replay")
        let directory = try TemporaryDirectory()
        let socket = directory.file("tap.sock")
        let server = try Server(directory, address: "unix://\(socket)", socketPath: socket, descriptorLimit: 40)
        // More idle writers than the process has descriptors for.
        var idle = try (0..<60).map { _ in try Self.connect(socket) }
        for _ in 0..<100 where !server.standardError.contains("Too many open files") { usleep(20_000) }
        #expect(server.standardError.contains("Too many open files") && server.standardError.contains("new writers wait"), "\(server.standardError)")
        // Freeing descriptors lets a proper writer in.
        for connection in idle { connection.close() }
        idle.removeAll()
        let replay = try Programs.shell("fstrm_replay -t protobuf:dnstap.Dnstap -r '\(Self.corpus)/unbound_dnstap.fstrm' -u '\(socket)'")
        #expect(replay.status == 0, "\(replay.standardError)")
        let (exit, errors) = server.stop()
        #expect(exit == 0, "\(errors)")
        #expect(Self.counters(errors)["records_written"] == 44, "\(errors)")
    }

    @Test("a file that is cut inside a frame keeps the frames before it; one that is no dnstap is refused with its offset")
    func damagedFiles() throws {
        let directory = try TemporaryDirectory()
        let whole = try StreamFiles.bytes("\(Self.corpus)/unbound_dnstap.fstrm")
        let cutPath = directory.file("cut.fstrm")
        try StreamFiles.writeBytes(Array(whole.prefix(whole.count - 100)), to: cutPath)
        let cut = try Programs.run(Programs.product("dm-capture"), ["--input", cutPath], output: directory.file("cut.dmr"))
        #expect(cut.status == 0, "\(cut.standardError)")
        #expect(cut.standardError.contains("ends inside a frame"), "\(cut.standardError)")
        let counters = Self.counters(cut.standardError)
        #expect(counters["truncated_inputs"] == 1 && (counters["records_written"] ?? 0) > 30, "\(cut.standardError)")

        // Four zero bytes and then no control frame: named with the offset.
        let bogusPath = directory.file("bogus.fstrm")
        try StreamFiles.writeBytes([0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 9] + Self.dataFrame([1, 2, 3]), to: bogusPath)
        let bogus = try Programs.run(Programs.product("dm-capture"), ["--input", bogusPath])
        #expect(bogus.status != 0)
        #expect(bogus.standardError.contains("\(bogusPath): offset 12: data frame before START"), "\(bogus.standardError)")

        // Files joined end to end give the records of each.
        let joined = try Programs.shell(
            "cat '\(Self.corpus)/unbound_dnstap.fstrm' '\(Self.corpus)/bind9_dnstap_fileoutput.fstrm' | '\(Programs.product("dm-capture"))' --input - > /dev/null")
        #expect(joined.status == 0, "\(joined.standardError)")
        #expect(Self.counters(joined.standardError)["records_written"] == 52, "\(joined.standardError)")

        // Standard input works too.
        let piped = try Programs.shell("cat '\(Self.corpus)/unbound_dnstap.fstrm' | '\(Programs.product("dm-capture"))' --input - --dnstap-types CQ > /dev/null")
        #expect(piped.status == 0, "\(piped.standardError)")
        let pipedCounters = Self.counters(piped.standardError)
        #expect(pipedCounters["dnstap_messages"] == 44 && pipedCounters["types_skipped"] == 33 && pipedCounters["records_written"] == 11, "\(piped.standardError)")
    }

    @Test("bin/dnsmonster --pcapFile of a dnstap file: lanes share it by client, --sampleRatio and --packetLimit select messages")
    func dnstapFileThroughLanes() throws {
        let file = "\(Self.corpus)/bind9_dnstap_fstrm_capture.fstrm"
        let expected = try String(contentsOfFile: "\(Self.reference)/bind9_dnstap_fstrm_capture.json", encoding: .utf8).split(separator: "\n").map(String.init)
        let directory = try TemporaryDirectory()
        for (extra, count) in [([String](), 306), (["--sampleRatio=1:3", "--lanes=1"], 102), (["--packetLimit=50", "--lanes=1"], 50)] {
            let output = directory.file("lanes.json")
            let result = try Programs.run(
                Programs.product("dnsmonster"), ["--pcapFile", file, "--stdoutOutputType=1", "--metricFlushInterval=0"] + (extra.isEmpty ? ["--lanes=2"] : extra),
                output: output)
            #expect(result.status == 0, "\(result.standardError)")
            let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.count == count, "\(extra)")
            #expect(Set(lines).isSubset(of: Set(expected)), "\(extra)")
            if extra.isEmpty { #expect(lines.sorted() == expected.sorted()) }
            #expect(result.standardError.contains("dnsmonster: accounted: every packet and record is counted where it ended"), "\(extra): \(result.standardError)")
        }
        // Each lane took a share.
        let shard = try Programs.run(Programs.product("dm-capture"), ["--input", file, "--shard", "1/2"], output: directory.file("shard.dmr"))
        let counters = Self.counters(shard.standardError)
        #expect((counters["dnstap_other_shards"] ?? 0) > 0 && (counters["records_written"] ?? 0) > 0, "\(shard.standardError)")
        #expect(counters["dnstap_other_shards"]! + counters["records_written"]! == 306)
    }

    @Test("bin/dnsmonster --dnstapSocket: capture | filter | out, dnsmonster's JSON and metrics, a balanced ledger")
    func dnsmonsterWrapper() throws {
        try Self.requireTool("fstrm_replay")
        let directory = try TemporaryDirectory()
        let socket = directory.file("wrapper.sock")
        let output = directory.file("wrapper.json")
        let errorsPath = directory.file("wrapper.err")
        let outFD = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let errFD = open(errorsPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        let wrapper = try ChildProcess(
            Programs.product("dnsmonster"),
            ["--dnstapSocket", "unix://\(socket)", "--dnstapPermission", "700", "--stdoutOutputType=1", "--metricFlushInterval=0", "--lanes=2"],
            standardInput: input, standardOutput: outFD, standardError: errFD)
        close(outFD)
        close(errFD)
        close(input)
        for _ in 0..<250 where !FileManager.default.fileExists(atPath: socket) { usleep(20_000) }
        var status = stat()
        try #require(lstat(socket, &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o700)
        let replay = try Programs.shell("fstrm_replay -t protobuf:dnstap.Dnstap -r '\(Self.corpus)/unbound_dnstap.fstrm' -u '\(socket)'")
        #expect(replay.status == 0, "\(replay.standardError)")
        wrapper.signal(SIGINT)
        let (exit, _) = wrapper.wait()
        let errors = try String(contentsOfFile: errorsPath, encoding: .utf8)
        #expect(exit == 0, "\(errors)")
        let expected = try String(contentsOfFile: "\(Self.reference)/unbound_dnstap.json", encoding: .utf8)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == expected)
        #expect(errors.contains("\"packetsCaptured\":{\"value\":44}") || errors.contains("packetsCaptured=44"), "\(errors)")
        #expect(errors.contains("packetsInvalid"), "\(errors)")
        #expect(errors.contains("one dnstap listener serves every writer, so one lane runs"), "\(errors)")
        #expect(errors.contains("dnsmonster: accounted: every packet and record is counted where it ended"), "\(errors)")
    }
}
