import DMBytes
import DMClickHouse
import DMFormats
import DMRecord
import DMSystem
import DNSWire

/// dnsmonster's DNS_LOG rows: one per question of each DNS record, with the values its
/// ClickHouse output inserts (../shared/reference/dnsmonster.md §5), into whichever of those
/// columns the table has, in the types the server announces.
final class DNSLogRows {
    /// A column dnsmonster fills, by its name in the table.
    enum Field: String, CaseIterable {
        case packetTime = "PacketTime"
        case indexTime = "IndexTime"
        case server = "Server"
        case ipVersion = "IPVersion"
        case sourceIP = "SrcIP"
        case destinationIP = "DstIP"
        case transport = "Protocol"
        case qr = "QR"
        case opcode = "OpCode"
        case questionClass = "Class"
        case questionType = "Type"
        case edns0Present = "Edns0Present"
        case doBit = "DoBit"
        case fullQuery = "FullQuery"
        case responseCode = "ResponseCode"
        case question = "Question"
        case size = "Size"
        /// The date and time columns of dnsmonster's older schema (its fallback table).
        case dnsDate = "DnsDate"
        case timestamp = "timestamp"

        var kind: ColumnValueKind {
            switch self {
            case .packetTime, .indexTime, .dnsDate, .timestamp: return .time
            case .server, .transport, .fullQuery, .question: return .text
            case .sourceIP, .destinationIP: return .address
            default: return .integer
            }
        }
    }

    /// What to put in the Server column and FullQuery.
    struct Options {
        var serverName: [UInt8]
        /// Server is the dnstap identity when the record has one (`--clickhouseUseDnstapIdentity`).
        var useDnstapIdentity = false
        /// FullQuery holds dnsmonster's JSON of the message (`--clickhouseSaveFullQuery`).
        var saveFullQuery = false
        var escapesHTML = false
    }

    /// Why a table cannot take DNS_LOG rows.
    struct TableError: Error, CustomStringConvertible {
        var description: String
    }

    let columns: [ColumnWriter]
    let fields: [Field]
    /// `INSERT INTO table (`a`, `b`, …) VALUES`.
    let insertQuery: String
    @exclusivity(unchecked) private(set) var rows = 0
    private let options: Options
    private let json: DNSMonsterJSON
    private let text = OutputByteBuffer(initialCapacity: 4096)
    private let ipText = OutputByteBuffer(initialCapacity: 64)
    private let jsonText = OutputByteBuffer(initialCapacity: 4096)
    private let noText = [UInt8]()

    /// The rows for `table`, whose INSERT header lists `header`; of the columns no DNS value
    /// fills, those in `columnsWithDefaults` are left to their defaults.
    /// - Throws: ``TableError`` naming a column no DNS value fits and that has no default.
    init(table: String, header: [NativeBlock.ColumnDescription], columnsWithDefaults withDefaults: Set<String>, options: Options) throws {
        var columns: [ColumnWriter] = []
        var fields: [Field] = []
        for column in header {
            guard let field = Field(rawValue: column.name) else {
                if withDefaults.contains(column.name) { continue }
                throw TableError(description: "column \(column.name) (\(column.typeName)) of \(table) is not one dnsmonster fills (\(Field.allCases.map(\.rawValue).joined(separator: ", "))) and has no DEFAULT; give it one, or drop it")
            }
            let writer = try ColumnWriter(name: column.name, typeName: column.typeName)
            guard writer.type.accepts(field.kind) else {
                throw TableError(description: "column \(column.name) of \(table) has type \(column.typeName), which cannot hold \(field.kind == .address ? "an address" : "a \(field.kind.rawValue)")")
            }
            columns.append(writer)
            fields.append(field)
        }
        guard !columns.isEmpty else { throw TableError(description: "\(table) has none of the columns dnsmonster fills") }
        self.columns = columns
        self.fields = fields
        self.insertQuery = "INSERT INTO \(table) (\(columns.map { "`\($0.name)`" }.joined(separator: ", "))) VALUES"
        self.options = options
        self.json = DNSMonsterJSON(configuration: .init(escapesHTML: options.escapesHTML))
    }

    /// The names of the columns a table description (``ClickHouseConnection/lastTableColumns``)
    /// gives a default (or computes).
    static func columnsWithDefaults(_ description: String) -> Set<String> {
        var names: Set<String> = []
        for line in description.split(separator: "\n") where line.hasPrefix("`") {
            let rest = line.dropFirst()
            guard let close = rest.firstIndex(of: "`") else { continue }
            let after = rest[rest.index(after: close)...]
            if after.contains("\tDEFAULT\t") || after.contains("\tMATERIALIZED\t") || after.contains("\tALIAS\t") {
                names.insert(String(rest[..<close]))
            }
        }
        return names
    }

