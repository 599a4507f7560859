/// Walks the labels of one wire-format name, following compression pointers, with every length
/// checked before it is read. The validator walks a name to skip it; the renderers walk it again
/// to print its labels, so both see the same labels and the same limits.
///
/// The limits are miekg/dns's (which dnsmonster uses): at most 255 bytes of labels including the
/// root, at most ``DNSMessageValidator/maximumPointerHops`` pointers, and pointers may go forward
/// or backward but only to a byte inside `message`.
enum DNSNameWalk {
    /// Calls `label(offset, length)` for each label of the name at `start` (the offset of the
    /// label's first byte and its length, never the root) and returns the offset just after the
    /// name where it is stored, which is after the first pointer if there is one.
    @inline(__always)
    static func walk(
        _ message: UnsafeRawBufferPointer, at start: Int, label: (_ offset: Int, _ length: Int) -> Void
    ) throws(DNSWireError) -> Int {
        var offset = start
        var end = -1  // where the name ends in place, once a pointer was followed
        var hops = 0
        var length = 1  // the root label
        while true {
            guard offset < message.count else { throw DNSWireError(kind: .truncated, offset: offset) }
            let byte = message[offset]
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
                let target = Int(byte & 0x3F) << 8 | Int(message[offset + 1])
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
}
