import DMBytes
import DMSystem

/// One connection to a ClickHouse server over its native TCP protocol: the Hello exchange,
/// queries, and INSERTs whose data goes as Native blocks, optionally compressed.
///
/// Every wait is bounded (``Settings/connectTimeoutNanoseconds``,
/// ``Settings/ioTimeoutNanoseconds``). After any error the connection is unusable: close it
/// and open another.
public final class ClickHouseConnection {
    /// The protocol revision this client speaks: the newest whose every field it handles.
    /// Servers answer with theirs and both use the lower one; this is the revision of the
    /// 18.16 server Debian ships, and newer servers still speak it to older clients.
    public static let clientRevision: UInt64 = 54412

    /// How to log in and what to send.
    public struct Settings: Sendable {
        public var user = "default"
        public var password = ""
        public var database = "default"
        /// Compression of data blocks; nil sends them as they are.
        public var compression: CompressedBlock.Method?
        /// The ZSTD level (1–22), for ZSTD compression.
        public var zstdLevel: Int32 = 1
        /// How long connecting and the Hello exchange may take (dnsmonster's DialTimeout).
        public var connectTimeoutNanoseconds: UInt64 = 2_000_000_000
        /// How long any one send or receive may wait: a server that accepts and never answers
        /// costs this much, once.
        public var ioTimeoutNanoseconds: UInt64 = 30_000_000_000
        /// The client name the server logs.
        public var clientName = "dnsmonster-swift"
        /// TLS (ClickHouse's secure port, 9440): nil for a plain connection.
        public var tls: TLS?
        /// Settings sent with every query (integer and boolean ones: at this revision their
        /// values go as varints), e.g. `allow_experimental_low_cardinality_type` for 18.16.
        public var querySettings: [(name: String, value: UInt64)] = []

        public init() {}
    }

    /// How TLS checks the server.
    public struct TLS: Sendable {
        /// Whether the certificate and the host name are checked.
        public var verify = true
        /// PEM file of the CAs to trust (nil: the system's store).
        public var caFile: String?

        public init(verify: Bool = true, caFile: String? = nil) {
            self.verify = verify
            self.caFile = caFile
        }
    }

    /// What the server said of itself in its Hello.
    public struct ServerInfo: Hashable, Sendable {
        public var name: String
        public var versionMajor: UInt64
        public var versionMinor: UInt64
        public var versionPatch: UInt64
        public var revision: UInt64
        public var timezone: String
        public var displayName: String

        /// `18.16.1`.
        public var version: String { "\(self.versionMajor).\(self.versionMinor).\(self.versionPatch)" }
    }

    /// `host:port`, for messages.
    public let peer: String
    /// The server's Hello.
    public let server: ServerInfo
    /// The revision both sides use: the lower of theirs.
    public let revision: UInt64
    private let settings: Settings
    private let source: SocketSource
    private var packet: [UInt8] = []
    /// The table's columns as the server described them before the last INSERT's header
    /// (`columns format version: 1`, then a line per column: `` `name` Type``, a tab and
    /// `DEFAULT`/`MATERIALIZED`/`ALIAS` and the expression when it has one).
    public private(set) var lastTableColumns = ""

    private enum ClientPacket: UInt64 { case hello = 0, query = 1, data = 2, ping = 4 }
    private enum ServerPacket: UInt64 {
        case hello = 0, data = 1, exception = 2, progress = 3, pong = 4, endOfStream = 5, profileInfo = 6, totals = 7,
            extremes = 8, tableColumns = 11
    }

    /// Connects to `address`, logs in and reads the server's Hello.
    /// - Throws: ``ClickHouseError`` (``ClickHouseError/server(_:peer:)`` for a refused login).
    public convenience init(_ address: ClickHouseAddress, settings: Settings) throws(ClickHouseError) {
        try self.init(host: address.host, port: address.port, settings: settings)
    }

