import DMBytes
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// The header in front of each syslog message, as dnsmonster writes it, RFC 5424 or RFC 3164
/// (BSD), written as bytes.
///
/// dnsmonster (Go's log/syslog): `<9>2026-12-04T19:40:13Z HOST TAG[PID]: MSG` with the time the
/// message is sent, in seconds, user.alert unless told otherwise; SIEM parsers tuned to
/// dnsmonster expect exactly this. RFC 5424: `<PRI>1 2024-05-01T12:34:56.789012Z HOST APP PROCID
/// - - MSG` (microseconds, the most RFC 5424 allows). RFC 3164: `<PRI>May  1 12:34:56 HOST
/// APP[PROCID]: MSG`. The RFC formats carry the DNS message's capture time; all are in UTC. The
/// date part is computed once per second.
public struct SyslogHeader {
    /// The header formats.
    public enum Format: String, CaseIterable, Hashable, Sendable {
        case dnsmonster
        case rfc5424
        case rfc3164

        /// The facility when none is given: dnsmonster's user, local0 for the RFC formats.
        public var defaultFacility: Int { self == .dnsmonster ? 1 : 16 }
        /// The severity of every message: dnsmonster's alert (1), else informational (6).
        public var severity: Int { self == .dnsmonster ? 1 : 6 }
        /// Whether the message keeps its line's newline, as Go's log/syslog sends it (also in
        /// UDP datagrams, and as the only delimiter on TCP).
        public var endsWithNewline: Bool { self == .dnsmonster }
    }

    /// Facilities by name (RFC 5424, table 1).
    public static let facilities: [String: Int] = [
        "kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7, "uucp": 8, "cron": 9,
        "authpriv": 10, "ftp": 11, "local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21,
        "local6": 22, "local7": 23,
    ]

    public let format: Format
    /// `<PRI>` and, for RFC 5424, the version: the same for every message.
    private let priority: [UInt8]
    /// ` HOST APP PROCID - - ` or ` HOST APP[PROCID]: `.
    private let identity: [UInt8]
    private var cachedSecond: UInt64 = .max
    private var cachedDate: [UInt8] = []

    /// A header for messages of `facility` (the format's default when nil) at the format's
    /// severity.
    public init(format: Format, facility: Int? = nil, hostname: String, appName: String, processID: Int32) {
        self.format = format
        let priorityValue = (facility ?? format.defaultFacility) * 8 + format.severity
        switch format {
        case .dnsmonster:
            self.priority = Array("<\(priorityValue)>".utf8)
            self.identity = Array(" \(Self.printable(hostname, max: 255)) \(Self.printable(appName, max: 48))[\(processID)]: ".utf8)
        case .rfc5424:
            self.priority = Array("<\(priorityValue)>1 ".utf8)
            self.identity = Array(" \(Self.printable(hostname, max: 255)) \(Self.printable(appName, max: 48)) \(processID) - - ".utf8)
        case .rfc3164:
            self.priority = Array("<\(priorityValue)>".utf8)
            self.identity = Array(" \(Self.printable(hostname, max: 255)) \(Self.printable(appName, max: 32))[\(processID)]: ".utf8)
        }
    }

    /// RFC 5424 header fields are printable US-ASCII without spaces; "-" stands for nothing.
    static func printable(_ text: String, max: Int) -> String {
        let kept = String(text.unicodeScalars.filter { $0.value > 32 && $0.value < 127 }.prefix(max).map(Character.init))
        return kept.isEmpty ? "-" : kept
    }

    /// The machine's host name, as the header's HOSTNAME.
    public static func currentHostname() -> String { SystemHost.name }

    /// Appends the header for a message captured at `timeNanoseconds` to `output`; returns the
    /// bytes written. `output` must hold at least ``maximumLength`` bytes.
    public mutating func write(timeNanoseconds: UInt64, into output: MutableByteView) -> Int {
        self.write(timeNanoseconds: timeNanoseconds, sentAt: self.format == .dnsmonster ? WallClock.nowNanoseconds() : 0, into: output)
    }

    /// ``write(timeNanoseconds:into:)`` with the time of sending given (the dnsmonster header's).
    mutating func write(timeNanoseconds: UInt64, sentAt: UInt64, into output: MutableByteView) -> Int {
        let second = (self.format == .dnsmonster ? sentAt : timeNanoseconds) / 1_000_000_000
        if second != self.cachedSecond {
            self.cachedSecond = second
            self.cachedDate = Self.date(second: second, format: self.format)
        }
        var used = 0
        func put(_ bytes: [UInt8]) {
            output.copy(bytes, to: used)
            used += bytes.count
        }
        put(self.priority)
        put(self.cachedDate)
        if self.format == .dnsmonster {
            output[used] = UInt8(ascii: "Z")
            used += 1
        } else if self.format == .rfc5424 {
            // .MMMMMMZ
            var micro = (timeNanoseconds % 1_000_000_000) / 1000
            output[used] = UInt8(ascii: ".")
            for index in stride(from: 6, through: 1, by: -1) {
                output[used + index] = UInt8(ascii: "0") + UInt8(micro % 10)
                micro /= 10
            }
            output[used + 7] = UInt8(ascii: "Z")
            used += 8
        }
        put(self.identity)
        return used
    }

    /// The longest header: PRI, date, fraction, a 255-byte host name, app name and process ID.
    public static let maximumLength = 400

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func date(second: UInt64, format: Format) -> [UInt8] {
        var seconds = time_t(second)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch format {
        case .rfc5424, .dnsmonster:
            let year = String(parts.tm_year + 1900)
            return Array("\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))".utf8)
        case .rfc3164:
            let day = parts.tm_mday < 10 ? " \(parts.tm_mday)" : "\(parts.tm_mday)"
            return Array("\(Self.months[Int(parts.tm_mon)]) \(day) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))".utf8)
        }
    }
}
