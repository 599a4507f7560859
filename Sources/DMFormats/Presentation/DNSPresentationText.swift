import DMBytes
import DNSWire

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
        at offset: Int, in message: ByteView, to buffer: OutputByteBuffer, escapesHTML: Bool
    ) {
        // A name has at most 255 wire bytes; each printed byte needs at most 6 output bytes.
        buffer.write(reserving: 255 * 6 + 4) { output in
            var written = 0
            output[written] = UInt8(ascii: "\"")
            written += 1
            _ = try? DNSNameWalk.walk(message, at: offset) { labelStart, length in
                // The usual label is letters, digits, hyphens and underscores: copied whole up
                // to the first byte that needs escaping, each byte from there on escaped.
                // The walk checked that the label lies inside the message.
                let label = message.subview(labelStart..<(labelStart + length))
                var index = 0
                while index < length && self.isPlain(label.uncheckedByte(at: index)) { index += 1 }
                output.copy(label.subview(0..<index), to: written)
                written += index
                while index < length {
                    let byte = label.uncheckedByte(at: index)
                    switch byte {
                    case UInt8(ascii: "."), UInt8(ascii: " "), UInt8(ascii: "'"), UInt8(ascii: "@"), UInt8(ascii: ";"),
                        UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "\\"):
                        written += self.storeEscaped(byte, into: output, at: written)
                    default:
                        written += self.storePlain(byte, into: output, at: written, escapesHTML: escapesHTML)
                    }
                    index += 1
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
    static func appendCharacterString(_ bytes: ByteView, to buffer: OutputByteBuffer, escapesHTML: Bool) {
        buffer.write(reserving: bytes.count * 6 + 2) { output in
            var written = 0
            output[written] = UInt8(ascii: "\"")
            written += 1
            for byte in bytes {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    written += self.storeEscaped(byte, into: output, at: written)
                } else {
                    written += self.storePlain(byte, into: output, at: written, escapesHTML: escapesHTML)
                }
            }
            output[written] = UInt8(ascii: "\"")
            return written + 1
        }
    }

    /// miekg's `\` + byte, as JSON: `\\` then the byte (itself escaped if it is `"` or `\`).
    @inline(__always)
    private static func storeEscaped(_ byte: UInt8, into output: ReservedBytes, at offset: Int) -> Int {
        output[offset] = UInt8(ascii: "\\")
        output[offset &+ 1] = UInt8(ascii: "\\")
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            output[offset &+ 2] = UInt8(ascii: "\\")
            output[offset &+ 3] = byte
            return 4
        }
        output[offset &+ 2] = byte
        return 3
    }

    /// A byte miekg leaves alone if printable (then JSON-escaped as needed), or writes as `\DDD`.
    @inline(__always)
    private static func storePlain(_ byte: UInt8, into output: ReservedBytes, at offset: Int, escapesHTML: Bool) -> Int {
        if byte < 0x20 || byte > 0x7E {
            output[offset] = UInt8(ascii: "\\")
            output[offset &+ 1] = UInt8(ascii: "\\")
            output[offset &+ 2] = byte / 100 + 0x30
            output[offset &+ 3] = byte / 10 % 10 + 0x30
            output[offset &+ 4] = byte % 10 + 0x30
            return 5
        }
        if escapesHTML && (byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")) {
            // \u003c, \u003e, \u0026
            output[offset] = UInt8(ascii: "\\")
            output[offset &+ 1] = UInt8(ascii: "u")
            output[offset &+ 2] = UInt8(ascii: "0")
            output[offset &+ 3] = UInt8(ascii: "0")
            output[offset &+ 4] = BinaryText.lowercaseHexDigit(byte >> 4)
            output[offset &+ 5] = BinaryText.lowercaseHexDigit(byte & 0x0F)
            return 6
        }
        output[offset] = byte
        return 1
    }
}

// MARK: Presentation text (no JSON layer)

