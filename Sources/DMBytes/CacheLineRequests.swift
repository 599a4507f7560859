import CDMShims

/// Asks for the cache lines of memory-mapped input a fixed distance ahead of where a reader
/// works, a few lines at a time as it goes.
///
/// Input mapped from a file comes from memory, not from a read that just copied it into the
/// cache, and the hardware prefetcher stops at each 4 KiB page. Requests spread over the
/// reader's work arrive while it works; the same requests made in one burst fill the CPU's
/// few outstanding-miss slots and it waits anyway. Requests are hints: one for a line already
/// cached costs an instruction, and one into a page not yet mapped is dropped, never a fault.
@frozen @usableFromInline
package struct CacheLineRequests {
    /// Offset (from the base the caller passes) up to which lines were asked for.
    @usableFromInline package var requestedTo: Int

    /// Requests nothing yet: lines from `offset` on are asked for on the next ``request(upTo:in:)``.
    @inlinable
    package init(from offset: Int = 0) {
        self.requestedTo = offset
    }

    /// Asks for the lines from ``requestedTo`` up to `end` of `bytes` (at most to its end).
    @inlinable @inline(__always)
    package mutating func request(upTo end: Int, in bytes: ByteView) {
        let limit = Swift.min(end, bytes.count)
        let base = bytes.base
        while self.requestedTo < limit {
            cdm_prefetch(base + self.requestedTo)
            self.requestedTo &+= 64
        }
    }
}

extension Array {
    /// Asks for the cache line holding element `index` without waiting for it: a hint for a
    /// lookup about to happen. An index out of range asks for nothing.
    @inlinable @inline(__always)
    public func requestCacheLine(ofElement index: Int) {
        guard UInt(bitPattern: index) < UInt(bitPattern: self.count) else { return }
        self.withUnsafeBufferPointer { cdm_prefetch($0.baseAddress! + index) }
    }
}
