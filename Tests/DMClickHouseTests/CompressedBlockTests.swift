import DMBytes
import DMClickHouse
import Testing

/// ClickHouse's checksum and block framing in-process; the integration tests check the same
/// against clickhouse-driver, an independent client.
@Suite("ClickHouse compressed blocks")
struct CompressedBlockTests {
    /// Bytes `(i * 31 + 7) mod 256` for i < length.
    static func pattern(_ length: Int) -> [UInt8] { (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    /// CityHash128 v1.0.2 of `pattern(length)` as `clickhouse_cityhash.cityhash.CityHash128`
    /// (PyPI clickhouse-cityhash 1.0.2.6, ClickHouse's own C++ code) computes it: every
    /// branch of the hash (0, 1–3, 4–8, 9–16, 17–127 bytes, and the 128-byte loop with each
    /// tail length).
    static let vectors: [(length: Int, low: UInt64, high: UInt64)] = [
        (0, 0x3df09dfc64c09a2b, 0x3cb540c392e51e29),
        (1, 0x8be55b379cce0e40, 0x05ab4744478b1cba),
        (3, 0xe407deda7bb0f294, 0x0a3a0d146e27f1bd),
        (4, 0x905dcb2063ae124f, 0x57fd5b5954a593c5),
        (7, 0xd7ba2459ab7c2913, 0x53dd430b513ca460),
        (8, 0xf5a4ca47208136a0, 0x3dd4575b3d46e5ab),
        (9, 0x338434c54a2565e1, 0x1001bbb07bd33771),
        (15, 0xd956065c63d9ab15, 0x9623caadd0037b73),
        (16, 0x3f3a3275564b7f48, 0xb48a2a7a16bac60b),
        (17, 0xaee34bf68bb2e0a2, 0xe0d6910555f00b87),
        (31, 0x9b7f93e5ecfaed63, 0xd646e40154fb0d6b),
        (32, 0x250e8c8007bfad61, 0xe42486b6776ae8db),
        (33, 0x4e495b057af3b520, 0xabae1d24f18410b5),
        (63, 0x361db35b3402a110, 0x51bf6fff2d8235c5),
        (64, 0xe225cf33b373dc02, 0x8d252ce5152d6d96),
        (65, 0xfd6ac7f899cfa4de, 0x4dc66fa894d30552),
        (127, 0xc244dc8a06ce8c41, 0xf30e2cf6b33629a6),
        (128, 0xba863c0c70f32346, 0x24b156fc6f3c170a),
        (129, 0x238598064c8ee2f1, 0x6c89b9263ef7410b),
        (200, 0x67b5c9a4f885f24b, 0xb4a0f54a58082487),
        (255, 0xc87d0f456f6a514b, 0xf35b13ec94eb8a52),
        (256, 0xb1cfa883f958dcfa, 0x39f0dfb3be182292),
        (1000, 0x597ff4957972ad7e, 0x7f39a4abd7c010e1),
        (4096, 0x1bd11ecfd108678f, 0x723d5024904233bb),
    ]

    @Test("CityHash128 v1.0.2 agrees with ClickHouse's code on every branch", arguments: vectors.map(\.length))
    func cityHash(length: Int) throws {
        let vector = try #require(Self.vectors.first { $0.length == length })
        let hash = Self.pattern(length).withByteView { CityHash128($0) }
        #expect(hash == CityHash128(low: vector.low, high: vector.high))
    }

    @Test("a block reads back as written, for each method and size; damage is refused", arguments: CompressedBlock.Method.allCases)
    func roundTrip(method: CompressedBlock.Method) throws {
        for length in [0, 1, 100, 65_536, 1 << 20] {
            let data = Self.pattern(length).map { $0 & 0x0F }  // compressible
            var block: [UInt8] = []
            data.withByteView { CompressedBlock.append($0, method: method, to: &block) }
            #expect(block[16] == method.rawValue)
            let read = try block.withByteView { try CompressedBlock.read($0) }
            #expect(read?.data == data && read?.consumed == block.count)
            if method == .lz4 && length == 1 << 20 { #expect(block.count < length / 4, "LZ4 compressed \(block.count) bytes") }
            // Not all there yet: nil, no error.
            #expect(try block.withByteView { try CompressedBlock.read($0.subview(0..<(block.count - 1))) } == nil)
            var damaged = block
            damaged[block.count - 1] ^= 0x40
            if length > 0 {
                #expect(throws: CompressedBlock.ReadError.self) { try damaged.withByteView { try CompressedBlock.read($0) } }
            }
        }
    }
}
