extension ByteView {
    /// The little-endian integer at `offset`; traps unless its bytes are inside the view.
    @inlinable @inline(__always)
    public func loadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        return T(littleEndian: self.base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The big-endian (network order) integer at `offset`; traps unless its bytes are inside
    /// the view.
    @inlinable @inline(__always)
    public func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        return T(bigEndian: self.base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The little-endian integer at `offset`, whose bytes the caller has checked are inside
    /// the view.
    @inlinable @inline(__always)
    public func uncheckedLoadLittleEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        return T(littleEndian: self.base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The big-endian integer at `offset`, whose bytes the caller has checked are inside the view.
    @inlinable @inline(__always)
    public func uncheckedLoadBigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        return T(bigEndian: self.base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The integer at `offset` in memory order (neither swapped nor interpreted): for hashing
    /// and comparing bytes a word at a time.
    @inlinable @inline(__always)
    public func loadNative<T: FixedWidthInteger>(at offset: Int, as: T.Type = T.self) -> T {
        assert(offset >= 0 && offset <= self.count &- MemoryLayout<T>.size, "integer offset out of range")
        return self.base.loadUnaligned(fromByteOffset: offset, as: T.self)
    }
}
