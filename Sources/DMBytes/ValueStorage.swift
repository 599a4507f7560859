import CDMShims

/// A fixed number of values of one plain type, owned by one object for its whole life: the
/// slots, entries and filter words of a hash table. Every access checks its index; the
/// storage is allocated once and freed with the object (grow a table by making a larger
/// storage and copying into it).
public final class ValueStorage<Element: BitwiseCopyable>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Element>
    /// How many values the storage holds.
    public let count: Int

    /// `count` copies of `value`.
    public init(repeating value: Element, count: Int) {
        precondition(count >= 0, "a negative count")
        self.base = .allocate(capacity: Swift.max(count, 1))
        self.base.initialize(repeating: value, count: count)
        self.count = count
    }

    deinit { self.base.deallocate() }

    /// The value at `index`; traps unless `0 ≤ index < count`.
    @inlinable
    public subscript(index: Int) -> Element {
        get {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: self.count), "storage index out of range")
            return self.base[index]
        }
        set {
            precondition(UInt(bitPattern: index) < UInt(bitPattern: self.count), "storage index out of range")
            self.base[index] = newValue
        }
    }

    /// The value at `index`, which the caller keeps in range by construction (a hash table's
    /// slot or filter word, reduced with a mask one less than ``count``); checked by an
    /// assertion in debug builds only, for the lookups every record makes.
    @inlinable @inline(__always)
    public func uncheckedElement(at index: Int) -> Element {
        assert(UInt(bitPattern: index) < UInt(bitPattern: self.count), "storage index out of range")
        return self.base[index]
    }

    /// Copies the first `count` values of `other` to the start of this storage; traps unless
    /// both hold that many.
    public func copyPrefix(of other: ValueStorage<Element>, count: Int) {
        precondition(count >= 0 && count <= self.count && count <= other.count, "copy out of range")
        self.base.update(from: other.base, count: count)
    }

    /// Asks for the cache line holding the value at `index`, a hint for a lookup about to
    /// happen; an index out of range asks for nothing.
    @inlinable
    public func prefetch(_ index: Int) {
        guard UInt(bitPattern: index) < UInt(bitPattern: self.count) else { return }
        cdm_prefetch(UnsafeRawPointer(self.base + index))
    }
}

/// Calls `body` with `count` bytes of scratch space on the stack when it is small (up to
/// 1 KiB) and on the heap otherwise; the view must not escape `body`.
/// - Parameters:
///   - count: the bytes needed.
///   - zeroed: whether the bytes start as zeros. Pass false only where `body` writes every
///     byte before reading it (a per-record scratch area, whose zeroing would cost more than
///     the work done in it); the bytes are then unspecified, never out of bounds.
@inlinable @inline(__always)
public func withTemporaryBytes<Result, Failure: Error>(
    count: Int, zeroed: Bool = true, _ body: (MutableByteView) throws(Failure) -> Result
) throws(Failure) -> Result {
    try withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { (buffer) throws(Failure) -> Result in
        // Raw bytes of trivial values: loading them uninitialized gives unspecified values.
        if zeroed { buffer.initializeMemory(as: UInt8.self, repeating: 0) }
        return try body(MutableByteView(unsafeBytes: buffer))
    }
}
