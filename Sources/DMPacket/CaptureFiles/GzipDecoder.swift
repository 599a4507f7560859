import CZlib
import DMBytes

/// A streaming gzip decompressor over zlib's inflate, accepting concatenated members
/// (what `cat a.gz b.gz` and pigz produce).
final class GzipDecoder {
    @exclusivity(unchecked) private var stream = z_stream()
    /// Whether a member has started and not yet ended.
    @exclusivity(unchecked) private(set) var insideMember = false

    init() {
        // 15 window bits + 32: detect a gzip or zlib header automatically.
        let status = inflateInit2_(&self.stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        precondition(status == Z_OK, "zlib could not initialise inflate")
    }

    deinit { inflateEnd(&self.stream) }

    /// Decompresses from `source` into `destination` as far as either allows.
    func decompress(_ source: ByteView, into destination: MutableByteView) throws(CompressionError) -> (consumed: Int, produced: Int) {
        guard source.count > 0 else { return (0, 0) }
        let status = destination.withUnsafeMutableBytes { output in
            source.withUnsafeBytes { input in
                self.stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self))
                self.stream.avail_in = UInt32(clamping: input.count)
                self.stream.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
                self.stream.avail_out = UInt32(clamping: output.count)
                return inflate(&self.stream, Z_NO_FLUSH)
            }
        }
        let inputBefore = min(source.count, Int(UInt32.max)), outputBefore = min(destination.count, Int(UInt32.max))
        let consumed = inputBefore - Int(self.stream.avail_in)
        let produced = outputBefore - Int(self.stream.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            self.insideMember = true
        case Z_STREAM_END:
            self.insideMember = false
            inflateReset(&self.stream)
        default:
            let reason = self.stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw CompressionError(message: "gzip data is corrupt: \(reason)")
        }
        return (consumed, produced)
    }
}

/// A decompressor's complaint about its input.
public struct CompressionError: Error, Hashable, Sendable {
    public var message: String
}
