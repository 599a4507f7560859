import DMBytes

/// Domain names as the filter handles them: lowercased, absolute, uncompressed wire labels,
/// and the label hashes ``DomainList`` combines into the hash of any run of labels.
public enum DomainName {
    /// The wire form of a text name: labels split on `.`, ASCII lowercased, a trailing root
    /// label added whether or not the text ends with a dot. `"."` is the root. Nil for an
    /// empty name, an empty label (`a..b`, `.a`), a label over 63 bytes or a name over 255.
    public static func wire<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        var text = String(text)
        return text.withUTF8ByteView { bytes in
            withTemporaryBytes(count: 256) { buffer in
                guard let length = self.encode(bytes, into: buffer) else { return nil }
                return Array(buffer.view.subview(0..<length))
            }
        }
    }

    /// Writes the wire form of `text` (as ``wire(_:)``) to `destination`, which must hold 256
    /// bytes, and returns its length, or nil when the text is not a valid name.
    @inlinable
    public static func encode(_ text: ByteView, into destination: MutableByteView) -> Int? {
        var count = text.count
        guard count > 0 else { return nil }
        if count == 1 && text[0] == UInt8(ascii: ".") {
            destination[0] = 0
            return 1
        }
        if text[count - 1] == UInt8(ascii: ".") { count -= 1 }
        guard count + 2 <= 255 else { return nil }
        var labelStart = 0  // in text
        var written = 1  // the first length byte is filled in when the label ends
        var index = 0
        while index <= count {
            if index == count || text[index] == UInt8(ascii: ".") {
                let size = index - labelStart
                guard size > 0, size < 64 else { return nil }
                destination[written - 1 - size] = UInt8(size)
                written += 1
                labelStart = index + 1
            } else {
                let byte = text[index]
                destination[written] = byte &+ ((byte &- 0x41) < 26 ? 0x20 : 0)
                written += 1
            }
            index += 1
        }
        // `written` counts one length byte ahead of the last label: that slot is the root label.
        destination[written - 1] = 0
        return written
    }

    /// The text form of wire labels: `www.example.com.`; a prefix key (`head`, no root label)
    /// still ends with a dot. Bytes are shown as they are (no escaping).
    public static func text(wire: ByteView, head: Bool = false) -> String {
        var text: [UInt8] = []
        var offset = 0
        while offset < wire.count, wire[offset] != 0 {
            let size = Int(wire[offset])
            let end = min(offset + 1 + size, wire.count)
            text += wire[(offset + 1)..<end]
            text.append(UInt8(ascii: "."))
            offset = end
        }
        if text.isEmpty { text = [UInt8(ascii: ".")] }
        return String(decoding: text, as: UTF8.self)
    }

    /// The text form of a wire name held in an array.
    public static func text(wire: [UInt8]) -> String {
        wire.withByteView { self.text(wire: $0) }
    }

    // MARK: Hashing

    /// Runs of labels hash as polynomials over their label hashes, mod 2⁶⁴: a run of labels
    /// l₁…lₙ is Σ h(lᵢ)·Pⁿ⁻ⁱ. One pass over a name's labels computes the prefix sums
    /// Sⱼ = Sⱼ₋₁·P + h(lⱼ) (from S₀ = ``headSeed``); then a leading run of n labels is Sₙ and
    /// a trailing run from label i on is Sₖ − Sᵢ·Pᵏ⁻ⁱ, each in one multiplication, with no chain
    /// from one run to the next. ``finalizeTail(_:)`` and ``finalizeHead(_:)`` mix the result.
    @usableFromInline static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// S₀: the value of an empty leading run.
    @usableFromInline static let headSeed: UInt64 = 0x1319_8A2E_0370_7344

    /// Pⁿ for n = 0…128.
    public static let powers: StaticTable<UInt64> = {
        var powers: [UInt64] = []
        var value: UInt64 = 1
        for _ in 0...128 {
            powers.append(value)
            value &*= multiplier
        }
        return StaticTable(powers)
    }()

    /// The table hash of a trailing run's polynomial (suffix and fqdn keys).
    @inlinable @inline(__always)
    public static func finalizeTail(_ sum: UInt64) -> UInt64 {
        let value = (sum ^ 0x243F_6A88_85A3_08D3) &* 0xBF58_476D_1CE4_E5B9
        return value ^ (value >> 31)
    }

    /// The table hash of a leading run's polynomial (prefix keys).
    @inlinable @inline(__always)
    public static func finalizeHead(_ sum: UInt64) -> UInt64 {
        let value = (sum ^ 0xA409_3822_299F_31D0) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// The hash of one label at `start` of `bytes`: its length byte and its bytes (`count` =
    /// 1 + label length), read in 8-byte words; `bytes` holds 8 bytes past the label.
    @inlinable @inline(__always)
    public static func labelHash(_ bytes: ByteView, at start: Int, count: Int) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
        var index = 0
        while index < count {
            // Bytes past the label are masked off (without a branch: at least 1 byte remains).
            let remaining = count &- index
            let shift = UInt64(truncatingIfNeeded: Swift.max(0, 8 &- remaining) &* 8)
            let word = bytes.loadLittleEndian(at: start &+ index, as: UInt64.self) & (UInt64.max &>> shift)
            hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index &+= 8
        }
        return hash
    }

    /// The table hash of a key and its label count: a tail key (a whole name with its root
    /// label, hashed as a trailing run) or a head key (leading labels without the root label,
    /// hashed as a leading run) of `length` bytes at the start of `key`, which holds 8 bytes past it.
    @inlinable
    public static func keyHash(_ key: ByteView, length: Int, head: Bool) -> (hash: UInt64, labels: Int) {
        var labels = 0
        var offset = 0
        // A trailing run's polynomial starts from 0 (its Sᵢ·Pᵏ⁻ⁱ term cancels S₀'s).
        var sum = head ? self.headSeed : 0
        while offset < length {
            let size = Int(key[offset])
            if size == 0 { break }
            sum = sum &* self.multiplier &+ self.labelHash(key, at: offset, count: 1 + size)
            labels += 1
            offset += 1 + size
        }
        return (head ? self.finalizeHead(sum) : self.finalizeTail(sum), labels)
    }
}
