import DMBytes
import Testing

/// The byte views every module reads and writes through: integer loads in both byte orders at
/// any alignment, subviews, copies of every size, and the bounds checks of debug builds.
@Suite("Byte views")
struct ByteViewTests {
    static let bytes: [UInt8] = Array(0..<40)

    @Test("integers load in both byte orders at every offset, aligned or not")
    func integerLoads() {
        Self.bytes.withByteView { view in
            for offset in 0...(view.count - 8) {
                let slice = Array(Self.bytes[offset..<(offset + 8)])
                let big = slice.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let little = slice.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                #expect(view.loadBigEndian(at: offset, as: UInt64.self) == big)
                #expect(view.loadLittleEndian(at: offset, as: UInt64.self) == little)
                #expect(view.uncheckedLoadBigEndian(at: offset, as: UInt64.self) == big)
                #expect(view.loadBigEndian(at: offset, as: UInt16.self) == UInt16(slice[0]) << 8 | UInt16(slice[1]))
                #expect(view.loadLittleEndian(at: offset, as: UInt32.self) == UInt32(truncatingIfNeeded: little))
                #expect(view.loadNative(at: offset, as: UInt32.self) == UInt32(littleEndian: UInt32(truncatingIfNeeded: little)))
            }
        }
    }

    @Test("subviews see the same bytes; equality compares contents")
    func subviews() {
        Self.bytes.withByteView { view in
            let middle = view.subview(10..<20)
            #expect(Array(middle) == Array(10..<20))
            #expect(middle[0] == 10 && middle.uncheckedByte(at: 9) == 19)
            #expect(Array(view.subview(from: 35)) == [35, 36, 37, 38, 39])
            #expect(view.subview(5..<5).isEmpty)
            let copy = Array(Self.bytes[10..<20])
            copy.withByteView { #expect($0.bytesEqual(middle)) }
            #expect(!middle.bytesEqual(view.subview(11..<21)))
            #expect(!middle.bytesEqual(view.subview(10..<19)))
        }
        #expect(Array(ByteView("abc")) == Array("abc".utf8))
        #expect(ByteView().isEmpty)
    }

    @Test("copies of every size land where asked and nowhere else", arguments: [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 64, 255, 4096])
    func copies(size: Int) {
        let source = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        var target = [UInt8](repeating: 0xEE, count: size + 6)
        source.withByteView { bytes in
            target.withMutableByteView { $0.copy(bytes, to: 3) }
        }
        #expect(Array(target[0..<3]) == [0xEE, 0xEE, 0xEE])
        #expect(Array(target[3..<(3 + size)]) == source)
        #expect(Array(target[(3 + size)...]) == [0xEE, 0xEE, 0xEE])
    }

    @Test("stores write each byte order; fill covers the whole view")
    func stores() {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withMutableByteView { view in
            view.storeBigEndian(UInt32(0x0102_0304), at: 1)
            view.storeLittleEndian(UInt16(0x0506), at: 6)
            view[9] = 0xAA
            view.subview(10..<16).fill(with: 0x55)
        }
        #expect(bytes == [0, 1, 2, 3, 4, 0, 6, 5, 0, 0xAA, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55])
    }

    @Test("storage owns its bytes; tables and value storage index their elements")
    func storage() {
        let storage = ByteStorage(count: 64)
        storage.mutableView.fill(with: 7)
        #expect(storage.view.allSatisfy { $0 == 7 } && storage.view.count == 64)
        let values = ValueStorage(repeating: UInt32(3), count: 10)
        values[4] = 9
        let copy = ValueStorage(repeating: UInt32(0), count: 10)
        copy.copyPrefix(of: values, count: 5)
        #expect((0..<10).map { copy[$0] } == [3, 3, 3, 3, 9, 0, 0, 0, 0, 0])
        let table = StaticTable(["a", "b", "c"])
        #expect(Array(table) == ["a", "b", "c"] && table[1] == "b")
        let sum = withTemporaryBytes(count: 100) { (scratch) -> Int in
            scratch.fill(with: 1)
            return scratch.view.reduce(0) { $0 + Int($1) }
        }
        #expect(sum == 100)
    }

    @Test("reserved room takes writes within it")
    func reservedBytes() {
        var bytes = [UInt8](repeating: 0, count: 8)
        bytes.withMutableByteView { view in
            let room = ReservedBytes(view)
            room[0] = 1
            room.suffix(from: 4).storeLittleEndian(UInt32(0x0908_0706), at: 0)
            Array("xy".utf8).withByteView { room.subrange(1..<3).copy($0, to: 0) }
        }
        #expect(bytes == [1, UInt8(ascii: "x"), UInt8(ascii: "y"), 0, 6, 7, 8, 9])
    }

    #if DEBUG
    @Test("a read past the end stops a debug build")
    func readPastTheEnd() async {
        await #expect(processExitsWith: .failure) {
            let bytes: [UInt8] = [1, 2, 3]
            _ = bytes.withByteView { $0[3] }
        }
    }

    @Test("a subview past the end stops a debug build")
    func subviewPastTheEnd() async {
        await #expect(processExitsWith: .failure) {
            let bytes: [UInt8] = [1, 2, 3]
            _ = bytes.withByteView { $0.subview(1..<5).count }
        }
    }

    @Test("a copy past the end stops a debug build")
    func copyPastTheEnd() async {
        await #expect(processExitsWith: .failure) {
            var target = [UInt8](repeating: 0, count: 4)
            let source: [UInt8] = [1, 2, 3]
            source.withByteView { bytes in target.withMutableByteView { $0.copy(bytes, to: 2) } }
        }
    }
    #endif

    @Test("value storage checks its index in every build")
    func valueStorageBounds() async {
        await #expect(processExitsWith: .failure) {
            let values = ValueStorage(repeating: UInt8(0), count: 2)
            _ = values[2]
        }
    }
}
