import DMBytes

/// Binary fields as text, the way Go prints them in dnsmonster's JSON: lowercase hex
/// (`hex.EncodeToString`), standard padded base64 (`[]byte` fields and miekg's base64 fields)
/// and unpadded base32hex in upper case (NSEC3 next hashed owner).
enum BinaryText {
    private static let lowercaseHexDigits: StaticString = "0123456789abcdef"
    private static let base64Alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    private static let base32HexAlphabet: StaticString = "0123456789ABCDEFGHIJKLMNOPQRSTUV"

    /// The lowercase hex digit for `value` (0–15).
    @inline(__always)
    static func lowercaseHexDigit(_ value: UInt8) -> UInt8 {
        self.lowercaseHexDigits.utf8Start[Int(value & 0x0F)]
    }

    /// Appends `bytes` as lowercase hex, without quotes.
    static func appendHex(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        buffer.reserve(bytes.count * 2)
        for byte in bytes {
            buffer.appendUnchecked(self.lowercaseHexDigit(byte >> 4))
            buffer.appendUnchecked(self.lowercaseHexDigit(byte))
        }
    }

    /// Appends `bytes` as uppercase hex (Go's `strings.ToUpper` of lowercase hex, `%X`).
    static func appendUppercaseHex(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        let digits: StaticString = "0123456789ABCDEF"
        buffer.reserve(bytes.count * 2)
        for byte in bytes {
            buffer.appendUnchecked(digits.utf8Start[Int(byte >> 4)])
            buffer.appendUnchecked(digits.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// Appends the low `digits` hex digits of `value`, zero-padded.
    static func appendHex(_ value: UInt64, digits: Int, uppercase: Bool, to buffer: OutputByteBuffer) {
        let alphabet: StaticString = uppercase ? "0123456789ABCDEF" : "0123456789abcdef"
        buffer.reserve(digits)
        for index in stride(from: digits - 1, through: 0, by: -1) {
            buffer.appendUnchecked(alphabet.utf8Start[Int(value >> UInt64(4 * index) & 0xF)])
        }
    }

    /// Appends `bytes` as standard base64 with `=` padding, without quotes.
    static func appendBase64(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        let alphabet = self.base64Alphabet.utf8Start
        buffer.reserve((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            buffer.appendUnchecked(alphabet[Int(group >> 18 & 0x3F)])
            buffer.appendUnchecked(alphabet[Int(group >> 12 & 0x3F)])
            buffer.appendUnchecked(alphabet[Int(group >> 6 & 0x3F)])
            buffer.appendUnchecked(alphabet[Int(group & 0x3F)])
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            let group = UInt32(bytes[index]) << 16 | (rest == 2 ? UInt32(bytes[index + 1]) << 8 : 0)
            buffer.appendUnchecked(alphabet[Int(group >> 18 & 0x3F)])
            buffer.appendUnchecked(alphabet[Int(group >> 12 & 0x3F)])
            buffer.appendUnchecked(rest == 2 ? alphabet[Int(group >> 6 & 0x3F)] : UInt8(ascii: "="))
            buffer.appendUnchecked(UInt8(ascii: "="))
        }
    }

    /// Appends `bytes` as base32 with the extended hex alphabet, upper case, no padding.
    static func appendBase32Hex(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        let alphabet = self.base32HexAlphabet.utf8Start
        buffer.reserve((bytes.count * 8 + 4) / 5)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in bytes {
            accumulator = accumulator << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                buffer.appendUnchecked(alphabet[Int(accumulator >> UInt32(bits) & 0x1F)])
            }
            accumulator &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { buffer.appendUnchecked(alphabet[Int(accumulator << UInt32(5 - bits) & 0x1F)]) }
    }
}