    /// Whether `header` (of the INSERT this row set's query starts) is what the columns were made for.
    func matches(_ header: [NativeBlock.ColumnDescription]) -> Bool {
        header.count == self.columns.count && zip(header, self.columns).allSatisfy { $0.name == $1.name && $0.typeName == $1.typeName }
    }

    /// Forgets the rows (after a block went out).
    func removeAll() {
        self.rows = 0
        for column in self.columns { column.removeAll() }
    }

    /// Replaces the rows with those of `batch`'s records, stamped with the time now as
    /// IndexTime.
    /// - Returns: how many records were left out because their message does not decode.
    func fill(from batch: RecordBatch) -> Int {
        self.removeAll()
        let indexTime = WallClock.nowNanoseconds()
        var refused = 0
        batch.forEachRecord { body in
            guard let record = try? DNSRecordView(body: body), self.append(record, indexTimeNanoseconds: indexTime) else {
                refused += 1
                return
            }
        }
        return refused
    }

    /// Appends the rows of one record (one per question; none for a message without one).
    /// - Returns: false for a message dnsmonster could not decode (no rows appended).
    func append(_ record: DNSRecordView, indexTimeNanoseconds: UInt64) -> Bool {
        let message = record.message
        var scan = DNSQuestionScan()
        let summary: DNSMessageValidator.Summary
        do { summary = try DNSMessageWalker.walk(message, visitor: &scan) } catch { return false }
        guard let first = scan.firstQuestion else { return true }
        var fullQuery: ByteView?
        self.appendRow(record, summary: summary, scan: scan, question: first, indexTime: indexTimeNanoseconds, fullQuery: &fullQuery)
        for question in scan.laterQuestions {
            self.appendRow(record, summary: summary, scan: scan, question: question, indexTime: indexTimeNanoseconds, fullQuery: &fullQuery)
        }
        return true
    }

    private func appendRow(
        _ record: DNSRecordView, summary: DNSMessageValidator.Summary, scan: DNSQuestionScan,
        question: DNSMessageIndex.Question, indexTime: UInt64, fullQuery: inout ByteView?
    ) {
        let metadata = record.metadata
        for (column, field) in zip(self.columns, self.fields) {
            switch field {
            case .packetTime, .dnsDate, .timestamp: column.appendTime(nanoseconds: metadata.timeNanoseconds)
            case .indexTime: column.appendTime(nanoseconds: indexTime)
            case .server:
                if self.options.useDnstapIdentity && !record.identity.isEmpty {
                    column.appendText(record.identity)
                } else {
                    self.options.serverName.withByteView { column.appendText($0) }
                }
            case .ipVersion: column.appendInteger(UInt64(metadata.ipVersion))
            case .sourceIP: self.appendAddress(metadata.sourceAddress, ipVersion: metadata.ipVersion, to: column)
            case .destinationIP: self.appendAddress(metadata.destinationAddress, ipVersion: metadata.ipVersion, to: column)
            case .transport:
                let name: StaticString = metadata.transport == .udp ? "udp" : "tcp"
                column.appendText(ByteView(name))
            case .qr: column.appendInteger(summary.isResponse ? 1 : 0)
            case .opcode: column.appendInteger(UInt64(summary.opcode))
            case .questionClass: column.appendInteger(UInt64(question.class))
            case .questionType: column.appendInteger(UInt64(question.type))
            case .edns0Present: column.appendInteger(scan.hasEDNS ? 1 : 0)
            case .doBit: column.appendInteger(scan.dnssecOK ? 1 : 0)
            case .responseCode: column.appendInteger(UInt64(UInt8(truncatingIfNeeded: summary.extendedRcode)))
            case .size: column.appendInteger(UInt64(metadata.packetLength))
            case .question:
                self.text.removeAll()
                DNSNameText.append(nameAt: question.nameOffset, in: record.message, to: self.text)
                column.appendText(self.text.bytes)
            case .fullQuery:
                guard self.options.saveFullQuery else {
                    self.noText.withByteView { column.appendText($0) }
                    continue
                }
                if fullQuery == nil {
                    self.jsonText.removeAll()
                    // The record decoded above; dnsmonster's JSON of it cannot fail now.
                    _ = try? self.json.append(record, to: self.jsonText)
                    fullQuery = self.jsonText.bytes
                }
                column.appendText(fullQuery!)
            }
        }
        self.rows += 1
    }

    private func appendAddress(_ address: IPAddressBytes, ipVersion: UInt8, to column: ColumnWriter) {
        if column.holdsString {
            self.ipText.removeAll()
            GoIPAddressText.append(address, ipVersion: ipVersion, to: self.ipText)
            column.appendText(self.ipText.bytes)
        } else {
            address.withBytes { column.appendAddress($0, isIPv4: ipVersion == 4) }
        }
    }
}
