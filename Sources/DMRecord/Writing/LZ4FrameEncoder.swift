import CLZ4
import DMBytes

/// A streaming LZ4 frame compressor over liblz4's LZ4F API.
///
/// Every ``compress(_:)`` call ends with an LZ4 block flush, so each stream flush reaches the
/// consumer whole and decodable.
final class LZ4FrameEncoder {
    private let context: OpaquePointer
    @exclusivity(unchecked) private var output = ByteStorage(count: 64 << 10)
    @exclusivity(unchecked) private var started = false

    init() {
        var context: OpaquePointer?
        let result = LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION))
        precondition(LZ4F_isError(result) == 0 && context != nil, "liblz4 could not allocate a compression context")
        self.context = context!
    }

    deinit {
        LZ4F_freeCompressionContext(self.context)
    }

    private func reserve(_ count: Int) {
        guard self.output.count < count else { return }
        self.output = ByteStorage(count: count)
    }

    private func check(_ result: Int) throws(LZ4Error) -> Int {
        if LZ4F_isError(result) != 0 { throw LZ4Error(message: String(cString: LZ4F_getErrorName(result))) }
        return result
    }

    /// Compresses `input` (starting the frame if needed) and returns the bytes to write; they
    /// stay valid until the next call.
    func compress(_ input: ByteView) throws(LZ4Error) -> ByteView {
        self.reserve(LZ4F_compressBound(input.count, nil) + Int(LZ4F_HEADER_SIZE_MAX) + 64)
        let context = self.context
        let started = self.started
        self.started = true
        let used = try self.output.mutableView.withUnsafeMutableBytes { (output) throws(LZ4Error) -> Int in
            var used = 0
            if !started {
                used += try self.check(LZ4F_compressBegin(context, output.baseAddress, output.count, nil))
            }
            if input.count > 0 {
                used += try input.withUnsafeBytes { (source) throws(LZ4Error) -> Int in
                    try self.check(LZ4F_compressUpdate(
                        context, output.baseAddress! + used, output.count - used, source.baseAddress, source.count, nil))
                }
            }
            used += try self.check(LZ4F_flush(context, output.baseAddress! + used, output.count - used, nil))
            return used
        }
        return self.output.view.subview(0..<used)
    }

    /// Ends the frame and returns its last bytes (empty when no frame was started).
    func finish() throws(LZ4Error) -> ByteView {
        guard self.started else { return ByteView() }
        self.reserve(LZ4F_compressBound(0, nil) + 64)
        let context = self.context
        let used = try self.output.mutableView.withUnsafeMutableBytes { (output) throws(LZ4Error) -> Int in
            try self.check(LZ4F_compressEnd(context, output.baseAddress, output.count, nil))
        }
        self.started = false
        return self.output.view.subview(0..<used)
    }
}
