import DMBytes
import DMSystem

/// Where the native protocol's primitives are read from: the socket, or the data of the
/// compressed blocks that arrive on it.
protocol NativeSource: AnyObject {
    /// The next `count` bytes, waiting for them as needed.
    func readBytes(_ count: Int) throws(ClickHouseError) -> [UInt8]
    /// The next byte.
    func readByte() throws(ClickHouseError) -> UInt8
}

extension NativeSource {
    func readVarUInt() throws(ClickHouseError) -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            let byte = try self.readByte()
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return value }
        }
        return value
    }

    func readLittleEndian(byteCount: Int) throws(ClickHouseError) -> UInt64 {
        let bytes = try self.readBytes(byteCount)
        var value: UInt64 = 0
        for (index, byte) in bytes.enumerated() { value |= UInt64(byte) << UInt64(8 * index) }
        return value
    }

    func readString(limit: Int = 1 << 24) throws(ClickHouseError) -> String {
        String(decoding: try self.readStringBytes(limit: limit), as: UTF8.self)
    }

    func readStringBytes(limit: Int = 1 << 24) throws(ClickHouseError) -> [UInt8] {
        let count = try self.readVarUInt()
        guard count <= UInt64(limit) else { throw self.violation("a string of \(count) bytes") }
        return try self.readBytes(Int(count))
    }

    func violation(_ reason: String) -> ClickHouseError {
        .protocolViolation(peer: (self as? SocketSource)?.peer ?? "server", reason: reason)
    }
}

/// Bytes from the connection's socket, through a receive buffer.
final class SocketSource: NativeSource {
    let socket: ByteStream
    var peer: String { self.socket.peer }
    private var buffer: [UInt8] = []
    private var position = 0
    private let chunk = ByteStorage(count: 1 << 16)

    init(socket: ByteStream) {
        self.socket = socket
    }

    private func fill(_ count: Int) throws(ClickHouseError) {
        if self.position > 0 && self.position == self.buffer.count {
            self.buffer.removeAll(keepingCapacity: true)
            self.position = 0
        }
        while self.buffer.count - self.position < count {
            let received: Int
            do { received = try self.socket.receive(into: self.chunk.mutableView) } catch { throw .connection(error) }
            guard received > 0 else { throw .closedByServer(peer: self.peer) }
            self.buffer += self.chunk.view.subview(0..<received)
        }
    }

    func readBytes(_ count: Int) throws(ClickHouseError) -> [UInt8] {
        try self.fill(count)
        defer { self.position += count }
        return Array(self.buffer[self.position..<(self.position + count)])
    }

    func readByte() throws(ClickHouseError) -> UInt8 {
        try self.fill(1)
        defer { self.position += 1 }
        return self.buffer[self.position]
    }
}

/// The data of the compressed blocks read from `base`, one block at a time.
final class DecompressingSource: NativeSource {
    private let base: SocketSource
    private var data: [UInt8] = []
    private var position = 0

    init(base: SocketSource) {
        self.base = base
    }

    private func fill(_ count: Int) throws(ClickHouseError) {
        while self.data.count - self.position < count {
            var frame = try self.base.readBytes(CompressedBlock.headerSize)
            let sizeWithHeader = frame.withByteView { Int($0.loadLittleEndian(at: 17, as: UInt32.self)) }
            guard sizeWithHeader >= 9, sizeWithHeader <= 1 << 30 else { throw self.base.violation("a compressed block of \(sizeWithHeader) bytes") }
            frame += try self.base.readBytes(sizeWithHeader - 9)
            let block: (data: [UInt8], consumed: Int)?
            do { block = try frame.withByteView { (view) throws(CompressedBlock.ReadError) in try CompressedBlock.read(view) } } catch {
                throw self.base.violation(error.description)
            }
            guard let block else { throw self.base.violation("a cut compressed block") }
            self.data = Array(self.data[self.position...]) + block.data
            self.position = 0
        }
    }

    func readBytes(_ count: Int) throws(ClickHouseError) -> [UInt8] {
        try self.fill(count)
        defer { self.position += count }
        return Array(self.data[self.position..<(self.position + count)])
    }

    func readByte() throws(ClickHouseError) -> UInt8 {
        try self.fill(1)
        defer { self.position += 1 }
        return self.data[self.position]
    }
}
