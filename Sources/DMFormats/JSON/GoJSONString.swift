import DMBytes

/// Writes bytes as a quoted JSON string exactly as Go's marshallers do for a Go `string` (which
/// dnsmonster's JSON holds): `"` and `\` escaped, `\n \r \t` by name, other control bytes as
/// `\u00xx`, invalid UTF-8 as `\ufffd` per bad byte, valid UTF-8 copied.
///
/// `escapesHTML` selects the marshaller. With it, encoding/json (Go 1.22 and later, as dnsmonster's
/// OCSF output and non-amd64 builds use): `<`, `>`, `&` become `\u003c`, `\u003e`, `\u0026`,
/// U+2028/U+2029 become `\u2028`/`\u2029`, and backspace and form feed are `\b` and `\f`.
/// Without it, bytedance/sonic (dnsmonster's usual linux/amd64 marshaller): those characters are
/// written as they are and backspace and form feed are `\u0008` and `\u000c`. Invalid UTF-8 is
/// replaced in both modes so every line stays valid UTF-8 (sonic itself would copy it; the one
/// deliberate difference, README.md's "Differences from dnsmonster").
package enum GoJSONString {
    /// Appends `bytes` as a quoted JSON string.
    static func append(_ bytes: ByteView, to buffer: OutputByteBuffer, escapesHTML: Bool) {
        // Stores through a plain pointer (see OutputByteBuffer.write): 6 output bytes per input
        // byte at most, plus the quotes.
        buffer.write(reserving: bytes.count * 6 + 2) { output in
            var written = 0
            output[0] = UInt8(ascii: "\"")
            written = 1
            var index = 0
            let count = bytes.count
            while index < count {
                let byte = bytes[index]
                if byte < 0x80 {
                    if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
                        && !(escapesHTML && (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")))
                    {
                        output[written] = byte
                        written += 1
                    } else {
                        written += self.storeASCIIEscape(byte, into: output, at: written, escapesHTML: escapesHTML)
                    }
                    index += 1
                    continue
                }
                let size = self.validUTF8SequenceLength(bytes, at: index)
                if size == 0 {
                    written += self.storeEscape(0xFFFD, into: output, at: written)
                    index += 1
                    continue
                }
                if escapesHTML && size == 3 && byte == 0xE2 && bytes[index + 1] == 0x80
                    && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9)
                {
                    written += self.storeEscape(bytes[index + 2] == 0xA8 ? 0x2028 : 0x2029, into: output, at: written)
                } else {
                    for offset in 0..<size { output[written + offset] = bytes[index + offset] }
                    written += size
                }
                index += size
            }
            output[written] = UInt8(ascii: "\"")
            return written + 1
        }
    }

    /// An ASCII byte that needs an escape (`"`, `\`, control bytes, `<>&` when escaping HTML).
    @inline(__always)
    private static func storeASCIIEscape(_ byte: UInt8, into output: ReservedBytes, at offset: Int, escapesHTML: Bool) -> Int {
        func named(_ letter: UInt8) -> Int {
            output[offset] = UInt8(ascii: "\\")
            output[offset &+ 1] = letter
            return 2
        }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): return named(byte)
        case 0x08 where escapesHTML: return named(UInt8(ascii: "b"))
        case 0x0C where escapesHTML: return named(UInt8(ascii: "f"))
        case 0x0A: return named(UInt8(ascii: "n"))
        case 0x0D: return named(UInt8(ascii: "r"))
        case 0x09: return named(UInt8(ascii: "t"))
        default: return self.storeEscape(UInt16(byte), into: output, at: offset)
        }
    }

    /// `\uXXXX` with lowercase hex digits.
    @inline(__always)
    private static func storeEscape(_ unit: UInt16, into output: ReservedBytes, at offset: Int) -> Int {
        output[offset] = UInt8(ascii: "\\")
        output[offset &+ 1] = UInt8(ascii: "u")
        output[offset &+ 2] = BinaryText.lowercaseHexDigit(UInt8(truncatingIfNeeded: unit >> 12))
        output[offset &+ 3] = BinaryText.lowercaseHexDigit(UInt8(truncatingIfNeeded: unit >> 8))
        output[offset &+ 4] = BinaryText.lowercaseHexDigit(UInt8(truncatingIfNeeded: unit >> 4))
        output[offset &+ 5] = BinaryText.lowercaseHexDigit(UInt8(truncatingIfNeeded: unit))
        return 6
    }

    /// The length of the valid UTF-8 sequence starting at `index` (2–4), or 0 when the byte
    /// there does not start one. Same rules as Go's `utf8.DecodeRune`: no overlong forms, no
    /// surrogates, nothing above U+10FFFF.
    static func validUTF8SequenceLength(_ bytes: ByteView, at index: Int) -> Int {
        let first = bytes[index]
        let remaining = bytes.count - index
        func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            offset < remaining && bytes[index + offset] >= low && bytes[index + offset] <= high
        }
        switch first {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0:
            return continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(1) && continuation(2) ? 3 : 0
        case 0xED:
            return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0:
            return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4:
            return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }
}
