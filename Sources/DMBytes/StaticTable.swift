/// A read-only table built once and kept for the life of the process: lookup tables that
/// every record consults (the RDATA layout of each DNS type), indexed without the reference
/// counting an array costs on each access. The elements are never freed and never written
/// after ``init(_:)``, so one table can be shared by every thread.
@frozen
public struct StaticTable<Element>: @unchecked Sendable {
    @usableFromInline let base: UnsafePointer<Element>?
    /// How many elements the table holds.
    public let count: Int

    /// A table holding `elements`, copied into memory that is never freed: build each table
    /// once (a `static let`), never per use.
    public init(_ elements: [Element]) {
        let storage = UnsafeMutableBufferPointer<Element>.allocate(capacity: Swift.max(elements.count, 1))
        _ = storage.initialize(from: elements)
        self.base = UnsafePointer(storage.baseAddress)
        self.count = elements.count
    }

    /// The element at `index`; traps unless `0 ≤ index < count`.
    @inlinable
    public subscript(index: Int) -> Element {
        precondition(UInt(bitPattern: index) < UInt(bitPattern: self.count), "table index out of range")
        return self.base.unsafelyUnwrapped[index]
    }

    /// The element at `index`, which the caller keeps in range by construction; checked by an
    /// assertion in debug builds only, for the lookups every record makes.
    @inlinable @inline(__always)
    public func uncheckedElement(at index: Int) -> Element {
        assert(UInt(bitPattern: index) < UInt(bitPattern: self.count), "table index out of range")
        return self.base.unsafelyUnwrapped[index]
    }
}

extension StaticTable: RandomAccessCollection {
    public typealias Index = Int

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { self.count }
}
