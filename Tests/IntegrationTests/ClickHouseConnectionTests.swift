import DMBytes
import DMClickHouse
import DMTestSupport
import Foundation
import Testing

/// The native protocol client against a real ClickHouse (Debian's 18.16): login, DDL, INSERT
/// of every column type the server has, uncompressed, LZ4 and ZSTD, read back with
/// clickhouse-client; and the failures a user meets.
@Suite("ClickHouse native protocol against a real server", .serialized)
struct ClickHouseConnectionTests {
    static func settings(_ compression: CompressedBlock.Method? = nil) -> ClickHouseConnection.Settings {
        var settings = ClickHouseConnection.Settings()
        settings.compression = compression
        settings.querySettings = [("allow_experimental_low_cardinality_type", 1)]
        return settings
    }

    @Test("INSERT of every type 18.16 has, in all three compressions, reads back value for value")
    func insertEveryType() throws {
        let server = try ClickHouseServer()
        let connection = try ClickHouseConnection(host: "127.0.0.1", port: UInt16(server.port), settings: Self.settings())
        #expect(connection.server.version == "18.16.1")
        #expect(connection.revision == 54412)
        try connection.ping()
        try connection.execute("""
            CREATE TABLE types (u8 UInt8, u16 UInt16, u32 UInt32, u64 UInt64, i8 Int8, i64 Int64, s String, fs FixedString(3),
              d Date, dt DateTime, ip FixedString(16), v4 UInt32, id UUID, ns Nullable(String), nu Nullable(UInt16),
              lc LowCardinality(String), lcn LowCardinality(Nullable(String))) ENGINE = Memory
            """)
        for (round, compression) in [nil, CompressedBlock.Method.lz4, .zstd].enumerated() {
            let insert = try ClickHouseConnection(host: "127.0.0.1", port: UInt16(server.port), settings: Self.settings(compression))
            let header = try insert.beginInsert("INSERT INTO types VALUES")
            #expect(header.map(\.name) == ["u8", "u16", "u32", "u64", "i8", "i64", "s", "fs", "d", "dt", "ip", "v4", "id", "ns", "nu", "lc", "lcn"])
            let columns = try header.map { try ColumnWriter(name: $0.name, typeName: $0.typeName) }
            for row in 0..<3 {
                let value = UInt64(round * 10 + row)
                for column in columns[0..<6] { column.appendInteger(value &* 0x0101_0101_0101_0101) }
                Array("name\(value)".utf8).withByteView { columns[6].appendText($0) }
                Array("udpx".utf8).withByteView { columns[7].appendText($0) }
                columns[8].appendTime(nanoseconds: 1_700_000_000_000_000_000 + value * 86_400_000_000_000)
                columns[9].appendTime(nanoseconds: 1_700_000_000_123_456_789 + value * 1_000_000_000)
                [192, 0, 2, UInt8(value)].withByteView { columns[10].appendAddress($0, isIPv4: true) }
                [192, 0, 2, UInt8(value)].withByteView { columns[11].appendAddress($0, isIPv4: true) }
                Array(0..<16).map { UInt8($0) &+ UInt8(value) }.withByteView { columns[12].appendUUID($0) }
                Array("n\(value)".utf8).withByteView { columns[13].appendText($0) }
                columns[14].appendInteger(value)
                Array(row == 1 ? "same".utf8 : "other".utf8).withByteView { columns[15].appendText($0) }
                Array("lcn\(row % 2)".utf8).withByteView { columns[16].appendText($0) }
            }
            var block: [UInt8] = []
            NativeBlock.encode(columns: columns, rows: 3, withBlockInfo: true, into: &block)
            try block.withByteView { try insert.sendData($0) }
            try insert.endInsert()
            insert.close()
        }
        let text = try server.query(
            "SELECT u8, u16, u32, u64, i8, i64, s, fs, d, dt, IPv6NumToString(ip), IPv4NumToString(v4), toString(id), ns, nu, lc, lcn FROM types ORDER BY u64")
        let rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 9)
        for (index, row) in rows.enumerated() {
            let value = UInt64((index / 3) * 10 + index % 3)
            let pattern = value &* 0x0101_0101_0101_0101
            #expect(row[0] == String(UInt8(truncatingIfNeeded: pattern)))
            #expect(row[1] == String(UInt16(truncatingIfNeeded: pattern)))
            #expect(row[2] == String(UInt32(truncatingIfNeeded: pattern)))
            #expect(row[3] == String(pattern))
            #expect(row[4] == String(Int8(truncatingIfNeeded: pattern)))
            #expect(row[5] == String(Int64(bitPattern: pattern)))
            #expect(row[6] == "name\(value)")
            #expect(row[7] == "udp", "FixedString(3) keeps 3 bytes")
            let day = (1_700_000_000 / 86_400 + Int(value))
            #expect(row[8] == Self.date(days: day))
            #expect(row[9] == Self.dateTime(seconds: 1_700_000_000 + Int(value)))
            #expect(row[10] == "::ffff:192.0.2.\(value)")
            #expect(row[11] == "192.0.2.\(value)")
            let uuid = (0..<16).map { String(format: "%02x", UInt8($0) &+ UInt8(value)) }.joined()
            let dashed = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in String(Array(uuid)[range]) }.joined(separator: "-")
            #expect(row[12] == dashed)
            #expect(row[13] == "n\(value)")
            #expect(row[14] == String(value))
            #expect(row[15] == (index % 3 == 1 ? "same" : "other"))
            #expect(row[16] == "lcn\(index % 3 % 2)")
        }
    }

    static func date(days: Int) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(days) * 86_400))
    }

    static func dateTime(seconds: Int) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
    }

    @Test("a wrong password, a missing table and a silent server: clear errors, no hang")
    func failures() throws {
        let server = try ClickHouseServer()
        var wrong = Self.settings()
        wrong.user = "nobody"
        #expect {
            _ = try ClickHouseConnection(host: "127.0.0.1", port: UInt16(server.port), settings: wrong)
        } throws: { error in
            guard let error = error as? ClickHouseError, case .server(let exception, _) = error else { return false }
            return exception.isPermanent && error.description.contains("nobody")
        }
        let connection = try ClickHouseConnection(host: "127.0.0.1", port: UInt16(server.port), settings: Self.settings())
        #expect {
            _ = try connection.beginInsert("INSERT INTO missing VALUES")
        } throws: { error in
            guard let error = error as? ClickHouseError, case .server(let exception, _) = error else { return false }
            return exception.code == 60 && error.isPermanent && error.description.contains("missing")
        }
        // A listener that accepts and never answers.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(silent, 4)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(silent, $0, &length) } }
        var quick = Self.settings()
        quick.connectTimeoutNanoseconds = 500_000_000
        let started = Date()
        #expect {
            _ = try ClickHouseConnection(host: "127.0.0.1", port: UInt16(bigEndian: address.sin_port), settings: quick)
        } throws: { error in
            guard let error = error as? ClickHouseError, case .connection(let system) = error else { return false }
            return system.code == ETIMEDOUT && !error.isPermanent
        }
        #expect(Date().timeIntervalSince(started) < 3)
    }
}
