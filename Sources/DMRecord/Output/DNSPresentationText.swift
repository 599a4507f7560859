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
        buffer.write(reserving: 255 * 6 + 4) { output in
            var written = 0
            output[written] = UInt8(ascii: "\"")
            written += 1
            _ = try? DNSNameWalk.walk(message, at: offset) { labelStart, length in
                let label = UnsafeRawBufferPointer(rebasing: message[labelStart..<(labelStart + length)])
                if label.allSatisfy(self.isPlain) {
                    // The usual label: letters, digits, hyphens, underscores; copied whole.
                    UnsafeMutableRawPointer(output + written).copyMemory(from: label.baseAddress!, byteCount: length)
                    written += length
                } else {
                    for byte in label {
                        switch byte {
                        case UInt8(ascii: "."), UInt8(ascii: " "), UInt8(ascii: "'"), UInt8(ascii: "@"), UInt8(ascii: ";"),
                            UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "\\"):
                            written += self.storeEscaped(byte, at: output + written)
                        default:
                            written += self.storePlain(byte, at: output + written, escapesHTML: escapesHTML)
                        }
                    }
                }
                output[written] = UInt8(ascii: ".")
                written += 1
            }
            if written == 1 {
                output[written] = UInt8(ascii: ".")
                written += 1
            }
            output[written] = UInt8(ascii: "\"")
            return written + 1
        }
    }

    /// A byte that neither miekg nor JSON changes inside a name label.
    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    /// Appends the content of a character-string as a quoted JSON string.
    static func appendCharacterString(_ bytes: UnsafeRawBufferPointer, to buffer: OutputByteBuffer, escapesHTML: Bool) {
        buffer.write(reserving: bytes.count * 6 + 2) { output in
            var written = 0
            output[written] = UInt8(ascii: "\"")
            written += 1
            for byte in bytes {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    written += self.storeEscaped(byte, at: output + written)
                } else {
                    written += self.storePlain(byte, at: output + written, escapesHTML: escapesHTML)
                }
            }
            output[written] = UInt8(ascii: "\"")
            return written + 1
        }
    }

    /// miekg's `\` + byte, as JSON: `\\` then the byte (itself escaped if it is `"` or `\`).
    @inline(__always)
    private static func storeEscaped(_ byte: UInt8, at output: UnsafeMutablePointer<UInt8>) -> Int {
        output[0] = UInt8(ascii: "\\")
        output[1] = UInt8(ascii: "\\")
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            output[2] = UInt8(ascii: "\\")
            output[3] = byte
            return 4
        }
        output[2] = byte
        return 3
    }

    /// A byte miekg leaves alone if printable (then JSON-escaped as needed), or writes as `\DDD`.
    @inline(__always)
    private static func storePlain(_ byte: UInt8, at output: UnsafeMutablePointer<UInt8>, escapesHTML: Bool) -> Int {
        if byte < 0x20 || byte > 0x7E {
            output[0] = UInt8(ascii: "\\")
            output[1] = UInt8(ascii: "\\")
            output[2] = byte / 100 + 0x30
            output[3] = byte / 10 % 10 + 0x30
            output[4] = byte % 10 + 0x30
            return 5
        }
        if escapesHTML && (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")) {
            // \u003c, \u003e, \u0026
            output[0] = UInt8(ascii: "\\")
            output[1] = UInt8(ascii: "u")
            output[2] = UInt8(ascii: "0")
            output[3] = UInt8(ascii: "0")
            output[4] = BinaryText.lowercaseHexDigit(byte >> 4)
            output[5] = BinaryText.lowercaseHexDigit(byte & 0x0F)
            return 6
        }
        output[0] = byte
        return 1
    }
}
