import DMBytes
import DMClickHouse
import DMTestSupport
import Foundation
import Testing

/// ClickHouse's compressed blocks against clickhouse-driver (PyPI), an independent client of
/// the native protocol: it reads the blocks dm-out's ClickHouse code writes, checksum and LZ4
/// included, and writes blocks that code reads.
@Suite("ClickHouse blocks against clickhouse-driver")
struct ClickHouseBlockTests {
    static let script = """
        import sys
        from io import BytesIO
        from clickhouse_cityhash.cityhash import CityHash128
        from clickhouse_driver.compression import get_decompressor_cls
        from clickhouse_driver.compression.lz4 import Compressor
        from clickhouse_driver.reader import read_binary_uint8, read_binary_uint128
        from clickhouse_driver.writer import write_binary_uint128

        mode, source, target = sys.argv[1:4]
        if mode == 'read':
            stream = BytesIO(open(source, 'rb').read())
            out = b''
            while stream.tell() < len(stream.getvalue()):
                checksum = read_binary_uint128(stream)
                method = read_binary_uint8(stream)
                out += get_decompressor_cls(method)(stream).get_decompressed_data(method, checksum, 1)
            open(target, 'wb').write(out)
        else:
            compressor = Compressor()
            compressor.write(open(source, 'rb').read())
            block = bytes([compressor.method_byte]) + compressor.get_compressed_data(1)
            out = BytesIO()
            write_binary_uint128(CityHash128(block), out)
            open(target, 'wb').write(out.getvalue() + block)
        """

    @Test("clickhouse-driver reads our LZ4 blocks and we read its, byte for byte")
    func againstClickHouseDriver() throws {
        let directory = try TemporaryDirectory()
        try Self.script.write(toFile: directory.file("blocks.py"), atomically: false, encoding: .utf8)
        var generator = SplitMix64(seed: 20)
        for length in [0, 1, 17, 4096, 300_000] {
            // Half random, half repetitive: both LZ4's literal and match paths.
            let data = (0..<length).map { index in index % 512 < 256 ? UInt8.random(in: 0...255, using: &generator) : UInt8(index % 7) }
            try StreamFiles.writeBytes(data, to: directory.file("data"))
            var ours: [UInt8] = []
            // Two blocks back to back, as a stream carries them (the driver knows no method `none`).
            data.withByteView {
                CompressedBlock.append($0, method: .lz4, to: &ours)
                CompressedBlock.append($0, method: .lz4, to: &ours)
            }
            try StreamFiles.writeBytes(ours, to: directory.file("ours"))
            let read = try Programs.run("/usr/bin/env", ["python3", directory.file("blocks.py"), "read", directory.file("ours"), directory.file("read")])
            try #require(read.status == 0, "clickhouse-driver could not read our blocks: \(read.standardError)")
            #expect(try StreamFiles.bytes(directory.file("read")) == data + data, "length \(length)")

            let written = try Programs.run("/usr/bin/env", ["python3", directory.file("blocks.py"), "write", directory.file("data"), directory.file("theirs")])
            try #require(written.status == 0, "\(written.standardError)")
            let theirs = try StreamFiles.bytes(directory.file("theirs"))
            let block = try theirs.withByteView { try CompressedBlock.read($0) }
            #expect(block?.data == data && block?.consumed == theirs.count, "length \(length)")
        }
    }
}