    /// Connects to `host`:`port`, logs in and reads the server's Hello.
    /// - Throws: ``ClickHouseError`` (``ClickHouseError/server(_:peer:)`` for a refused login).
    public init(host: String, port: UInt16, settings: Settings) throws(ClickHouseError) {
        let peer = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        self.peer = peer
        self.settings = settings
        let socket: StreamSocket
        do {
            let address = try SocketAddress.resolve(host: host, port: port, object: peer)
            // The Hello exchange is part of connecting: a server that accepts and never
            // answers is found within the connect timeout.
            socket = try StreamSocket.connect(
                to: address, peer: peer, timeoutNanoseconds: settings.connectTimeoutNanoseconds,
                ioTimeoutNanoseconds: settings.connectTimeoutNanoseconds)
        } catch {
            throw .connection(error)
        }
        if let tls = settings.tls {
            do {
                self.source = SocketSource(socket: try TLSStream(over: socket, serverName: host, caFile: tls.caFile, verify: tls.verify))
            } catch {
                throw .tls(peer: peer, reason: error.reason, untrusted: error.isUntrustedCertificate)
            }
        } else {
            self.source = SocketSource(socket: socket)
        }
        var hello: [UInt8] = []
        hello.appendVarUInt(ClientPacket.hello.rawValue)
        hello.appendNativeString(settings.clientName)
        hello.appendVarUInt(1)
        hello.appendVarUInt(0)
        hello.appendVarUInt(Self.clientRevision)
        hello.appendNativeString(settings.database)
        hello.appendNativeString(settings.user)
        hello.appendNativeString(settings.password)
        let stream = self.source.socket
        do { try hello.withByteView { (bytes) throws(SystemError) in try stream.sendAll(bytes) } } catch { throw .connection(error) }
        let type = try self.source.readVarUInt()
        switch ServerPacket(rawValue: type) {
        case .hello:
            let name = try self.source.readString()
            let major = try self.source.readVarUInt()
            let minor = try self.source.readVarUInt()
            let serverRevision = try self.source.readVarUInt()
            let revision = min(serverRevision, Self.clientRevision)
            let timezone = revision >= 54058 ? try self.source.readString() : ""
            let displayName = revision >= 54372 ? try self.source.readString() : ""
            let patch = revision >= 54401 ? try self.source.readVarUInt() : serverRevision
            self.revision = revision
            self.server = ServerInfo(
                name: name, versionMajor: major, versionMinor: minor, versionPatch: patch, revision: serverRevision,
                timezone: timezone, displayName: displayName)
            socket.setTimeout(nanoseconds: settings.ioTimeoutNanoseconds)
        case .exception:
            throw .server(try Self.readException(self.source), peer: peer)
        default:
            throw .protocolViolation(peer: peer, reason: "packet \(type) instead of Hello (is this ClickHouse's native port, usually 9000?)")
        }
    }

    /// Closes the connection.
    public func close() { self.source.socket.close() }

    /// Makes a send or receive another thread is blocked in fail now (the connection is
    /// unusable afterwards).
    public func interrupt() { self.source.socket.shutdown() }

    /// Whether the connection is encrypted.
    public var isSecure: Bool { self.source.socket is TLSStream }

    // MARK: Exchanges

    /// Sends a ping and waits for the answer.
    public func ping() throws(ClickHouseError) {
        self.packet.removeAll(keepingCapacity: true)
        self.packet.appendVarUInt(ClientPacket.ping.rawValue)
        try self.send(self.packet)
        while true {
            let type = try self.source.readVarUInt()
            switch ServerPacket(rawValue: type) {
            case .pong: return
            case .progress: try self.skipProgress()
            case .exception: throw .server(try Self.readException(self.source), peer: self.peer)
            default: throw .protocolViolation(peer: self.peer, reason: "packet \(type) in answer to a ping")
            }
        }
    }

    /// Runs `query` (DDL, or a SELECT of integer and String columns) to its end.
    /// - Returns: the rows, each as its values in text.
    @discardableResult
    public func execute(_ query: String) throws(ClickHouseError) -> [[String]] {
        try self.sendQuery(query)
        var rows: [[String]] = []
        while true {
            guard let block = try self.readUntilData() else { return rows }
            for row in 0..<block.rows { rows.append(block.values.map { $0[row] }) }
        }
    }

    /// Starts `query`, an INSERT … VALUES, and returns the columns the server expects, in order.
    public func beginInsert(_ query: String) throws(ClickHouseError) -> [NativeBlock.ColumnDescription] {
        try self.sendQuery(query)
        guard let header = try self.readUntilData() else {
            throw .protocolViolation(peer: self.peer, reason: "no header block for the INSERT (it ended at once)")
        }
        return header.columns
    }

    /// Sends one block of an INSERT, `block` being its bytes as ``NativeBlock/encode(columns:rows:withBlockInfo:into:)`` wrote them.
    public func sendData(_ block: ByteView) throws(ClickHouseError) {
        self.packet.removeAll(keepingCapacity: true)
        self.packet.appendVarUInt(ClientPacket.data.rawValue)
        self.packet.appendNativeString("")
        if let method = self.settings.compression {
            CompressedBlock.append(block, method: method, zstdLevel: self.settings.zstdLevel, to: &self.packet)
        } else {
            self.packet.append(bytesOf: block)
        }
        try self.send(self.packet)
    }

