/// How a capture counts time: ticks of 10^-n or 2^-n seconds (pcapng `if_tsresol`), plus an
/// offset in seconds (`if_tsoffset`).
public struct TimestampResolution: Hashable, Sendable {
    /// The raw `if_tsresol` byte: bit 7 clear = negative power of 10, set = negative power of 2.
    public var code: UInt8
    /// Seconds to add to every timestamp.
    public var offsetSeconds: Int64

    public init(code: UInt8 = 6, offsetSeconds: Int64 = 0) {
        self.code = code
        self.offsetSeconds = offsetSeconds
    }

    /// Microseconds: classic pcap and the pcapng default.
    public static let microseconds = TimestampResolution(code: 6)
    /// Nanoseconds: classic pcap with the 0xA1B23C4D magic.
    public static let nanoseconds = TimestampResolution(code: 9)

    /// Converts a tick count to nanoseconds since the epoch (wrapping on absurd values).
    @inlinable
    public func nanoseconds(ticks: UInt64) -> UInt64 {
        let exponent = Int(self.code & 0x7F)
        var result: UInt64
        if self.code & 0x80 == 0 {
            if exponent <= 9 {
                result = ticks &* TimestampResolution.powersOfTen[9 - exponent]
            } else if exponent - 9 < TimestampResolution.powersOfTen.count {
                result = ticks / TimestampResolution.powersOfTen[exponent - 9]
            } else {
                result = 0
            }
        } else {
            // ticks / 2^n seconds = ticks * 10^9 / 2^n nanoseconds, computed in 128 bits.
            let product = ticks.multipliedFullWidth(by: 1_000_000_000)
            let wide = (UInt128(product.high) << 64) | UInt128(product.low)
            result = exponent >= 128 ? 0 : UInt64(truncatingIfNeeded: wide >> UInt128(exponent))
        }
        return result &+ UInt64(bitPattern: self.offsetSeconds &* 1_000_000_000)
    }

    @usableFromInline
    static let powersOfTen: [UInt64] = (0...19).map { exponent in (0..<exponent).reduce(UInt64(1)) { value, _ in value * 10 } }
}
