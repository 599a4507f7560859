import DMBytes

/// Records on their way to a batching sink, held as their record bodies (docs/record-format.md)
/// each after its length: what a sink encodes when it delivers, and what its spool keeps.
public final class RecordBatch {
    /// The records, each as a 4-byte little-endian length and the body.
    @exclusivity(unchecked) public private(set) var bytes: [UInt8] = []
    /// How many records it holds.
    @exclusivity(unchecked) public private(set) var records = 0
    /// Its place in the order batches were closed: the spool replays by it.
    var sequence: UInt64 = 0
    /// When its first record came (monotonic nanoseconds): it closes `delay` after.
    var openedAt: UInt64 = 0

    init() {}

    /// Appends one record body.
    func append(_ body: ByteView) {
        self.bytes.appendLittleEndian(UInt64(body.count), byteCount: 4)
        self.bytes.append(bytesOf: body)
        self.records += 1
    }

    /// Calls `body` with each record body in order.
    public func forEachRecord<Failure: Error>(_ body: (ByteView) throws(Failure) -> Void) throws(Failure) {
        try self.bytes.withByteView { (view) throws(Failure) in
            var offset = 0
            while offset + 4 <= view.count {
                let count = Int(view.loadLittleEndian(at: offset, as: UInt32.self))
                guard offset + 4 + count <= view.count else { return }
                try body(view.subview((offset + 4)..<(offset + 4 + count)))
                offset += 4 + count
            }
        }
    }

    // MARK: Spool files

    private static let spoolMagic = Array("DMSPOOL1".utf8)

    /// The batch as a spool file holds it: magic, record count (8 bytes LE), the records.
    var spoolBytes: [UInt8] {
        var bytes = Self.spoolMagic
        var count = UInt64(self.records)
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: count))
            count >>= 8
        }
        return bytes + self.bytes
    }

    /// The batch a spool file holds; nil when the file is not one or is cut short.
    static func fromSpool(_ file: [UInt8], sequence: UInt64) -> RecordBatch? {
        guard file.count >= 16, Array(file[0..<8]) == Self.spoolMagic else { return nil }
        let batch = RecordBatch()
        batch.sequence = sequence
        batch.bytes = Array(file[16...])
        let declared = file.withByteView { Int($0.loadLittleEndian(at: 8, as: UInt64.self)) }
        // Each record must end exactly where the file does.
        var offset = 0
        var found = 0
        while offset + 4 <= batch.bytes.count {
            offset += 4 + batch.bytes.withByteView { Int($0.loadLittleEndian(at: offset, as: UInt32.self)) }
            found += 1
        }
        guard offset == batch.bytes.count, found == declared else { return nil }
        batch.records = found
        return batch
    }
}
