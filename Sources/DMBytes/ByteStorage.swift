/// Bytes owned by one object for its whole life, allocated once: a reader's or writer's buffer,
/// scratch space reused for every record. Hands out views of itself; they are valid while the
/// storage lives.
public final class ByteStorage: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutableRawPointer
    /// How many bytes the storage holds.
    public let count: Int

    /// `count` bytes, zeroed, aligned to `alignment`.
    public init(count: Int, alignment: Int = 16) {
        precondition(count >= 0, "a negative byte count")
        self.base = .allocate(byteCount: Swift.max(count, 1), alignment: alignment)
        self.base.initializeMemory(as: UInt8.self, repeating: 0, count: Swift.max(count, 1))
        self.count = count
    }

    deinit { self.base.deallocate() }

    /// All the bytes, writable.
    @inlinable
    public var mutableView: MutableByteView { MutableByteView(base: self.base, count: self.count) }

    /// All the bytes, read-only.
    @inlinable
    public var view: ByteView { ByteView(base: UnsafeRawPointer(self.base), count: self.count) }
}
