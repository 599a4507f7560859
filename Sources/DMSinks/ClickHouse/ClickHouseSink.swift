import DMBytes
import DMClickHouse
import DMRecord
import DMSystem
import Synchronization

/// dm-out's ClickHouse sink: DNS_LOG rows as dnsmonster inserts them, over the native
/// protocol, through ``BatchingDelivery`` (batches by size and time, a worker and connection
/// per `workers`, retries, failover over the addresses, spool).
public final class ClickHouseSink: RecordSink, @unchecked Sendable {
    /// What the `--clickhouse-*` options set.
    public struct Options: Sendable {
        public var addresses: [ClickHouseAddress] = []
        /// The table, as given (`DNS_LOG`, or `db.DNS_LOG`).
        public var table = "DNS_LOG"
        public var connection = ClickHouseConnection.Settings()
        public var delivery = BatchingDelivery.Configuration()
        /// The Server column (dnsmonster's `--serverName`).
        public var serverName = "default"
        public var useDnstapIdentity = false
        public var saveFullQuery = false
        public var escapesHTML = false
        /// Also write each block sent as a Native file here; with no address, only that.
        public var dumpPath: String?
        /// Create the schema (or bring it to ``ClickHouseSchema/version``) before inserting.
        public var createSchema = false
        /// What DNS_SCHEMA_VERSION records as having applied the schema.
        public var schemaAppliedBy = "dm-out"
        /// The columns of the file when there is no server to ask (dnsmonster's DNS_LOG by default).
        public var dumpColumns: [NativeBlock.ColumnDescription] = Options.dnsLogStructure

        /// docs/clickhouse/tables.sql's DNS_LOG columns, as a current server announces them.
        public static let dnsLogStructure: [NativeBlock.ColumnDescription] = ClickHouseSchema.dnsLogColumns.map {
            NativeBlock.ColumnDescription(name: $0.name, typeName: $0.current)
        }

        public init() {}
    }

    public let name = "clickhouse"
    private let delivery: BatchingDelivery
    private let skippedCount = Atomic<UInt64>(0)

    /// Checks the first reachable server: the login, the table and that its columns take
    /// DNS_LOG rows; then starts the workers. A server that cannot be reached yet is not an
    /// error: records queue (and spool) until it can.
    /// - Throws: ``ClickHouseSinkError`` for what no retry can mend (login refused, no such
    ///   table, a column no DNS value fits), or a spool folder that cannot be used.
    public init(options: Options, report: @escaping (String) -> Void) throws {
        precondition(!options.addresses.isEmpty || options.dumpPath != nil)
        let rowOptions = DNSLogRows.Options(
            serverName: Array(options.serverName.utf8), useDnstapIdentity: options.useDnstapIdentity,
            saveFullQuery: options.saveFullQuery, escapesHTML: options.escapesHTML)
        let dump = try options.dumpPath.map { (path) throws(SystemError) in try NativeDump(path: path) }
        if options.addresses.isEmpty, let dump {
            let destination: NativeFileDestination
            do { destination = try NativeFileDestination(columns: options.dumpColumns, rowOptions: rowOptions, dump: dump) } catch {
                throw ClickHouseSinkError(message: "\(error)")
            }
            self.delivery = try BatchingDelivery(name: "clickhouse", configuration: options.delivery, destinations: [destination], report: report)
            try self.delivery.start()
            return
        }
        let destinations = (0..<max(1, options.delivery.workers)).map { index in
            ClickHouseDestination(
                addresses: options.addresses, firstAddress: index, table: options.table, settings: options.connection,
                rowOptions: rowOptions, dump: dump)
        }
        let probe = destinations[0]
        do {
            let connection = try probe.connect()
            if options.createSchema {
                let (previous, now) = try ClickHouseSchema.apply(on: connection, table: options.table, appliedBy: options.schemaAppliedBy)
                report(previous == now
                    ? "clickhouse: the schema on \(connection.peer) is at version \(now); nothing to do"
                    : "clickhouse: brought the schema on \(connection.peer) from version \(previous) to \(now) (\(ClickHouseSchema.Variant(serverMajorVersion: connection.server.versionMajor).rawValue) variant)")
            }
            let rows = try probe.learnRows(connection)
            report("clickhouse: \(connection.peer) is ClickHouse \(connection.server.version) (protocol revision \(connection.revision)\(connection.isSecure ? ", TLS" : "")); \(options.table) has \(rows.fields.count) of dnsmonster's columns")
        } catch let error as ClickHouseError where !error.isPermanent && !options.createSchema {
            report("clickhouse: no server reachable at start (\(error)); records queue\(options.delivery.spoolFolder == nil ? "" : " and spool") until one is")
        } catch let error as ClickHouseError {
            throw ClickHouseSinkError(message: options.createSchema && !error.isPermanent ? "cannot create the schema: \(error)" : error.description)
        } catch let error as DNSLogRows.TableError {
            throw ClickHouseSinkError(message: error.description)
        }
        self.delivery = try BatchingDelivery(name: "clickhouse", configuration: options.delivery, destinations: destinations, report: report)
        try self.delivery.start()
    }

    public func write(_ record: DNSRecordView, body: ByteView) {
        self.delivery.append(body)
    }

    public func countSkipped() {
        self.skippedCount.add(1, ordering: .relaxed)
    }

    public func finish() {
        self.delivery.finish()
    }

    public var deliveryCounters: DeliveryCounters { self.delivery.currentCounters }

    public var skipped: UInt64 { self.skippedCount.load(ordering: .relaxed) }
}

/// A ClickHouse set-up no retry can mend, found at start.
public struct ClickHouseSinkError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { "clickhouse: \(self.message)" }
}
