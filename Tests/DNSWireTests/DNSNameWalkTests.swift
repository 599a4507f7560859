import DMBytes
import DMRecord
import DMTestSupport
@testable import DNSWire
import Testing

/// The validator's fast name skip against the exact label walk the renderers use: the same end
/// offset for every name, and the same error, at the same offset, for every damaged one.
@Suite("DNS name skip")
struct DNSNameWalkTests {
    static func outcome(_ bytes: [UInt8], at start: Int, skip: Bool) -> Result<Int, DNSWireError> {
        bytes.withByteView { raw in
            Result { () throws(DNSWireError) in
                skip ? try DNSNameWalk.skip(raw, at: start) : try DNSNameWalk.walk(raw, at: start) { _, _ in }
            }
        }
    }

    /// Messages made of names: runs of labels of random lengths (some too long for the name
    /// limit, some bad label types), compression pointers to random offsets (loops included),
    /// then cut at a random length. Every start offset of every message is tried.
    @Test func skipAgreesWithTheExactWalk() {
        var generator = SplitMix64(seed: 5722)
        var outcomes: Set<String> = []
        for _ in 0..<3000 {
            var bytes: [UInt8] = []
            while bytes.count < 400 {
                switch generator.next() % 8 {
                case 0: bytes.append(0)
                case 1: bytes += [0xC0 | UInt8(generator.next() % 2), UInt8(truncatingIfNeeded: generator.next())]
                case 2: bytes.append(0x40 | UInt8(generator.next() % 0x80))  // 0x40–0xBF: no label type
                case 3, 4:
                    let length = Int(generator.next() % 64)
                    bytes.append(UInt8(length))
                    bytes += (0..<length).map { _ in 0x61 }
                default:
                    let length = 1 + Int(generator.next() % 8)
                    bytes.append(UInt8(length))
                    bytes += (0..<length).map { _ in 0x62 }
                }
            }
            bytes.removeLast(Int(generator.next() % 40))
            for start in stride(from: 0, to: bytes.count, by: 1 + Int(generator.next() % 7)) {
                let exact = Self.outcome(bytes, at: start, skip: false)
                #expect(Self.outcome(bytes, at: start, skip: true) == exact, "start \(start) of \(bytes)")
                switch exact {
                case .success: outcomes.insert("ok")
                case .failure(let error): outcomes.insert("\(error.kind)")
                }
            }
        }
        // Every outcome was met, so each branch of the skip was compared.
        #expect(outcomes == ["ok", "truncated", "badPointer", "badLabel", "nameTooLong"])
    }
}