extension DNSPresentationText {
    /// Appends the name at `offset` of `message` as miekg prints it in `RR.String()` (the same
    /// escapes as in its Go string: `sprintName` of an unpacked name changes nothing), no quotes.
    static func appendNameText(at offset: Int, in message: ByteView, to buffer: OutputByteBuffer) {
        buffer.write(reserving: 255 * 4 + 2) { output in
            var written = 0
            _ = try? DNSNameWalk.walk(message, at: offset) { labelStart, length in
                for byte in message.subview(labelStart..<(labelStart + length)) {
                    switch byte {
                    case UInt8(ascii: "."), UInt8(ascii: " "), UInt8(ascii: "'"), UInt8(ascii: "@"), UInt8(ascii: ";"),
                        UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""), UInt8(ascii: "\\"):
                        output[written] = UInt8(ascii: "\\")
                        output[written + 1] = byte
                        written += 2
                    case 0..<0x20, 0x7F...:
                        written += self.storeDecimalEscape(byte, into: output, at: written)
                    default:
                        output[written] = byte
                        written += 1
                    }
                }
                output[written] = UInt8(ascii: ".")
                written += 1
            }
            if written == 0 {
                output[0] = UInt8(ascii: ".")
                written = 1
            }
            return written
        }
    }

    /// Appends a character-string's content as miekg's Go string holds it (`"` and `\` after a
    /// backslash, bytes outside 0x20–0x7E as `\DDD`), no quotes.
    static func appendCharacterStringText(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        buffer.write(reserving: bytes.count * 4) { output in
            var written = 0
            for byte in bytes { written += self.storeTXTByte(byte, into: output, at: written) }
            return written
        }
    }

    /// Appends raw bytes (a CAA value, a URI target) as miekg's `sprintTxtOctet` prints them,
    /// quoted: it reads the bytes as if they were already escaped, so `\DDD` and `\X` in the data
    /// are decoded first, `\.` is kept, a trailing lone backslash is dropped, and what results
    /// is escaped as in a character-string.
    static func appendOctetText(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        buffer.write(reserving: bytes.count * 4 + 2) { output in
            var written = 0
            output[written] = UInt8(ascii: "\"")
            written += 1
            let count = bytes.count
            var index = 0
            while index < count {
                let byte = bytes[index]
                if byte != UInt8(ascii: "\\") {
                    written += self.storeTXTByte(byte, into: output, at: written)
                    index += 1
                    continue
                }
                let remaining = count - index
                if remaining == 1 { break }  // a dangling backslash
                let next = bytes[index + 1]
                if next == UInt8(ascii: ".") {
                    output[written] = UInt8(ascii: "\\")
                    output[written + 1] = next
                    written += 2
                    index += 2
                    continue
                }
                if remaining >= 4, Self.isDigit(next), Self.isDigit(bytes[index + 2]), Self.isDigit(bytes[index + 3]) {
                    // Go's dddStringToByte, in byte arithmetic.
                    let value = (next &- 0x30) &* 100 &+ (bytes[index + 2] &- 0x30) &* 10 &+ (bytes[index + 3] &- 0x30)
                    written += self.storeTXTByte(value, into: output, at: written)
                    index += 4
                } else {
                    written += self.storeTXTByte(next, into: output, at: written)
                    index += 2
                }
            }
            output[written] = UInt8(ascii: "\"")
            return written + 1
        }
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// miekg's `writeTXTStringByte`: `"` and `\` escaped, unprintable bytes as `\DDD`.
    @inline(__always)
    static func storeTXTByte(_ byte: UInt8, into output: ReservedBytes, at offset: Int) -> Int {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"):
            output[offset] = UInt8(ascii: "\\")
            output[offset &+ 1] = byte
            return 2
        case 0..<0x20, 0x7F...:
            return self.storeDecimalEscape(byte, into: output, at: offset)
        default:
            output[offset] = byte
            return 1
        }
    }

    /// `\DDD`.
    @inline(__always)
    static func storeDecimalEscape(_ byte: UInt8, into output: ReservedBytes, at offset: Int) -> Int {
        output[offset] = UInt8(ascii: "\\")
        output[offset &+ 1] = byte / 100 + 0x30
        output[offset &+ 2] = byte / 10 % 10 + 0x30
        output[offset &+ 3] = byte % 10 + 0x30
        return 4
    }
}
