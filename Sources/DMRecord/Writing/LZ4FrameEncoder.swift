import CLZ4

/// A streaming LZ4 frame compressor over liblz4's LZ4F API.
///
/// Every ``compress(_:)`` call ends with an LZ4 block flush, so each stream flush reaches the
/// consumer whole and decodable.
final class LZ4FrameEncoder {
    private let context: OpaquePointer
    @exclusivity(unchecked) private var output: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var started = false

    init() {
        var context: OpaquePointer?
        let result = LZ4F_createCompressionContext(&context, UInt32(LZ4F_VERSION))
        precondition(LZ4F_isError(result) == 0 && context != nil, "liblz4 could not allocate a compression context")
        self.context = context!
        self.output = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit {
        LZ4F_freeCompressionContext(self.context)
        self.output.deallocate()
    }

    private func reserve(_ count: Int) {
        guard self.output.count < count else { return }
        self.output.deallocate()
        self.output = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
    }

    private func check(_ result: Int) throws(LZ4Error) -> Int {
        if LZ4F_isError(result) != 0 { throw LZ4Error(message: String(cString: LZ4F_getErrorName(result))) }
        return result
    }

    /// Compresses `input` (starting the frame if needed) and returns the bytes to write; they
    /// stay valid until the next call.
    func compress(_ input: UnsafeRawBufferPointer) throws(LZ4Error) -> UnsafeRawBufferPointer {
        self.reserve(LZ4F_compressBound(input.count, nil) + Int(LZ4F_HEADER_SIZE_MAX) + 64)
        var used = 0
        if !self.started {
            used += try self.check(LZ4F_compressBegin(self.context, self.output.baseAddress, self.output.count, nil))
            self.started = true
        }
        if input.count > 0 {
            used += try self.check(LZ4F_compressUpdate(
                self.context, self.output.baseAddress! + used, self.output.count - used, input.baseAddress, input.count, nil))
        }
        used += try self.check(LZ4F_flush(self.context, self.output.baseAddress! + used, self.output.count - used, nil))
        return UnsafeRawBufferPointer(rebasing: self.output[0..<used])
    }

    /// Ends the frame and returns its last bytes (empty when no frame was started).
    func finish() throws(LZ4Error) -> UnsafeRawBufferPointer {
        guard self.started else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        self.reserve(LZ4F_compressBound(0, nil) + 64)
        let used = try self.check(LZ4F_compressEnd(self.context, self.output.baseAddress, self.output.count, nil))
        self.started = false
        return UnsafeRawBufferPointer(rebasing: self.output[0..<used])
    }
}
