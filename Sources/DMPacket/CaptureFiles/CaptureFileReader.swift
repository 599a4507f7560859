import DMBytes
import DMRecord
import DMSystem

/// Reads classic pcap (microsecond and nanosecond, either byte order) and pcapng (any number
/// of sections and interfaces, each with its own link type and time resolution), plain or
/// gzip/LZ4-compressed, parsing packets in place from one large buffer.
///
/// Every length is checked before it is used. A capture that ends inside a packet yields every
/// whole packet before it and then reports ``truncationWarning``.
public final class CaptureFileReader {
    /// The container format, known after the first packet.
    public enum Format: String, Sendable {
        case pcap, pcapng
    }

    /// Blocks larger than this are treated as corruption (libpcap's largest snapshot is 256 KiB).
    public static let maximumBlockSize = 16 << 20
    static let readSize = 1 << 20

    /// The input's name in messages.
    public var inputName: String { self.input.inputName }
    /// The container format; nil before the first call to ``next()``.
    @exclusivity(unchecked) public private(set) var format: Format?
    /// Set when the capture ended inside a packet or block.
    @exclusivity(unchecked) public private(set) var truncationWarning: String?
    /// Frames longer than a PACKET record can carry, cut to its maximum.
    @exclusivity(unchecked) public private(set) var oversizedFrames: UInt64 = 0
    /// pcapng blocks that carry no packet (statistics, name resolution, custom …), skipped.
    @exclusivity(unchecked) public private(set) var skippedBlocks: UInt64 = 0
    /// Whole packets returned so far.
    @exclusivity(unchecked) public private(set) var packetCount: UInt64 = 0
    /// Whether a stop signal ended the input.
    public var stoppedBySignal: Bool { self.input.stoppedBySignal || self.mappedStopped }

    private let input: DecompressingInput
    /// The bytes packets are read from: the reader's own buffer (``storage``), or the mapped file.
    private let buffer: ByteView
    /// The reader's own buffer, which reads fill; nil when a mapping is read.
    private let storage: ByteStorage?
    /// The file, when the input is an uncompressed regular file read in place.
    private let mapping: FileMapping?
    @exclusivity(unchecked) private var mappedStopped = false
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var bufferOffset: UInt64 = 0
    @exclusivity(unchecked) private var inputEnded = false
    /// Whether the current section's integers are big-endian.
    @exclusivity(unchecked) private var bigEndian = false
    /// Classic pcap: the one link type and resolution.
    @exclusivity(unchecked) private var pcapLinkType: UInt16 = 0
    @exclusivity(unchecked) private var pcapResolution = TimestampResolution.microseconds
    /// pcapng: the current section's interfaces.
    @exclusivity(unchecked) private var interfaces: [(linkType: UInt16, snapLength: UInt32, resolution: TimestampResolution)] = []

    /// Reads `input`; an uncompressed regular file is mapped and parsed in place, without a
    /// copy from the page cache into a buffer.
    public init(input: DecompressingInput) {
        self.input = input
        self.mapping = input.mapPlainFile()
        if let mapping = self.mapping {
            self.storage = nil
            self.buffer = mapping.bytes
        } else {
            let storage = ByteStorage(count: CaptureFileReader.maximumBlockSize + CaptureFileReader.readSize)
            self.storage = storage
            self.buffer = storage.view
        }
    }

    // MARK: Reading

    /// Reads the file header, so that input which is no capture fails before any output.
    public func open() throws(CaptureFileError) {
        if self.format == nil { try self.readFileHeader() }
    }

    /// The next packet, or nil at the end of the capture (or after a truncated last packet).
    public func next() throws(CaptureFileError) -> CapturedPacket? {
        if self.format == nil { try self.readFileHeader() }
        switch self.format {
        case .pcap: return try self.nextPcapPacket()
        case .pcapng: return try self.nextPcapngPacket()
        case nil: return nil
        }
    }

