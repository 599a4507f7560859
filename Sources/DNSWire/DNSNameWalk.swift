import DMBytes

/// Walks the labels of one wire-format name, following compression pointers, with every length
/// checked before it is read. The validator walks a name to skip it; the renderers walk it again
/// to print its labels, so both see the same labels and the same limits.
///
/// The limits are miekg/dns's (which dnsmonster uses): at most 255 bytes of labels including the
/// root, at most ``DNSMessageValidator/maximumPointerHops`` pointers, and pointers may go forward
/// or backward but only to a byte inside `message`.
public enum DNSNameWalk {
    /// Calls `label(offset, length)` for each label of the name at `start` (the offset of the
    /// label's first byte and its length, never the root) and returns the offset just after the
    /// name where it is stored, which is after the first pointer if there is one.
    @inlinable @inline(__always)
    public static func walk(
        _ message: ByteView, at start: Int, label: (_ offset: Int, _ length: Int) -> Void
    ) throws(DNSWireError) -> Int {
        var offset = start
        var end = -1  // where the name ends in place, once a pointer was followed
        var hops = 0
        var length = 1  // the root label
        while true {
            guard offset < message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
            let byte = message.uncheckedByte(at: offset)  // offset < count: checked above
            switch byte & 0xC0 {
            case 0x00:
                if byte == 0 { return end >= 0 ? end : offset + 1 }
                let labelEnd = offset + 1 + Int(byte)
                guard labelEnd <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
                length += Int(byte) + 1
                guard length <= 255 else { throw DNSWireError(kind: .nameTooLong, offset: offset) }
                label(offset + 1, Int(byte))
                offset = labelEnd
            case 0xC0:
                guard offset + 2 <= message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
                let target = Int(byte & 0x3F) << 8 | Int(message.uncheckedByte(at: offset + 1))  // checked above
                hops += 1
                guard target < message.count, hops <= DNSMessageValidator.maximumPointerHops else {
                    throw DNSWireError(kind: .badPointer, offset: offset)
                }
                if end < 0 { end = offset + 2 }
                offset = target
            default:
                throw DNSWireError(kind: .badLabel, offset: offset)
            }
        }
    }

    /// Skips the name at `start` as ``walk(_:at:label:)`` would, returning the same offset or
    /// throwing the same error, in about half the instructions: labels are stepped over
    /// without checking each one (a label running past the end shows at the next length
    /// byte), and the 255-byte limit is checked once per run of labels (the total only grows,
    /// so a name over it is over it at its end). Whenever this finds damage, the exact walk
    /// runs again to name it, so the error and its offset are always ``walk``'s.
    @inlinable @inline(__always)
    public static func skip(_ message: ByteView, at start: Int) throws(DNSWireError) -> Int {
        var hops = 0
        return try self.skip(message, at: start, pointerHops: &hops)
    }

    /// ``skip(_:at:)``, also telling how many compression pointers the name followed.
    @inlinable @inline(__always)
    public static func skip(
        _ message: ByteView, at start: Int, pointerHops: inout Int
    ) throws(DNSWireError) -> Int {
        let count = message.count
        var offset = start
        var runStart = start
        var end = -1
        var hops = 0
        var length = 1  // the root label
        while offset < count {
            let byte = Int(message.uncheckedByte(at: offset))  // the loop's condition
            if UInt(bitPattern: byte &- 1) < 63 {
                offset &+= byte &+ 1
                continue
            }
            // The end of a run of labels: the root or a pointer.
            length &+= offset &- runStart
            if byte == 0 {
                guard length <= 255 else { break }
                pointerHops = hops
                return end >= 0 ? end : offset &+ 1
            }
            guard byte >= 0xC0, offset &+ 2 <= count else { break }
            let target = (byte & 0x3F) << 8 | Int(message.uncheckedByte(at: offset &+ 1))  // checked above
            hops &+= 1
            guard target < count, hops <= DNSMessageValidator.maximumPointerHops else { break }
            if end < 0 { end = offset &+ 2 }
            offset = target
            runStart = target
        }
        return try self.skipExactly(message, at: start)
    }

    /// The exact walk, kept out of line: ``skip(_:at:)`` takes it only for a damaged name.
    @inline(never)
    public static func skipExactly(_ message: ByteView, at start: Int) throws(DNSWireError) -> Int {
        try self.walk(message, at: start) { _, _ in }
    }
}
