import DMBytes
import DMClickHouse
import DMRecord
import DMStage
import DMSystem

/// One worker's connection to ClickHouse: each batch is one INSERT of DNS_LOG rows. A failed
/// connection moves on to the next address (failover); the row layout is learned from the
/// table on each new connection.
final class ClickHouseDestination: BatchDestination {
    private let addresses: [ClickHouseAddress]
    private let table: String
    private let settings: ClickHouseConnection.Settings
    private let rowOptions: DNSLogRows.Options
    /// Where to also write each block as a Native file (`--clickhouse-dump`).
    private let dump: NativeDump?
    private var next: Int
    private var connection: ClickHouseConnection?
    private var rows: DNSLogRows?
    private var block: [UInt8] = []
    /// Guards `connection` against ``interrupt()`` from another thread.
    private let lock = ThreadLock()

    init(
        addresses: [ClickHouseAddress], firstAddress: Int, table: String, settings: ClickHouseConnection.Settings,
        rowOptions: DNSLogRows.Options, dump: NativeDump?
    ) {
        self.addresses = addresses
        self.next = firstAddress % addresses.count
        self.table = table
        self.settings = settings
        self.rowOptions = rowOptions
        self.dump = dump
    }

    /// A connection, trying each address once from the next one in turn.
    func connect() throws(ClickHouseError) -> ClickHouseConnection {
        if let connection = self.connection { return connection }
        var lastError: ClickHouseError?
        for _ in 0..<self.addresses.count {
            let address = self.addresses[self.next]
            do {
                let connection = try ClickHouseConnection(address, settings: self.settings)
                self.lock.withLock { self.connection = connection }
                return connection
            } catch {
                if error.isPermanent { throw error }
                lastError = error
                self.next = (self.next + 1) % self.addresses.count
            }
        }
        throw lastError!
    }

    /// The row layout for the table, learned with an INSERT that sends nothing.
    /// - Throws: ``DNSLogRows/TableError`` for a table the rows cannot fill.
    func learnRows(_ connection: ClickHouseConnection) throws -> DNSLogRows {
        if let rows = self.rows { return rows }
        let header = try connection.beginInsert("INSERT INTO \(self.table) VALUES")
        try connection.endInsert()
        var withDefaults = DNSLogRows.columnsWithDefaults(connection.lastTableColumns)
        if header.contains(where: { DNSLogRows.Field(rawValue: $0.name) == nil }) {
            // Servers before 19.x send no column description: ask system.columns.
            func quoted(_ text: Substring) -> String {
                "'" + text.flatMap { $0 == "'" || $0 == "\\" ? ["\\", $0] : [$0] } + "'"
            }
            let parts = self.table.withoutBackquotes.split(separator: ".", maxSplits: 1)
            let database = parts.count == 2 ? quoted(parts[0]) : "currentDatabase()"
            let described = try connection.execute(
                "SELECT name FROM system.columns WHERE database = \(database) AND table = \(quoted(parts.last!)) AND default_kind != ''")
            withDefaults.formUnion(described.compactMap { $0.first })
        }
        let rows = try DNSLogRows(table: self.table, header: header, columnsWithDefaults: withDefaults, options: self.rowOptions)
        self.rows = rows
        return rows
    }

    func deliver(_ batch: RecordBatch) throws(DeliveryFailure) -> Int {
        do {
            let connection = try self.connect()
            let rows = try self.learnRows(connection)
            let refused = rows.fill(from: batch)
            // Messages without a question have no row (as in dnsmonster): a batch of only
            // such messages is delivered without an INSERT.
            guard rows.rows > 0 else { return refused }
            let header = try connection.beginInsert(rows.insertQuery)
            guard rows.matches(header) else {
                // The table changed under us: learn it again on the next attempt.
                self.rows = nil
                try? connection.endInsert()
                throw DeliveryFailure(message: "the columns of \(self.table) changed; learning them again", isPermanent: false)
            }
            self.block.removeAll(keepingCapacity: true)
            NativeBlock.encode(columns: rows.columns, rows: rows.rows, withBlockInfo: true, into: &self.block)
            try self.block.withByteView { (view) throws(ClickHouseError) in try connection.sendData(view) }
            try connection.endInsert()
            if let error = self.dump?.write(columns: rows.columns, rows: rows.rows) {
                StandardError.write("dm-out: --clickhouse-dump: \(error)\n")
            }
            return refused
        } catch let error as ClickHouseError {
            self.drop()
            throw DeliveryFailure(message: error.description, isPermanent: error.isPermanent)
        } catch let error as DNSLogRows.TableError {
            self.drop()
            throw DeliveryFailure(message: error.description, isPermanent: true)
        } catch let error as DeliveryFailure {
            self.drop()
            throw error
        } catch {
            self.drop()
            throw DeliveryFailure(message: "\(error)", isPermanent: false)
        }
    }

    /// Forgets the connection after a failure: the next attempt opens a new one, at the next address.
    private func drop() {
        self.lock.withLock {
            self.connection?.close()
            self.connection = nil
        }
        self.next = (self.next + 1) % self.addresses.count
    }

    func interrupt() {
        self.lock.withLock { self.connection?.interrupt() }
    }

    func close() {
        self.lock.withLock {
            self.connection?.close()
            self.connection = nil
        }
    }
}

/// DNS_LOG rows into a Native file only, for a table of the given columns (`--clickhouse-dump`
/// without a server): what `clickhouse-local` or chDB load, or a server takes later with
/// `INSERT INTO DNS_LOG FORMAT Native`.
final class NativeFileDestination: BatchDestination {
    private let rows: DNSLogRows
    private let dump: NativeDump

    /// - Throws: ``DNSLogRows/TableError`` for columns the rows cannot fill.
    init(columns: [NativeBlock.ColumnDescription], rowOptions: DNSLogRows.Options, dump: NativeDump) throws {
        self.rows = try DNSLogRows(table: "the --clickhouse-dump structure", header: columns, columnsWithDefaults: [], options: rowOptions)
        self.dump = dump
    }

    func deliver(_ batch: RecordBatch) throws(DeliveryFailure) -> Int {
        let refused = self.rows.fill(from: batch)
        if let error = self.dump.write(columns: self.rows.columns, rows: self.rows.rows) {
            throw DeliveryFailure(message: error.description, isPermanent: false)
        }
        return refused
    }

    func interrupt() {}
    func close() {}
}

/// Native-format files of the blocks sent (`--clickhouse-dump FILE`): what chDB or
/// `clickhouse-local --input-format Native` read, for checking the encoding on a current engine.
final class NativeDump: @unchecked Sendable {
    private let fd: Int32
    private let path: String
    private let lock = ThreadLock()
    private var bytes: [UInt8] = []

    init(path: String) throws(SystemError) {
        self.path = path
        self.fd = try WholeFiles.create(path)
    }

    /// Appends a block of `columns`; returns why it could not be written whole.
    @discardableResult
    func write(columns: [ColumnWriter], rows: Int) -> SystemError? {
        self.lock.withLock {
            self.bytes.removeAll(keepingCapacity: true)
            NativeBlock.encode(columns: columns, rows: rows, withBlockInfo: false, into: &self.bytes)
            return self.bytes.withByteView { view in FileDescriptorIO.writeUntilFailure(self.fd, view, object: self.path).error }
        }
    }
}

extension String {
    /// The name without the backquotes that may quote its parts (`db`.`table`).
    fileprivate var withoutBackquotes: String { String(self.filter { $0 != "`" }) }
}