    private var available: Int { self.end - self.start }
    private var offset: UInt64 { self.bufferOffset + UInt64(self.start) }

    private func error(_ message: String, at delta: Int = 0) -> CaptureFileError {
        CaptureFileError(input: self.inputName, offset: self.offset + UInt64(delta), message: message)
    }

    /// Makes `count` bytes available at `start`; false when the input ends first. Inlined:
    /// every packet asks twice, and nearly always the bytes are there.
    @inline(__always)
    private func ensure(_ count: Int) throws(CaptureFileError) -> Bool {
        if self.available >= count { return true }
        return try self.fill(toHold: count)
    }

    /// Reads until `count` bytes are available at `start`; false when the input ends first.
    private func fill(toHold count: Int) throws(CaptureFileError) -> Bool {
        if let mapping = self.mapping {
            // Mapped: the file becomes visible a megabyte at a time, as reads would bring it,
            // so that a stop signal ends the input as promptly.
            while self.available < count {
                if self.inputEnded { return false }
                if self.input.stop.isRaised { self.mappedStopped = true }
                if self.mappedStopped || self.end == self.buffer.count {
                    self.inputEnded = true
                    return false
                }
                self.end = mapping.reveal(after: self.end, step: CaptureFileReader.readSize)
            }
            return true
        }
        while self.available < count {
            if self.inputEnded { return false }
            if self.buffer.count - self.end < max(CaptureFileReader.readSize, count - self.available) {
                let kept = self.available
                if kept > 0 && self.start > 0 {
                    self.storage!.mutableView.copy(self.buffer.subview(self.start..<self.end), to: 0)
                }
                self.bufferOffset += UInt64(self.start)
                self.start = 0
                self.end = kept
            }
            let space = self.storage!.mutableView.subview(self.end..<min(self.buffer.count, self.end + CaptureFileReader.readSize))
            let count = try self.input.read(into: space)
            if count == 0 {
                self.inputEnded = true
                return false
            }
            self.end += count
        }
        return true
    }

    /// The bytes read and not yet consumed.
    private var bytes: ByteView {
        @inline(__always) get { self.buffer.subview(self.start..<self.end) }
    }

    /// The 16-bit field `at` bytes into the unconsumed bytes, which ``ensure(_:)`` made
    /// available; read straight from the buffer (no view per field).
    @inline(__always)
    private func u16(_ at: Int) -> UInt16 {
        assert(at + 2 <= self.available)
        let value = self.buffer.loadLittleEndian(at: self.start &+ at, as: UInt16.self)
        return self.bigEndian ? value.byteSwapped : value
    }

    /// The 32-bit field `at` bytes into the unconsumed bytes, which ``ensure(_:)`` made available.
    @inline(__always)
    private func u32(_ at: Int) -> UInt32 {
        assert(at + 4 <= self.available)
        let value = self.buffer.loadLittleEndian(at: self.start &+ at, as: UInt32.self)
        return self.bigEndian ? value.byteSwapped : value
    }

    private func noteTruncation(_ what: String) {
        guard self.available > 0 || self.input.endedInsideCompressedData else { return }
        let compressed = self.input.endedInsideCompressedData ? " (the \(self.input.compression.rawValue) data is cut short)" : ""
        self.truncationWarning = "the capture ends inside \(what) at offset \(self.offset)\(compressed); kept the \(self.packetCount) whole packets before it"
    }

    /// Cuts a frame to what a PACKET record carries, counting the cut.
    private func frame(at offset: Int, length: Int) -> ByteView {
        var length = length
        if length > PacketRecordLayout.maximumFrameSize {
            length = PacketRecordLayout.maximumFrameSize
            self.oversizedFrames += 1
        }
        assert(offset + length <= self.available)
        return self.buffer.subview((self.start &+ offset)..<(self.start &+ offset &+ length))
    }

    // MARK: File header

