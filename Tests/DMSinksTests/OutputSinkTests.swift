import DMBytes
import DMRecord
@testable import DMSinks
import Testing

/// The pieces of dm-out's sinks that need no process: output types, syslog addresses and headers.
@Suite("Output sinks")
struct OutputSinkTests {
    @Test("output types 0–4 decide by the match flags as dnsmonster's skip/allow logic does")
    func outputTypes() {
        let none: DNSMatchFlags = [.evaluated], skip: DNSMatchFlags = [.evaluated, .skipMatch]
        let allow: DNSMatchFlags = [.evaluated, .allowMatch], both: DNSMatchFlags = [.evaluated, .skipMatch, .allowMatch]
        let unmarked: DNSMatchFlags = []
        // Rows: type; columns: none, skip, allow, both, unmarked.
        let table: [(OutputType, [Bool])] = [
            (.disabled, [false, false, false, false, false]),
            (.all, [true, true, true, true, true]),
            (.skipListed, [true, false, true, false, true]),
            (.allowListedOnly, [false, false, true, true, false]),
            (.skipListedThenAllowListedOnly, [false, false, true, false, false]),
        ]
        for (type, expected) in table {
            #expect([none, skip, allow, both, unmarked].map(type.accepts) == expected, "type \(type.rawValue)")
        }
    }

    @Test("syslog addresses: schemes, default port, IPv6 brackets, and clear refusals")
    func syslogAddresses() throws {
        #expect(try SyslogAddress(parsing: "udp://127.0.0.1") == .udp(host: "127.0.0.1", port: 514))
        #expect(try SyslogAddress(parsing: "tcp://logs.example:6514") == .tcp(host: "logs.example", port: 6514))
        #expect(try SyslogAddress(parsing: "udp://[::1]:5514") == .udp(host: "::1", port: 5514))
        #expect(try SyslogAddress(parsing: "unix:///dev/log") == .unix(path: "/dev/log"))
        #expect(try SyslogAddress(parsing: "unix:/run/log.sock") == .unix(path: "/run/log.sock"))
        #expect(try SyslogAddress(parsing: "udp://[::1]:5514").description == "udp://[::1]:5514")
        for (bad, reason) in [("127.0.0.1:514", "expected udp://"), ("udp://host:0", "port must be"), ("udp://:514", "no host"),
                              ("tcp://[::1", "closing ']'"), ("unix:dev/log", "absolute")] {
            #expect { try SyslogAddress(parsing: bad) } throws: { ($0 as? SinkError)?.description.contains(reason) == true }
        }
    }

    static func header(_ format: SyslogHeader.Format, time: UInt64, host: String = "tap1", app: String = "dnsmonster") -> String {
        var header = SyslogHeader(format: format, facility: 16, hostname: host, appName: app, processID: 42)
        let buffer = ByteStorage(count: SyslogHeader.maximumLength)
        let count = header.write(timeNanoseconds: time, into: buffer.mutableView)
        return String(decoding: buffer.view.subview(0..<count), as: UTF8.self)
    }

    @Test("syslog headers in RFC 5424 (microseconds, UTC) and RFC 3164")
    func syslogHeaders() {
        // 2024-05-01T12:34:56.789012345Z
        let time: UInt64 = 1_714_566_896_789_012_345
        #expect(Self.header(.rfc5424, time: time) == "<134>1 2024-05-01T12:34:56.789012Z tap1 dnsmonster 42 - - ")
        #expect(Self.header(.rfc3164, time: time) == "<134>May  1 12:34:56 tap1 dnsmonster[42]: ")
        #expect(Self.header(.rfc5424, time: 5_000) == "<134>1 1970-01-01T00:00:00.000005Z tap1 dnsmonster 42 - - ")
        #expect(Self.header(.rfc5424, time: time, host: "a b", app: "") == "<134>1 2024-05-01T12:34:56.789012Z ab - 42 - - ",
                "spaces are dropped and an empty field is '-'")
    }

    @Test("the dnsmonster header: Go log/syslog's <9>, the time of sending in seconds, TAG[PID]")
    func dnsmonsterHeader() {
        var header = SyslogHeader(format: .dnsmonster, hostname: "vm", appName: "default", processID: 20255)
        let buffer = ByteStorage(count: SyslogHeader.maximumLength)
        // Captured in 2023, sent at 2026-12-04T19:40:13.5Z: the time of sending is written.
        let count = header.write(timeNanoseconds: 1_700_000_000_000_000_000, sentAt: 1_796_413_213_500_000_000, into: buffer.mutableView)
        #expect(String(decoding: buffer.view.subview(0..<count), as: UTF8.self) == "<9>2026-12-04T19:40:13Z vm default[20255]: ")
        var local0 = SyslogHeader(format: .dnsmonster, facility: 16, hostname: "vm", appName: "x", processID: 1)
        let written = local0.write(timeNanoseconds: 0, sentAt: 0, into: buffer.mutableView)
        #expect(String(decoding: buffer.view.subview(0..<written), as: UTF8.self) == "<129>1970-01-01T00:00:00Z vm x[1]: ")
    }
}
