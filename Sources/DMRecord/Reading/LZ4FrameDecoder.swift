import CLZ4
import DMBytes

/// A streaming LZ4 frame decompressor over liblz4's LZ4F API.
///
/// One context serves any number of consecutive frames: liblz4 resets it at each frame end.
package final class LZ4FrameDecoder {
    private let context: OpaquePointer
    /// Whether a frame has started and not yet ended.
    @exclusivity(unchecked) package private(set) var insideFrame = false

    package init() {
        var context: OpaquePointer?
        let result = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        precondition(LZ4F_isError(result) == 0 && context != nil, "liblz4 could not allocate a decompression context")
        self.context = context!
    }

    deinit { LZ4F_freeDecompressionContext(self.context) }

    /// The outcome of one decompression step.
    package struct Step {
        package var consumed: Int
        package var produced: Int
        package var frameEnded: Bool
    }

    /// Decompresses from `source` into `destination` as far as either allows.
    package func decompress(_ source: ByteView, into destination: MutableByteView) throws(LZ4Error) -> Step {
        var produced = destination.count
        var consumed = source.count
        let hint = destination.withUnsafeMutableBytes { output in
            source.withUnsafeBytes { input in
                LZ4F_decompress(self.context, output.baseAddress, &produced, input.baseAddress, &consumed, nil)
            }
        }
        if LZ4F_isError(hint) != 0 {
            self.insideFrame = false
            LZ4F_resetDecompressionContext(self.context)
            throw LZ4Error(message: String(cString: LZ4F_getErrorName(hint)))
        }
        self.insideFrame = hint != 0
        return Step(consumed: consumed, produced: produced, frameEnded: hint == 0)
    }
}

/// An error reported by liblz4.
package struct LZ4Error: Error {
    package var message: String
}
