import DMBytes
import DMSystem

/// A sink's spool: batches the queue had no room for, a file each (`NNNNNNNNNNNNNNNN.batch`,
/// the batch's sequence number in hex), kept across restarts and replayed oldest first.
/// Its owner (``BatchingDelivery``) holds its lock around every call but ``write(_:sequence:)``
/// and ``load(_:)``, which touch only their own file: a batch is written in three steps
/// (``reserve(_:)`` under the lock, ``write(_:sequence:)`` without it, ``commit(sequence:size:)``
/// or ``release(_:)`` under it), so a slow disk never holds up the lock's other users.
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

    /// Stores `batch` in one go (under the owner's lock: for the rare paths); false when it
    /// would pass the size cap.
    /// - Throws: `SystemError` when the file cannot be written (a full disk).
    func store(_ batch: RecordBatch) throws(SystemError) -> Bool {
        let bytes = batch.spoolBytes
        guard self.reserve(bytes.count) else { return false }
        do { try self.write(bytes, sequence: batch.sequence) } catch {
            self.release(bytes.count)
            throw error
        }
        self.commit(sequence: batch.sequence, size: bytes.count)
        return true
    }

    /// Counts `size` bytes against the cap; false when they do not fit.
    func reserve(_ size: Int) -> Bool {
        guard self.totalBytes + size <= self.maximumBytes else { return false }
        self.totalBytes += size
        return true
    }

    /// Gives back a reservation whose file could not be written.
    func release(_ size: Int) { self.totalBytes -= size }

    /// Writes a batch's file (``RecordBatch/spoolBytes``); needs no lock.
    func write(_ bytes: [UInt8], sequence: UInt64) throws(SystemError) {
        try bytes.withByteView { (view) throws(SystemError) in try WholeFiles.writeAtomically(view, to: self.name(sequence)) }
    }

    /// Lists a written file, in sequence order, for replay.
    func commit(sequence: UInt64, size: Int) {
        let index = self.files.firstIndex { $0.sequence > sequence } ?? self.files.count
        self.files.insert((sequence, size), at: index)
    }

    /// The batch in the file of `sequence`; nil when the file is damaged.
    func load(_ sequence: UInt64) throws(SystemError) -> RecordBatch? {
        let file = try WholeFiles.read(self.name(sequence))  // no lock: the owner replays it alone
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
