import DMBytes

/// CityHash128 as ClickHouse computes it (Google's CityHash v1.0.2, the version ClickHouse
/// froze for the checksums of its compressed blocks; later CityHash versions give other
/// values). The result is the pair ClickHouse writes: ``low`` first, then ``high``, each
/// little-endian.
public struct CityHash128: Hashable, Sendable {
    /// The first half (CityHash's `Uint128Low64`), written first.
    public var low: UInt64
    /// The second half (`Uint128High64`).
    public var high: UInt64

    public init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    static let k0: UInt64 = 0xc3a5_c85c_97cb_3127
    static let k1: UInt64 = 0xb492_b66f_be98_f273
    static let k2: UInt64 = 0x9ae1_6a3b_2f90_404f
    static let k3: UInt64 = 0xc949_d7c7_509e_6557

    /// The hash of `bytes`.
    public init(_ bytes: ByteView) {
        let count = bytes.count
        if count >= 16 {
            self = Self.withSeed(
                bytes.subview(from: 16), seed: (Self.fetch64(bytes, 0) ^ Self.k3, Self.fetch64(bytes, 8)))
        } else if count >= 8 {
            self = Self.withSeed(
                ByteView(),
                seed: (Self.fetch64(bytes, 0) ^ (UInt64(count) &* Self.k0), Self.fetch64(bytes, count - 8) ^ Self.k1))
        } else {
            self = Self.withSeed(bytes, seed: (Self.k0, Self.k1))
        }
    }

    @inline(__always)
    static func fetch64(_ bytes: ByteView, _ offset: Int) -> UInt64 { bytes.loadLittleEndian(at: offset, as: UInt64.self) }

    @inline(__always)
    static func fetch32(_ bytes: ByteView, _ offset: Int) -> UInt64 { UInt64(bytes.loadLittleEndian(at: offset, as: UInt32.self)) }

    @inline(__always)
    static func rotate(_ value: UInt64, _ shift: UInt64) -> UInt64 {
        shift == 0 ? value : (value >> shift) | (value << (64 - shift))
    }

    @inline(__always)
    static func shiftMix(_ value: UInt64) -> UInt64 { value ^ (value >> 47) }

    static func hashLength16(_ u: UInt64, _ v: UInt64) -> UInt64 {
        let multiplier: UInt64 = 0x9ddf_ea08_eb38_2d69
        var a = (u ^ v) &* multiplier
        a ^= a >> 47
        var b = (v ^ a) &* multiplier
        b ^= b >> 47
        return b &* multiplier
    }

    static func hashLength0to16(_ bytes: ByteView) -> UInt64 {
        let count = bytes.count
        if count > 8 {
            let a = fetch64(bytes, 0)
            let b = fetch64(bytes, count - 8)
            // RotateByAtLeast1: count is 9…16.
            let rotated = ((b &+ UInt64(count)) >> UInt64(count)) | ((b &+ UInt64(count)) << (64 - UInt64(count)))
            return hashLength16(a, rotated) ^ b
        }
        if count >= 4 {
            let a = fetch32(bytes, 0)
            return hashLength16(UInt64(count) &+ (a << 3), fetch32(bytes, count - 4))
        }
        if count > 0 {
            let y = UInt32(bytes[0]) &+ (UInt32(bytes[count >> 1]) << 8)
            let z = UInt32(count) &+ (UInt32(bytes[count - 1]) << 2)
            return shiftMix((UInt64(y) &* k2) ^ (UInt64(z) &* k3)) &* k2
        }
        return k2
    }

    /// CityMurmur: inputs under 128 bytes.
    static func murmur(_ bytes: ByteView, seed: (UInt64, UInt64)) -> CityHash128 {
        var (a, b) = seed
        var c: UInt64 = 0
        var d: UInt64 = 0
        let count = bytes.count
        if count <= 16 {
            a = shiftMix(a &* k1) &* k1
            c = b &* k1 &+ hashLength0to16(bytes)
            d = shiftMix(a &+ (count >= 8 ? fetch64(bytes, 0) : c))
        } else {
            c = hashLength16(fetch64(bytes, count - 8) &+ k1, a)
            d = hashLength16(b &+ UInt64(count), c &+ fetch64(bytes, count - 16))
            a = a &+ d
            var offset = 0
            var left = count - 16
            repeat {
                a ^= shiftMix(fetch64(bytes, offset) &* k1) &* k1
                a = a &* k1
                b ^= a
                c ^= shiftMix(fetch64(bytes, offset + 8) &* k1) &* k1
                c = c &* k1
                d ^= c
                offset += 16
                left -= 16
            } while left > 0
        }
        a = hashLength16(a, c)
        b = hashLength16(d, b)
        return CityHash128(low: a ^ b, high: hashLength16(b, a))
    }

    static func weakHash32(_ bytes: ByteView, _ offset: Int, _ seedA: UInt64, _ seedB: UInt64) -> (UInt64, UInt64) {
        let w = fetch64(bytes, offset), x = fetch64(bytes, offset + 8)
        let y = fetch64(bytes, offset + 16), z = fetch64(bytes, offset + 24)
        var a = seedA &+ w
        var b = rotate(seedB &+ a &+ z, 21)
        let c = a
        a = a &+ x
        a = a &+ y
        b = b &+ rotate(a, 44)
        return (a &+ z, b &+ c)
    }

    static func withSeed(_ bytes: ByteView, seed: (UInt64, UInt64)) -> CityHash128 {
        var count = bytes.count
        guard count >= 128 else { return murmur(bytes, seed: seed) }
        var (x, y) = seed
        var z = UInt64(count) &* k1
        var v0 = rotate(y ^ k1, 49) &* k1 &+ fetch64(bytes, 0)
        var v1 = rotate(v0, 42) &* k1 &+ fetch64(bytes, 8)
        var w0 = rotate(y &+ z, 35) &* k1 &+ x
        var w1 = rotate(x &+ fetch64(bytes, 88), 53) &* k1
        var offset = 0
        repeat {
            for _ in 0..<2 {
                x = rotate(x &+ y &+ v0 &+ fetch64(bytes, offset + 16), 37) &* k1
                y = rotate(y &+ v1 &+ fetch64(bytes, offset + 48), 42) &* k1
                x ^= w1
                y ^= v0
                z = rotate(z ^ w0, 33)
                (v0, v1) = weakHash32(bytes, offset, v1 &* k1, x &+ w0)
                (w0, w1) = weakHash32(bytes, offset + 32, z &+ w1, y)
                swap(&z, &x)
                offset += 64
            }
            count -= 128
        } while count >= 128
        y = y &+ rotate(w0, 37) &* k0 &+ z
        x = x &+ rotate(v0 &+ z, 49) &* k0
        var tailDone = 0
        while tailDone < count {
            tailDone += 32
            y = rotate(y &- x, 42) &* k0 &+ v1
            w0 = w0 &+ fetch64(bytes, offset + count - tailDone + 16)
            x = rotate(x, 49) &* k0 &+ w0
            w0 = w0 &+ v0
            (v0, v1) = weakHash32(bytes, offset + count - tailDone, v0, v1)
        }
        x = hashLength16(x, v0)
        y = hashLength16(y, w0)
        return CityHash128(low: hashLength16(x &+ v1, w1) &+ y, high: hashLength16(x &+ w1, y &+ v1))
    }
}