    /// Ends an INSERT: sends the empty block and waits for the server to confirm.
    /// - Throws: the server's exception when it did not take the data.
    public func endInsert() throws(ClickHouseError) {
        try self.sendEmptyBlock()
        if let block = try self.readUntilData() {
            throw .protocolViolation(peer: self.peer, reason: "a block of \(block.rows) rows after the INSERT's data")
        }
    }

    // MARK: Packets

    private func send(_ bytes: [UInt8]) throws(ClickHouseError) {
        do { try bytes.withByteView { (view) throws(SystemError) in try self.source.socket.sendAll(view) } } catch { throw .connection(error) }
    }

    private func sendQuery(_ query: String) throws(ClickHouseError) {
        var packet: [UInt8] = []
        packet.appendVarUInt(ClientPacket.query.rawValue)
        packet.appendNativeString("")  // query id: the server makes one
        if self.revision >= 54032 {
            packet.append(1)  // initial query
            packet.appendNativeString("")  // initial user
            packet.appendNativeString("")  // initial query id
            packet.appendNativeString("0.0.0.0:0")  // initial address
            packet.append(1)  // interface: TCP
            packet.appendNativeString("")  // OS user
            packet.appendNativeString(Self.hostname)
            packet.appendNativeString(self.settings.clientName)
            packet.appendVarUInt(1)
            packet.appendVarUInt(0)
            packet.appendVarUInt(Self.clientRevision)
            if self.revision >= 54060 { packet.appendNativeString("") }  // quota key
            if self.revision >= 54401 { packet.appendVarUInt(0) }  // version patch
        }
        for setting in self.settings.querySettings {
            packet.appendNativeString(setting.name)
            packet.appendVarUInt(setting.value)
        }
        packet.appendNativeString("")  // end of the settings
        packet.appendVarUInt(2)  // stage: complete
        packet.appendVarUInt(self.settings.compression == nil ? 0 : 1)
        packet.appendNativeString(query)
        try self.send(packet)
        // The external tables' data ends with an empty block.
        try self.sendEmptyBlock()
    }

    private func sendEmptyBlock() throws(ClickHouseError) {
        var block: [UInt8] = []
        NativeBlock.encode(columns: [], rows: 0, withBlockInfo: true, into: &block)
        try block.withByteView { (view) throws(ClickHouseError) in try self.sendData(view) }
    }

    /// Reads packets up to the next data block (returned) or the end of the query (nil).
    private func readUntilData() throws(ClickHouseError) -> NativeBlock.Decoded? {
        while true {
            let type = try self.source.readVarUInt()
            switch ServerPacket(rawValue: type) {
            case .data, .totals, .extremes:
                _ = try self.source.readString()  // table name
                let blockSource: NativeSource = self.settings.compression == nil ? self.source : DecompressingSource(base: self.source)
                let block = try NativeBlock.read(from: blockSource, withBlockInfo: true)
                if ServerPacket(rawValue: type) == .data && (block.rows > 0 || !block.columns.isEmpty) { return block }
            case .exception:
                throw .server(try Self.readException(self.source), peer: self.peer)
            case .progress:
                try self.skipProgress()
            case .profileInfo:
                _ = try self.source.readVarUInt()  // rows
                _ = try self.source.readVarUInt()  // blocks
                _ = try self.source.readVarUInt()  // bytes
                _ = try self.source.readByte()  // applied limit
                _ = try self.source.readVarUInt()  // rows before limit
                _ = try self.source.readByte()  // calculated rows before limit
            case .tableColumns:
                _ = try self.source.readString()  // external table name
                self.lastTableColumns = try self.source.readString()
            case .endOfStream:
                return nil
            default:
                throw .protocolViolation(peer: self.peer, reason: "packet type \(type)")
            }
        }
    }

    private func skipProgress() throws(ClickHouseError) {
        _ = try self.source.readVarUInt()  // rows
        _ = try self.source.readVarUInt()  // bytes
        if self.revision >= 51554 { _ = try self.source.readVarUInt() }  // total rows
    }

    private static func readException(_ source: NativeSource) throws(ClickHouseError) -> ServerException {
        let code = Int32(truncatingIfNeeded: try source.readLittleEndian(byteCount: 4))
        let name = try source.readString()
        let message = try source.readString()
        _ = try source.readString()  // stack trace
        let hasNested = try source.readByte()
        if hasNested != 0 { _ = try Self.readException(source) }
        return ServerException(code: code, name: name, message: message)
    }

    private static let hostname: String = SystemHost.name
}