    private func readFileHeader() throws(CaptureFileError) {
        guard try self.ensure(4) else {
            if self.available == 0 && !self.input.endedInsideCompressedData {
                throw self.error("the input is empty: no capture to read")
            }
            throw self.error("the input ends after \(self.available) bytes: too short for a capture header")
        }
        let magic = self.bytes.loadLittleEndian(at: 0, as: UInt32.self)
        switch magic {
        case 0xA1B2_C3D4, 0xD4C3_B2A1, 0xA1B2_3C4D, 0x4D3C_B2A1:
            self.bigEndian = magic == 0xD4C3_B2A1 || magic == 0x4D3C_B2A1
            guard try self.ensure(24) else { throw self.error("the input ends inside the 24-byte pcap file header") }
            self.pcapResolution = (magic == 0xA1B2_C3D4 || magic == 0xD4C3_B2A1) ? .microseconds : .nanoseconds
            self.pcapLinkType = UInt16(truncatingIfNeeded: self.u32(20))
            self.format = .pcap
            self.start += 24
        case 0x0A0D_0D0A:
            self.format = .pcapng
        default:
            if self.available >= 8 && Array(self.bytes.prefix(8)) == StreamMagic.header {
                throw self.error("this is a DMRecord stream, not a capture: read it with dm-stream or pipe it to the next stage")
            }
            let shown = self.bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
            throw self.error("not a pcap or pcapng capture (first bytes: \(shown))")
        }
    }

    // MARK: pcap

    /// Inlined into ``next()``: as a call, its result was copied right after it was stored
    /// field by field, and the copy waited on those stores (12% of dm-parse's time on a pcap).
    @inline(__always)
    private func nextPcapPacket() throws(CaptureFileError) -> CapturedPacket? {
        guard try self.ensure(16) else {
            self.noteTruncation("a packet header")
            return nil
        }
        let captured = Int(self.u32(8))
        guard captured <= CaptureFileReader.maximumBlockSize else {
            throw self.error("packet header claims \(captured) captured bytes; the file is corrupt", at: 8)
        }
        guard try self.ensure(16 + captured) else {
            self.noteTruncation("a packet")
            return nil
        }
        // Seconds and micro- or nanoseconds: the same as the resolution's conversion of the
        // tick count (wrapping alike), without its table lookup per packet.
        let fraction = UInt64(self.u32(4))
        let time = UInt64(self.u32(0)) &* 1_000_000_000 &+ (self.pcapResolution == .nanoseconds ? fraction : fraction &* 1000)
        let metadata = PacketMetadata(timeNanoseconds: time, originalLength: self.u32(12), linkType: self.pcapLinkType)
        let packet = CapturedPacket(metadata: metadata, frame: self.frame(at: 16, length: captured))
        self.start += 16 + captured
        self.packetCount += 1
        return packet
    }

    // MARK: pcapng

    private func nextPcapngPacket() throws(CaptureFileError) -> CapturedPacket? {
        while true {
            guard try self.ensure(12) else {
                self.noteTruncation("a block header")
                return nil
            }
            let rawType = self.bytes.loadLittleEndian(at: 0, as: UInt32.self)
            if rawType == 0x0A0D_0D0A {
                // A Section Header Block: its byte-order magic sets the endianness of what follows.
                let byteOrder = self.bytes.loadLittleEndian(at: 8, as: UInt32.self)
                guard byteOrder == 0x1A2B_3C4D || byteOrder == 0x4D3C_2B1A else {
                    throw self.error("section header has an unknown byte-order magic 0x\(String(byteOrder, radix: 16))", at: 8)
                }
                self.bigEndian = byteOrder == 0x4D3C_2B1A
                self.interfaces.removeAll()
            }
            let type = self.u32(0)
            let length = Int(self.u32(4))
            guard length >= 12, length % 4 == 0 else {
                throw self.error("block length \(length) is not a multiple of 4 of at least 12; the file is corrupt", at: 4)
            }
            guard length <= CaptureFileReader.maximumBlockSize else {
                throw self.error("block length \(length) exceeds \(CaptureFileReader.maximumBlockSize); the file is corrupt", at: 4)
            }
            guard try self.ensure(length) else {
                self.noteTruncation("a block")
                return nil
            }
            guard Int(self.u32(length - 4)) == length else {
                throw self.error("block length \(length) does not match its trailing copy \(self.u32(length - 4)); the file is corrupt", at: length - 4)
            }
            let packet: CapturedPacket?
            switch type {
            case 0x0A0D_0D0A: packet = nil
            case 1: try self.readInterfaceDescription(length: length); packet = nil
            case 6: packet = try self.enhancedPacket(length: length, headerSize: 28, interfaceField: Int(self.u32(8)))
            case 2: packet = try self.enhancedPacket(length: length, headerSize: 28, interfaceField: Int(self.u16(8)))
            case 3: packet = try self.simplePacket(length: length)
            default:
                self.skippedBlocks += 1
                packet = nil
            }
            self.start += length
            if let packet {
                self.packetCount += 1
                return packet
            }
        }
    }

