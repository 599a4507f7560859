import DMBytes

/// What a row gives a column; ``ColumnType/accepts(_:)`` says which types can hold it.
public enum ColumnValueKind: String, Sendable {
    /// A number (a flag, a code, a size).
    case integer
    /// A point in time, in nanoseconds since the epoch.
    case time
    /// Bytes: a name, a JSON document, a label.
    case text
    /// An IPv4 or IPv6 address, as 16 bytes.
    case address
    /// A 128-bit identifier.
    case uuid
}

extension ColumnType {
    /// Whether a column of this type can hold values of `kind`.
    public func accepts(_ kind: ColumnValueKind) -> Bool {
        switch (kind, self.valueType) {
        case (.integer, .unsigned), (.integer, .signed), (.integer, .string): return true
        case (.time, .date), (.time, .dateTime), (.time, .dateTime64), (.time, .unsigned(4)), (.time, .unsigned(8)),
            (.time, .signed(8)):
            return true
        case (.text, .string), (.text, .fixedString): return true
        case (.address, .ipv4), (.address, .ipv6), (.address, .fixedString(16)), (.address, .unsigned(4)), (.address, .string):
            return true
        case (.uuid, .uuid), (.uuid, .fixedString(16)): return true
        default: return false
        }
    }
}

/// One column of a Native block being filled row by row, in the encoding the server expects
/// for its type; ``encode(into:)`` writes it (name, type, data) and ``removeAll()`` readies
/// it for the next block, keeping its allocations.
public final class ColumnWriter {
    /// The column's name.
    public let name: String
    /// The type as the server named it, sent back verbatim.
    public let typeName: String
    /// The parsed type.
    public let type: ColumnType
    /// Rows appended since the last ``removeAll()``.
    @exclusivity(unchecked) public private(set) var rows = 0

    /// Whether the values are variable-length strings (String, also in LowCardinality or
    /// Nullable): an address goes there as text, into FixedString(16) as its bytes.
    public let holdsString: Bool
    /// How a value is written, worked out once from ``type`` (no indirect enum per row).
    private let encoding: ValueEncoding
    private let isNullable: Bool
    /// For LowCardinality: whether key 0 is the null/default one (LowCardinality(Nullable(…))).
    private let reservesNullKey: Bool
    private let isLowCardinality: Bool
    /// Values (for LowCardinality, unused: the keys live in ``dictionary``).
    @exclusivity(unchecked) private var data: [UInt8] = []
    @exclusivity(unchecked) private var nullMap: [UInt8] = []
    @exclusivity(unchecked) private var dictionary = ByteInterner()
    @exclusivity(unchecked) private var indexes: [UInt32] = []
    /// Scratch for one value of a LowCardinality column.
    @exclusivity(unchecked) private var scratch: [UInt8] = []

    /// A column named `name` of the type the server named `typeName`.
    /// - Throws: ``ClickHouseError/unsupportedType(column:type:)`` for a type this client does not write.
    public init(name: String, typeName: String) throws(ClickHouseError) {
        self.name = name
        self.typeName = typeName
        self.type = try ColumnType(parsing: typeName, column: name)
        self.encoding = ValueEncoding(self.type.valueType)
        self.holdsString = self.type.valueType == .string
        switch self.type {
        case .nullable:
            self.isNullable = true
            self.isLowCardinality = false
            self.reservesNullKey = false
        case .lowCardinality(let inner):
            self.isNullable = false
            self.isLowCardinality = true
            if case .nullable = inner { self.reservesNullKey = true } else { self.reservesNullKey = false }
        default:
            self.isNullable = false
            self.isLowCardinality = false
            self.reservesNullKey = false
        }
        self.removeAll()
    }

    /// Forgets the rows, keeping the allocations.
    public func removeAll() {
        self.rows = 0
        self.data.removeAll(keepingCapacity: true)
        self.nullMap.removeAll(keepingCapacity: true)
        self.indexes.removeAll(keepingCapacity: true)
        self.dictionary.removeAll()
        if self.reservesNullKey {
            // Key 0 stands for NULL: the nested type's default value.
            self.scratch.removeAll(keepingCapacity: true)
            if case .fixedString(let count) = self.encoding { self.scratch += repeatElement(0, count: count) }
            _ = self.scratch.withByteView { self.dictionary.index(of: $0) }
        }
    }

    // MARK: Appending a row's value

