/// A Native-format block: the unit of data in both directions of the native protocol, and
/// of the `Native` file format.
public enum NativeBlock {
    /// Appends a block of `columns` (each with `rows` rows) to `output`.
    /// - Parameter withBlockInfo: whether the block starts with the block info fields
    ///   (is_overflows, bucket_num), as on the wire; a Native file has none.
    public static func encode(columns: [ColumnWriter], rows: Int, withBlockInfo: Bool, into output: inout [UInt8]) {
        if withBlockInfo {
            // field 1: is_overflows = 0; field 2: bucket_num = -1; 0 ends the fields.
            output += [1, 0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0]
        }
        output.appendVarUInt(UInt64(columns.count))
        output.appendVarUInt(UInt64(rows))
        for column in columns {
            precondition(column.rows == rows, "column \(column.name) has \(column.rows) rows, the block \(rows)")
            column.encode(into: &output)
        }
    }

    /// A column of a block the server sent: its name and type as the server names them.
    public struct ColumnDescription: Hashable, Sendable {
        public var name: String
        public var typeName: String

        public init(name: String, typeName: String) {
            self.name = name
            self.typeName = typeName
        }
    }

    /// The columns of a structure as `clickhouse-local --structure` and `file()` take it:
    /// `name Type, name Type(…, …), …` (names may be backquoted).
    /// - Throws: a message naming the part that is not `name Type`.
    public static func columns(ofStructure structure: String) throws(StructureError) -> [ColumnDescription] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        for character in structure {
            if character == "'" { quoted.toggle() }
            if !quoted {
                if character == "(" { depth += 1 }
                if character == ")" { depth -= 1 }
                if character == "," && depth == 0 {
                    parts.append(current)
                    current = ""
                    continue
                }
            }
            current.append(character)
        }
        parts.append(current)
        return try parts.map { (part) throws(StructureError) in
            let trimmed = part.drop { $0 == " " || $0 == "\n" || $0 == "\t" }
            guard let space = trimmed.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
                throw StructureError(part: String(trimmed))
            }
            let name = trimmed[..<space].filter { $0 != "`" }
            let type = String(trimmed[space...].drop { $0 == " " || $0 == "\t" }).trimmingTrailingSpaces
            guard !name.isEmpty, !type.isEmpty else { throw StructureError(part: String(trimmed)) }
            return ColumnDescription(name: String(name), typeName: type)
        }
    }

    /// A structure part that is not `name Type`.
    public struct StructureError: Error, Hashable, Sendable, CustomStringConvertible {
        public var part: String
        public var description: String { "'\(self.part)' is not 'name Type'" }
    }

    /// A block the server sent: its columns and, for columns of integer or String type, its
    /// values as text (what a DDL or a small SELECT returns).
    struct Decoded {
        var columns: [ColumnDescription]
        var rows: Int
        /// Per column, its values as text.
        var values: [[String]]
    }

    /// Reads a block from `source`.
    static func read(from source: NativeSource, withBlockInfo: Bool) throws(ClickHouseError) -> Decoded {
        if withBlockInfo {
            while true {
                let field = try source.readVarUInt()
                if field == 0 { break }
                switch field {
                case 1: _ = try source.readByte()
                case 2: _ = try source.readBytes(4)
                default: throw source.violation("block info field \(field)")
                }
            }
        }
        let columnCount = try source.readVarUInt()
        let rowCount = try source.readVarUInt()
        guard columnCount <= 10_000, rowCount <= 100_000_000 else { throw source.violation("a block of \(columnCount) columns and \(rowCount) rows") }
        var decoded = Decoded(columns: [], rows: Int(rowCount), values: [])
        for _ in 0..<columnCount {
            let name = try source.readString()
            let typeName = try source.readString()
            decoded.columns.append(ColumnDescription(name: name, typeName: typeName))
            var values: [String] = []
            if rowCount > 0 {
                let type: ColumnType
                do { type = try ColumnType(parsing: typeName, column: name) } catch { throw source.violation("values of type \(typeName)") }
                for _ in 0..<rowCount {
                    switch type {
                    case .string: values.append(try source.readString())
                    case .unsigned(let bytes): values.append(String(try source.readLittleEndian(byteCount: bytes)))
                    case .signed(let bytes):
                        let raw = try source.readLittleEndian(byteCount: bytes)
                        let shift = UInt64(64 - 8 * bytes)
                        values.append(String(Int64(bitPattern: raw << shift) >> Int64(shift)))
                    default: throw source.violation("values of type \(typeName)")
                    }
                }
            }
            decoded.values.append(values)
        }
        return decoded
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var text = self
        while let last = text.last, last == " " || last == "\n" || last == "\t" { text.removeLast() }
        return text
    }
}
