import DMBytes

/// Appending the native protocol's primitives: LEB128 variable-length integers, strings
/// (length as a varint, then the bytes); fixed-width little-endian integers are DMBytes's.
extension Array where Element == UInt8 {
    /// Appends `value` as an unsigned LEB128 varint.
    @inlinable
    mutating func appendVarUInt(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            self.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        self.append(UInt8(rest))
    }

    /// Appends `bytes` as a native string.
    @inlinable
    mutating func appendNativeString(_ bytes: ByteView) {
        self.appendVarUInt(UInt64(bytes.count))
        self.append(bytesOf: bytes)
    }

    /// Appends `text`'s UTF-8 as a native string.
    mutating func appendNativeString(_ text: String) {
        let utf8 = Array(text.utf8)
        self.appendVarUInt(UInt64(utf8.count))
        self.append(contentsOf: utf8)
    }
}