    /// Appends `value` to an integer column (truncated to its width) or, as decimal text, to a
    /// string column.
    public func appendInteger(_ value: UInt64) {
        switch self.encoding {
        case .integer(let bytes):
            self.beginValue()
            self.data.appendLittleEndian(value, byteCount: bytes)
            self.rows += 1
        default:
            let text = Array(String(value).utf8)
            text.withByteView { self.appendText($0) }
        }
    }

    /// Appends the time `nanoseconds` after the epoch to a Date, DateTime, DateTime64 or
    /// (seconds) integer column.
    public func appendTime(nanoseconds: UInt64) {
        self.beginValue()
        switch self.encoding {
        case .date: self.data.appendLittleEndian(nanoseconds / 86_400_000_000_000, byteCount: 2)
        case .dateTime, .integer(4): self.data.appendLittleEndian(nanoseconds / 1_000_000_000, byteCount: 4)
        case .dateTime64(let divisor): self.data.appendLittleEndian(nanoseconds / divisor, byteCount: 8)
        default: self.data.appendLittleEndian(nanoseconds / 1_000_000_000, byteCount: 8)
        }
        self.rows += 1
    }

    /// Appends `bytes` to a String column, or to a FixedString(N) one cut or padded with
    /// zeros to N bytes.
    public func appendText(_ bytes: ByteView) {
        if self.isLowCardinality {
            self.scratch.removeAll(keepingCapacity: true)
            if case .fixedString(let count) = self.encoding {
                Self.appendFixed(bytes, count: count, to: &self.scratch)
            } else {
                self.scratch.append(bytesOf: bytes)
            }
            let index = self.scratch.withByteView { self.dictionary.index(of: $0) }
            self.indexes.append(UInt32(index))
            self.rows += 1
            return
        }
        self.beginValue()
        if case .fixedString(let count) = self.encoding {
            Self.appendFixed(bytes, count: count, to: &self.data)
        } else {
            self.data.appendNativeString(bytes)
        }
        self.rows += 1
    }

    private static func appendFixed(_ bytes: ByteView, count: Int, to output: inout [UInt8]) {
        let kept = min(bytes.count, count)
        output.append(bytesOf: bytes.subview(0..<kept))
        if kept < count { output += repeatElement(0, count: count - kept) }
    }

    /// Appends an address given as 16 bytes (`isIPv4`: the first 4 hold an IPv4 address): to
    /// IPv6 and FixedString(16) as 16 bytes, IPv4 addresses mapped (::ffff:a.b.c.d, as Go's
    /// `To16()`); to IPv4 and UInt32 as the number, 0 for an IPv6 address.
    public func appendAddress(_ bytes: ByteView, isIPv4: Bool) {
        self.beginValue()
        switch self.encoding {
        case .ipv4, .integer(4):
            let number = isIPv4 ? UInt64(bytes.loadBigEndian(at: 0, as: UInt32.self)) : 0
            self.data.appendLittleEndian(number, byteCount: 4)
        default:
            if isIPv4 {
                // ::ffff:a.b.c.d: ten zero bytes, two 0xff, then the address.
                self.data.appendLittleEndian(0, byteCount: 8)
                self.data.appendLittleEndian(0xFFFF_0000, byteCount: 4)
                self.data.append(bytesOf: bytes.subview(0..<4))
            } else {
                self.data.append(bytesOf: bytes.subview(0..<16))
            }
        }
        self.rows += 1
    }

    /// Appends a UUID given as its 16 bytes in text order (`61f0c404-5cb3-…`).
    public func appendUUID(_ bytes: ByteView) {
        self.beginValue()
        if case .uuid = self.encoding {
            // Native UUIDs are two little-endian words, the high one first.
            for index in (0..<8).reversed() { self.data.append(bytes[index]) }
            for index in (8..<16).reversed() { self.data.append(bytes[index]) }
        } else {
            self.data.append(bytesOf: bytes.subview(0..<16))
        }
        self.rows += 1
    }

    @inline(__always)
    private func beginValue() {
        if self.isNullable { self.nullMap.append(0) }
    }

    // MARK: Encoding

