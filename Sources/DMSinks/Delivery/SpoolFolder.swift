import DMBytes
import DMSystem

/// A sink's spool: batches the queue had no room for, a file each (`NNNNNNNNNNNNNNNN.batch`,
/// the batch's sequence number in hex), kept across restarts and replayed oldest first.
/// Not thread-safe: its owner (``BatchingDelivery``) holds its lock around every call.
final class SpoolFolder {
    let path: String
    let maximumBytes: Int
    /// Sequence number and size of each file, oldest first.
    private(set) var files: [(sequence: UInt64, size: Int)] = []
    private(set) var totalBytes = 0

    /// Opens (creating it if missing) the folder `path` holding at most `maximumBytes`.
    /// - Throws: `SystemError` when the folder cannot be created or read.
    init(path: String, maximumBytes: Int) throws(SystemError) {
        self.path = path
        self.maximumBytes = maximumBytes
        try Folders.create(path)
        for entry in try WholeFiles.list(path) where entry.name.hasSuffix(".batch") {
            guard let sequence = UInt64(entry.name.dropLast(6), radix: 16) else { continue }
            self.files.append((sequence, entry.size))
            self.totalBytes += entry.size
        }
        self.files.sort { $0.sequence < $1.sequence }
    }

    /// Whether no batch waits.
    var isEmpty: Bool { self.files.isEmpty }

    /// The sequence number after the newest file's, so new batches sort after old ones.
    var nextSequence: UInt64 { (self.files.last?.sequence ?? 0) + 1 }

    private func name(_ sequence: UInt64) -> String {
        let hex = String(sequence, radix: 16)
        return self.path + "/" + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + ".batch"
    }

    /// Stores `batch`; false when it would pass the size cap.
    /// - Throws: `SystemError` when the file cannot be written (a full disk).
    func store(_ batch: RecordBatch) throws(SystemError) -> Bool {
        let bytes = batch.spoolBytes
        guard self.totalBytes + bytes.count <= self.maximumBytes else { return false }
        try bytes.withByteView { (view) throws(SystemError) in try WholeFiles.writeAtomically(view, to: self.name(batch.sequence)) }
        let index = self.files.firstIndex { $0.sequence > batch.sequence } ?? self.files.count
        self.files.insert((batch.sequence, bytes.count), at: index)
        self.totalBytes += bytes.count
        return true
    }

    /// The batch in the file of `sequence`; nil when the file is damaged.
    func load(_ sequence: UInt64) throws(SystemError) -> RecordBatch? {
        let file = try WholeFiles.read(self.name(sequence))
        return RecordBatch.fromSpool(file, sequence: sequence)
    }

    /// Deletes the file of `sequence` (delivered, or unreadable).
    func remove(_ sequence: UInt64) throws(SystemError) {
        try WholeFiles.remove(self.name(sequence))
        if let index = self.files.firstIndex(where: { $0.sequence == sequence }) {
            self.totalBytes -= self.files[index].size
            self.files.remove(at: index)
        }
    }
}
