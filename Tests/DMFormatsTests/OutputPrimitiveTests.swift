import DMBytes
@testable import DMFormats
import DMRecord
import DMTestSupport
import Foundation
import PropertyBased
import Testing

/// The small unsafe and text primitives the renderers write through, each against known
/// values (Go's outputs) and, where there is an obvious reference, against it on random input.
@Suite("Output primitives")
struct OutputPrimitiveTests {
    static func text(_ write: (OutputByteBuffer) -> Void) -> String {
        let buffer = OutputByteBuffer(initialCapacity: 1)
        write(buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    @Test("the buffer grows past its first allocation and keeps what it holds")
    func growth() {
        let buffer = OutputByteBuffer(initialCapacity: 1)
        for index in 0..<10_000 { buffer.append(UInt8(index % 256)) }
        buffer.append("tail")
        #expect(buffer.count == 10_004)
        #expect((0..<10_000).allSatisfy { buffer.bytes[$0] == UInt8($0 % 256) })
        buffer.truncate(to: 3)
        #expect(Array(buffer.bytes) == [0, 1, 2])
        buffer.removeAll()
        #expect(buffer.count == 0)
    }

    @Test("decimal numbers, plain, signed and zero-padded")
    func decimals() async {
        #expect(Self.text { $0.appendDecimal(UInt64(0)) } == "0")
        #expect(Self.text { $0.appendDecimal(UInt64.max) } == "18446744073709551615")
        #expect(Self.text { $0.appendDecimal(-42) } == "-42")
        #expect(Self.text { $0.appendDecimal(UInt64(7), width: 3) } == "007")
        #expect(Self.text { $0.appendDecimal(UInt64(12345), width: 2) } == "12345")
        await propertyCheck(count: 500, input: Gen.uint64()) { value in
            #expect(Self.text { $0.appendDecimal(value) } == String(value))
        }
    }

    @Test("hex, base64 and base32hex as Go encodes them")
    func binary() async {
        func raw(_ bytes: [UInt8], _ encode: (ByteView, OutputByteBuffer) -> Void) -> String {
            bytes.withByteView { input in Self.text { encode(input, $0) } }
        }
        #expect(raw([0x00, 0xAB, 0xFF], BinaryText.appendHex) == "00abff")
        #expect(raw([], BinaryText.appendBase64) == "")
        #expect(raw(Array("f".utf8), BinaryText.appendBase64) == "Zg==")
        #expect(raw(Array("fo".utf8), BinaryText.appendBase64) == "Zm8=")
        #expect(raw(Array("foobar".utf8), BinaryText.appendBase64) == "Zm9vYmFy")
        #expect(raw(Array("f".utf8), BinaryText.appendBase32Hex) == "CO")
        #expect(raw(Array("foobar".utf8), BinaryText.appendBase32Hex) == "CPNMUOJ1E8")
        await propertyCheck(count: 300, input: Gen.uint8().array(of: 0...40)) { bytes in
            #expect(raw(bytes, BinaryText.appendBase64) == Data(bytes).base64EncodedString())
        }
    }

    @Test("IP addresses as Go's net.IP prints them", arguments: [
        ("00000000000000000000000000000000", "::"),
        ("00000000000000000000000000000001", "::1"),
        ("20010db8000000000000000000000000", "2001:db8::"),
        ("20010db8000000000001000000000001", "2001:db8::1:0:0:1"),
        ("20010db8000100010001000100010001", "2001:db8:1:1:1:1:1:1"),
        ("20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"),
        ("00010000000200000000000000000003", "1:0:2::3"),
        ("00000000000000000000ffffc0000201", "192.0.2.1"),
        ("0000000000000000000000000a000001", "::a00:1"),
        ("c0000201", "192.0.2.1"),
    ])
    func addresses(hex: String, expected: String) {
        let bytes = Reference.bytes(hex: hex[...])
        #expect(bytes.withByteView { raw in Self.text { GoIPAddressText.append(raw, to: $0) } } == expected)
    }

    @Test("timestamps as Go's RFC3339Nano in UTC", arguments: [
        (UInt64(0), "1970-01-01T00:00:00Z"),
        (1_714_566_896_789_012_345, "2024-05-01T12:34:56.789012345Z"),
        (1_717_297_445_600_000_000, "2024-06-02T03:04:05.6Z"),
        (951_782_400_000_000_001, "2000-02-29T00:00:00.000000001Z"),
        (4_107_542_399_120_000_000, "2100-02-28T23:59:59.12Z"),
    ])
    func timestamps(nanoseconds: UInt64, expected: String) {
        #expect(Self.text { RFC3339NanoText.append(nanoseconds: nanoseconds, to: $0) } == expected)
    }

    @Test("one buffer printing times of the same and of other seconds: the cached second is reused and replaced")
    func timestampsThroughOneBuffer() {
        let buffer = OutputByteBuffer()
        let times: [UInt64] = [1_714_566_896_789_012_345, 1_714_566_896_000_000_001, 1_714_566_897_000_000_000, 1_714_566_896_500_000_000, 0]
        for time in times {
            RFC3339NanoText.append(nanoseconds: time, to: buffer)
            buffer.append(UInt8(ascii: " "))
        }
        #expect(String(decoding: buffer.bytes, as: UTF8.self)
            == "2024-05-01T12:34:56.789012345Z 2024-05-01T12:34:56.000000001Z 2024-05-01T12:34:57Z 2024-05-01T12:34:56.5Z 1970-01-01T00:00:00Z ")
    }

    @Test("appended pieces of every length up to 64 bytes arrive whole, after and before others")
    func appendsOfEveryLength() {
        let source = (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let buffer = OutputByteBuffer(initialCapacity: 64)
        var expected: [UInt8] = []
        for length in 0...64 {
            source.withByteView { buffer.append($0.subview(0..<length)) }
            buffer.append(UInt8(ascii: "|"))
            expected += source[0..<length] + [UInt8(ascii: "|")]
        }
        #expect(Array(buffer.bytes) == expected)
    }

    @Test("JSON strings as encoding/json (Go 1.22+) writes them, and as sonic does")
    func strings() {
        func quoted(_ bytes: [UInt8], html: Bool) -> String {
            bytes.withByteView { raw in Self.text { GoJSONString.append(raw, to: $0, escapesHTML: html) } }
        }
        let sample: [UInt8] = Array("a\"\\<>&\u{8}\u{c}\n\r\t\u{1}\u{7F}é\u{2028}".utf8) + [0xFF, 0xC3, 0xED, 0xA0, 0x80]
        #expect(quoted(sample, html: true)
            == #""a\"\\\u003c\u003e\u0026\b\f\n\r\t\u0001\#u{7F}é\u2028\ufffd\ufffd\ufffd\ufffd\ufffd""#)
        #expect(quoted(sample, html: false)
            == #""a\"\\<>&\u0008\u000c\n\r\t\u0001\#u{7F}é\#u{2028}\ufffd\ufffd\ufffd\ufffd\ufffd""#)
    }
}