    private func interface(_ index: Int) throws(CaptureFileError) -> (linkType: UInt16, snapLength: UInt32, resolution: TimestampResolution) {
        guard index < self.interfaces.count else {
            throw self.error("packet refers to interface \(index) but the section describes \(self.interfaces.count)", at: 8)
        }
        return self.interfaces[index]
    }

    private func readInterfaceDescription(length: Int) throws(CaptureFileError) {
        guard length >= 20 else { throw self.error("interface description block of \(length) bytes is too short", at: 4) }
        var resolution = TimestampResolution.microseconds
        var offset = 16
        while offset + 4 <= length - 4 {
            let code = self.u16(offset)
            let size = Int(self.u16(offset + 2))
            guard offset + 4 + size <= length - 4 else {
                throw self.error("interface option \(code) of \(size) bytes runs past its block", at: offset)
            }
            if code == 0 { break }
            if code == 9 && size >= 1 { resolution.code = self.bytes[offset + 4] }
            if code == 14 && size >= 8 {
                let low = UInt64(self.u32(offset + 4)), high = UInt64(self.u32(offset + 8))
                resolution.offsetSeconds = Int64(bitPattern: self.bigEndian ? (low << 32 | high) : (high << 32 | low))
            }
            offset += 4 + (size + 3) & ~3
        }
        self.interfaces.append((self.u16(8), self.u32(12), resolution))
    }

    private func enhancedPacket(length: Int, headerSize: Int, interfaceField: Int) throws(CaptureFileError) -> CapturedPacket {
        guard length >= headerSize + 4 else { throw self.error("packet block of \(length) bytes is too short", at: 4) }
        let interface = try self.interface(interfaceField)
        let captured = Int(self.u32(20))
        guard headerSize + captured <= length - 4 else {
            throw self.error("packet of \(captured) captured bytes runs past its \(length)-byte block", at: 20)
        }
        let ticks = UInt64(self.u32(12)) << 32 | UInt64(self.u32(16))
        let metadata = PacketMetadata(
            timeNanoseconds: interface.resolution.nanoseconds(ticks: ticks), originalLength: self.u32(24),
            linkType: interface.linkType, interface: UInt16(clamping: interfaceField))
        return CapturedPacket(metadata: metadata, frame: self.frame(at: headerSize, length: captured))
    }

    private func simplePacket(length: Int) throws(CaptureFileError) -> CapturedPacket {
        let interface = try self.interface(0)
        let original = self.u32(8)
        var captured = min(Int(original), length - 16)
        if interface.snapLength > 0 { captured = min(captured, Int(interface.snapLength)) }
        let metadata = PacketMetadata(timeNanoseconds: 0, originalLength: original, linkType: interface.linkType)
        return CapturedPacket(metadata: metadata, frame: self.frame(at: 12, length: captured))
    }
}
