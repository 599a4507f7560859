/// Names and character-strings as miekg/dns turns them into Go strings, then quoted as JSON, in
/// one pass. miekg's escapes (`UnpackDomainName`, `unpackString`):
/// - in a name label, `. space ' @ ; ( ) " \` get a backslash before them;
/// - in a character-string, `"` and `\` get a backslash before them;
/// - in both, bytes below 0x20 or above 0x7E become `\DDD` (three decimal digits);
/// - a name ends each label with `.`; the root alone is `.`.
/// The JSON layer then doubles each backslash and escapes `"` (and, with `escapesHTML`, `<>&`).
enum DNSPresentationText {
    /// Appends the name at `offset` of `message` as a quoted JSON string. The name was
    /// validated; should it still fail, what was written stays and the quotes are closed.
    static func appendName(
        at offset: Int, in message: UnsafeRawBufferPointer, to buffer: OutputByteBuffer, escapesHTML: Bool
    ) {
        // A name has at most 255 wire bytes; each printed byte needs at most 6 output bytes.
        buffer.reserve(255 * 6 + 4)
        buffer.appendUnchecked(UInt8(ascii: "\""))
        let start = buffer.count
        _ = try? DNSNameWalk.walk(message, at: offset) { labelStart, length in
            for index in labelStart..<(labelStart + length) {
                let byte = message[index]
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: " "), UInt8(ascii: "'"), UInt8(ascii: "@"), UInt8(ascii: ";"),
                    UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    self.appendEscaped(byte, to: buffer)
                default:
                    self.appendPlain(byte, to: buffer, escapesHTML: escapesHTML)
                }
            }
            buffer.appendUnchecked(UInt8(ascii: "."))
        }
        if buffer.count == start { buffer.appendUnchecked(UInt8(ascii: ".")) }
        buffer.appendUnchecked(UInt8(ascii: "\""))
    }

    /// Appends the content of a character-string as a quoted JSON string.
    static func appendCharacterString(_ bytes: UnsafeRawBufferPointer, to buffer: OutputByteBuffer, escapesHTML: Bool) {
        buffer.reserve(bytes.count * 6 + 2)
        buffer.appendUnchecked(UInt8(ascii: "\""))
        for byte in bytes {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                self.appendEscaped(byte, to: buffer)
            } else {
                self.appendPlain(byte, to: buffer, escapesHTML: escapesHTML)
            }
        }
        buffer.appendUnchecked(UInt8(ascii: "\""))
    }

    /// miekg's `\` + byte, as JSON: `\\` then the byte (itself escaped if it is `"` or `\`).
    @inline(__always)
    private static func appendEscaped(_ byte: UInt8, to buffer: OutputByteBuffer) {
        buffer.appendUnchecked(UInt8(ascii: "\\"))
        buffer.appendUnchecked(UInt8(ascii: "\\"))
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { buffer.appendUnchecked(UInt8(ascii: "\\")) }
        buffer.appendUnchecked(byte)
    }

    /// A byte miekg leaves alone if printable, or writes as `\DDD`.
    @inline(__always)
    private static func appendPlain(_ byte: UInt8, to buffer: OutputByteBuffer, escapesHTML: Bool) {
        if byte < 0x20 || byte > 0x7E {
            buffer.appendUnchecked(UInt8(ascii: "\\"))
            buffer.appendUnchecked(UInt8(ascii: "\\"))
            buffer.appendUnchecked(byte / 100 + 0x30)
            buffer.appendUnchecked(byte / 10 % 10 + 0x30)
            buffer.appendUnchecked(byte % 10 + 0x30)
        } else {
            GoJSONString.appendASCII(byte, to: buffer, escapesHTML: escapesHTML)
        }
    }
}
