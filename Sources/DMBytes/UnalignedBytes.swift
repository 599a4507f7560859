/// The unsafe primitives every record layout is built on: unaligned little-endian loads and
/// stores. Callers check bounds once per record; these do not check again in release builds.
extension UnsafeRawBufferPointer {
    /// Loads a little-endian integer at `offset`. The caller has checked `offset + size ≤ count`.
    @inlinable @inline(__always)
    public func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        assert(offset >= 0 && offset + MemoryLayout<T>.size <= self.count)
        return T(littleEndian: self.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    /// Stores `value` little-endian at `offset`. The caller has checked `offset + size ≤ count`.
    @inlinable @inline(__always)
    public func storeLittleEndian<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        assert(offset >= 0 && offset + MemoryLayout<T>.size <= self.count)
        self.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
    }

    /// Copies `bytes` to `offset`. The caller has checked that they fit.
    @inlinable @inline(__always)
    public func copyBytes(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        assert(offset >= 0 && offset + bytes.count <= self.count)
        guard bytes.count > 0, let base = self.baseAddress, let source = bytes.baseAddress else { return }
        (base + offset).copyMemory(from: source, byteCount: bytes.count)
    }
}
