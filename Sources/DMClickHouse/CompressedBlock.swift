import CLZ4
import CZstd
import DMBytes

/// ClickHouse's compressed block, the unit of its native protocol's compressed data:
///
///     checksum (16: CityHash128 v1.0.2 of what follows, low half first)
///     method (1) · size with this 9-byte header (UInt32 LE) · uncompressed size (UInt32 LE)
///     payload (LZ4 block, or the bytes themselves for `none`)
public enum CompressedBlock {
    /// How a block's payload is compressed (the method byte).
    public enum Method: UInt8, Sendable, CaseIterable {
        case none = 0x02
        case lz4 = 0x82
        case zstd = 0x90
    }

    /// Bytes in front of the payload.
    public static let headerSize = 16 + 9

    /// Appends `data` to `output` as one block compressed with `method`.
    /// - Parameter zstdLevel: the ZSTD level (1–22) when `method` is `zstd`.
    public static func append(_ data: ByteView, method: Method, zstdLevel: Int32 = 1, to output: inout [UInt8]) {
        let start = output.count
        output += [UInt8](repeating: 0, count: headerSize)
        let payloadSize: Int
        switch method {
        case .none:
            output += data
            payloadSize = data.count
        case .lz4:
            let bound = Int(LZ4_compressBound(Int32(data.count)))
            output += [UInt8](repeating: 0, count: bound)
            payloadSize = output.withUnsafeMutableBytes { buffer in
                data.withUnsafeBytes { source in
                    Int(LZ4_compress_default(
                        source.baseAddress?.assumingMemoryBound(to: CChar.self),
                        buffer.baseAddress!.advanced(by: start + headerSize).assumingMemoryBound(to: CChar.self),
                        Int32(data.count), Int32(bound)))
                }
            }
            precondition(payloadSize > 0 || data.isEmpty, "LZ4 could not compress \(data.count) bytes within its own bound")
            output.removeLast(bound - payloadSize)
        case .zstd:
            let bound = ZSTD_compressBound(data.count)
            output += [UInt8](repeating: 0, count: bound)
            let result = output.withUnsafeMutableBytes { buffer in
                data.withUnsafeBytes { source in
                    ZSTD_compress(buffer.baseAddress!.advanced(by: start + headerSize), bound, source.baseAddress, data.count, zstdLevel)
                }
            }
            precondition(ZSTD_isError(result) == 0, "ZSTD could not compress \(data.count) bytes within its own bound")
            payloadSize = result
            output.removeLast(bound - payloadSize)
        }
        output[start + 16] = method.rawValue
        output.withMutableByteView { view in
            view.storeLittleEndian(UInt32(9 + payloadSize), at: start + 17)
            view.storeLittleEndian(UInt32(data.count), at: start + 21)
        }
        let checksum = output.withByteView { CityHash128($0.subview((start + 16)..<output.count)) }
        output.withMutableByteView { view in
            view.storeLittleEndian(checksum.low, at: start)
            view.storeLittleEndian(checksum.high, at: start + 8)
        }
    }

    /// Why a block cannot be read.
    public struct ReadError: Error, Hashable, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { "compressed block: \(self.reason)" }
    }

    /// Reads the block at the start of `bytes`, checking its checksum: its data and the bytes
    /// it took. Nil when `bytes` does not hold the whole block yet.
    public static func read(_ bytes: ByteView) throws(ReadError) -> (data: [UInt8], consumed: Int)? {
        guard bytes.count >= headerSize else { return nil }
        let methodByte = bytes[16]
        let sizeWithHeader = Int(bytes.loadLittleEndian(at: 17, as: UInt32.self))
        let uncompressedSize = Int(bytes.loadLittleEndian(at: 21, as: UInt32.self))
        guard sizeWithHeader >= 9, sizeWithHeader <= 1 << 30, uncompressedSize <= 1 << 30 else {
            throw ReadError(reason: "sizes \(sizeWithHeader)/\(uncompressedSize) out of range")
        }
        let total = 16 + sizeWithHeader
        guard bytes.count >= total else { return nil }
        let checksum = CityHash128(bytes.subview(16..<total))
        guard checksum.low == bytes.loadLittleEndian(at: 0, as: UInt64.self),
            checksum.high == bytes.loadLittleEndian(at: 8, as: UInt64.self)
        else { throw ReadError(reason: "checksum does not match") }
        let payload = bytes.subview(headerSize..<total)
        guard let method = Method(rawValue: methodByte) else {
            throw ReadError(reason: "method 0x\(String(methodByte, radix: 16)) is not supported (none 0x2, lz4 0x82, zstd 0x90)")
        }
        switch method {
        case .none:
            guard payload.count == uncompressedSize else { throw ReadError(reason: "stored size \(payload.count) is not \(uncompressedSize)") }
            return (Array(payload), total)
        case .lz4:
            var data = [UInt8](repeating: 0, count: uncompressedSize)
            let produced = data.withUnsafeMutableBytes { target in
                payload.withUnsafeBytes { source in
                    Int(LZ4_decompress_safe(
                        source.baseAddress?.assumingMemoryBound(to: CChar.self),
                        target.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(payload.count), Int32(uncompressedSize)))
                }
            }
            guard produced == uncompressedSize else { throw ReadError(reason: "LZ4 payload does not decompress to \(uncompressedSize) bytes") }
            return (data, total)
        case .zstd:
            var data = [UInt8](repeating: 0, count: uncompressedSize)
            let produced = data.withUnsafeMutableBytes { target in
                payload.withUnsafeBytes { source in
                    ZSTD_decompress(target.baseAddress, uncompressedSize, source.baseAddress, payload.count)
                }
            }
            guard ZSTD_isError(produced) == 0, produced == uncompressedSize else {
                throw ReadError(reason: "ZSTD payload does not decompress to \(uncompressedSize) bytes")
            }
            return (data, total)
        }
    }
}