    /// Appends the column as a Native block holds it: name, type and, when it has rows, the data.
    public func encode(into output: inout [UInt8]) {
        output.appendNativeString(self.name)
        output.appendNativeString(self.typeName)
        guard self.rows > 0 else { return }
        guard self.isLowCardinality else {
            output += self.nullMap
            output += self.data
            return
        }
        // LowCardinality, as the server reads it from a client: the keys' serialization
        // version (SharedDictionariesWithAdditionalKeys), then one granule: flags with the
        // index width, the dictionary, the rows' indexes.
        output.appendLittleEndian(1, byteCount: 8)
        let keyCount = self.dictionary.count
        let widthCode: UInt64 = keyCount <= 1 << 8 ? 0 : keyCount <= 1 << 16 ? 1 : 2
        let hasAdditionalKeys: UInt64 = 1 << 9
        let needsUpdateDictionary: UInt64 = 1 << 10
        output.appendLittleEndian(hasAdditionalKeys | needsUpdateDictionary | widthCode, byteCount: 8)
        output.appendLittleEndian(UInt64(keyCount), byteCount: 8)
        let isFixed = self.type.valueType.isFixedString  // once per block
        for key in 0..<keyCount {
            self.dictionary.withKey(key) { bytes in
                if isFixed { output.append(bytesOf: bytes) } else { output.appendNativeString(bytes) }
            }
        }
        output.appendLittleEndian(UInt64(self.rows), byteCount: 8)
        let width = 1 << Int(widthCode)
        for index in self.indexes { output.appendLittleEndian(UInt64(index), byteCount: width) }
    }
}

/// Distinct byte strings, each numbered in order of first appearance: a LowCardinality
/// column's dictionary, in one arena with an open-addressing table.
struct ByteInterner {
    private var arena: [UInt8] = []
    /// Start of each key in ``arena``, and the end of the last.
    private var starts: [Int] = [0]
    /// Key number + 1 per slot; 0 for an empty slot.
    private var slots = [Int32](repeating: 0, count: 1024)

    var count: Int { self.starts.count - 1 }

    mutating func removeAll() {
        self.arena.removeAll(keepingCapacity: true)
        self.starts.removeAll(keepingCapacity: true)
        self.starts.append(0)
        for index in self.slots.indices { self.slots[index] = 0 }
    }

    func withKey<Result>(_ key: Int, _ body: (ByteView) -> Result) -> Result {
        self.arena.withByteView { body($0.subview(self.starts[key]..<self.starts[key + 1])) }
    }

    /// The number of `bytes`, added if new.
    mutating func index(of bytes: ByteView) -> Int {
        let mask = self.slots.count - 1
        var slot = Self.hash(bytes) & mask
        while true {
            let entry = Int(self.slots[slot])
            if entry == 0 { break }
            let key = entry - 1
            let equal = self.arena.withByteView { arena in
                let stored = arena.subview(self.starts[key]..<self.starts[key + 1])
                return stored.count == bytes.count && stored.elementsEqual(bytes)
            }
            if equal { return key }
            slot = (slot + 1) & mask
        }
        let key = self.count
        self.arena.append(bytesOf: bytes)
        self.starts.append(self.arena.count)
        self.slots[slot] = Int32(key + 1)
        if self.count * 2 > self.slots.count { self.grow() }
        return key
    }

    /// FNV-1a, folded: names are short, and this is one multiply per byte.
    private static func hash(_ bytes: ByteView) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }

    private mutating func grow() {
        let keys = self.count
        self.slots = [Int32](repeating: 0, count: self.slots.count * 2)
        let mask = self.slots.count - 1
        for key in 0..<keys {
            var slot = self.withKey(key, Self.hash) & mask
            while self.slots[slot] != 0 { slot = (slot + 1) & mask }
            self.slots[slot] = Int32(key + 1)
        }
    }
}

/// How a column's values are written, from its type without Nullable/LowCardinality.
private enum ValueEncoding {
    case integer(bytes: Int)
    case string
    case fixedString(Int)
    case date
    case dateTime
    /// Nanoseconds are divided by this: 10^(9 - precision).
    case dateTime64(divisor: UInt64)
    case ipv4
    case ipv6
    case uuid

    init(_ type: ColumnType) {
        switch type {
        case .unsigned(let bytes), .signed(let bytes): self = .integer(bytes: bytes)
        case .fixedString(let count): self = .fixedString(count)
        case .date: self = .date
        case .dateTime: self = .dateTime
        case .dateTime64(let precision):
            var divisor: UInt64 = 1
            for _ in precision..<9 { divisor *= 10 }
            self = .dateTime64(divisor: divisor)
        case .ipv4: self = .ipv4
        case .ipv6: self = .ipv6
        case .uuid: self = .uuid
        default: self = .string
        }
    }
}
