import DMBytes

/// Walks one record's RDATA field by field, as ``RDataSchema`` lays it out, checking each length
/// before reading and reporting each field to a visitor. With a discarding visitor this is the
/// validator's per-type check; with the JSON visitor it is the renderer's decoder.
///
/// The rules are miekg/dns's `UnpackRRWithHeader`, which dnsmonster depends on:
/// - the RDATA may end after any field (later fields keep zero values), except right after a
///   field whose size another field gives;
/// - a field may not run past RDLENGTH, and the fields must end exactly at RDLENGTH;
/// - names inside RDATA may point anywhere before the end of the RDATA, not after it.
public enum RDataDecoder {
    /// The most fields any type has (RRSIG, TKEY and TSIG have 9).
    public static let maximumFieldCount = 10

    /// Walks the RDATA of a record of `type` from `start` to the end of `message`, which the
    /// caller has cut at the end of the record's RDATA.
    @inlinable
    public static func decode<Visitor: DNSMessageVisitor>(
        type: UInt16, in message: ByteView, from start: Int, visitor: inout Visitor
    ) throws(DNSWireError) {
        try self.decode(RDataSchema.fieldTable(of: type), in: message, from: start, visitor: &visitor)
    }

    /// Walks RDATA laid out as `fields` (its type's ``RDataSchema/fieldTable(of:)``).
    @inlinable
    public static func decode<Visitor: DNSMessageVisitor>(
        _ fields: StaticTable<RDataField>, in message: ByteView, from start: Int,
        visitor: inout Visitor
    ) throws(DNSWireError) {
        let end = message.count
        var offset = start
        // Integer fields by index, for the fields whose size an earlier field gives.
        var integers = InlineArray<10, UInt64>(repeating: 0)
        for index in fields.indices {
            let field = fields[index]
            if offset == end && (index == 0 || fields[index - 1].kind.allowsEndAfter) {
                for rest in fields[index...] { visitor.zeroField(rest) }
                return
            }
            func need(_ count: Int) throws(DNSWireError) {
                guard count <= end - offset else { throw DNSWireError(kind: .rdataLength, offset: offset) }
            }
            func take(_ count: Int) throws(DNSWireError) -> ByteView {
                try need(count)
                defer { offset += count }
                return message.subview(offset..<(offset + count))
            }
            func integer(_ size: Int) throws(DNSWireError) -> UInt64 {
                try need(size)
                var value: UInt64 = 0
                for byte in message[offset..<(offset + size)] { value = value << 8 | UInt64(byte) }
                offset += size
                integers[index] = value
                return value
            }
            switch field.kind {
            case .uint8: visitor.unsignedField(field, try integer(1))
            case .uint16: visitor.unsignedField(field, try integer(2))
            case .uint32: visitor.unsignedField(field, try integer(4))
            case .uint48: visitor.unsignedField(field, try integer(6))
            case .uint64: visitor.unsignedField(field, try integer(8))
            case .ipv4Address: visitor.bytesField(field, try take(4))
            case .ipv6Address: visitor.bytesField(field, try take(16))
            case .name:
                let nameStart = offset
                offset = try self.skipName(message, at: offset)
                visitor.nameField(field, nameAt: nameStart, in: message)
            case .characterString:
                try need(1)
                let length = Int(message[offset])
                offset += 1
                visitor.bytesField(field, try take(length))
            case .octetsToEnd, .hexToEnd, .base64ToEnd:
                visitor.bytesField(field, try take(end - offset))
            case .hexSized(let lengthField), .base64Sized(let lengthField), .base32Sized(let lengthField):
                visitor.bytesField(field, try take(Int(integers[lengthField])))
            case .characterStringsToEnd:
                visitor.listStart(field)
                while offset < end {
                    let length = Int(message[offset])
                    offset += 1
                    visitor.characterStringElement(try take(length))
                }
                visitor.listEnd(field)
            case .namesToEnd:
                visitor.listStart(field)
                while offset < end {
                    let nameStart = offset
                    offset = try self.skipName(message, at: offset)
                    visitor.nameElement(nameAt: nameStart, in: message)
                }
                visitor.listEnd(field)
            case .typeBitmap:
                visitor.listStart(field)
                offset = try self.walkTypeBitmap(message, from: offset, visitor: &visitor)
                visitor.listEnd(field)
            case .ednsOptions:
                visitor.listStart(field)
                offset = try self.walkEDNSOptions(message, from: offset, visitor: &visitor)
                visitor.listEnd(field)
            case .serviceParameters:
                visitor.listStart(field)
                offset = try self.walkServiceParameters(message, from: offset, visitor: &visitor)
                visitor.listEnd(field)
            case .aplItems:
                visitor.listStart(field)
                offset = try self.walkAPLItems(message, from: offset, visitor: &visitor)
                visitor.listEnd(field)
            }
        }
        guard offset == end else { throw DNSWireError(kind: .rdataLength, offset: offset) }
    }

    /// Whether the RDATA from `start` to the end of `message` is one the full ``decode`` would
    /// accept, judged quickly for the usual layouts: integers, addresses, names and
    /// character-strings that use up the RDATA exactly (or RDATA that ends where miekg lets it
    /// end early, such as an empty OPT). False means "not decided here", never "damaged": the
    /// caller then decodes in full, which accepts or names the fault. Only fields that carry
    /// no rule beyond their length are judged here, so a true answer is always the full
    /// decode's answer (checked against miekg on every corpus message and their mutations).
    @inlinable @inline(__always)
    public static func fitsExactly(
        _ fields: StaticTable<RDataField>, in message: ByteView, from start: Int
    ) -> Bool {
        let end = message.count
        var offset = start
        for field in fields {
            // miekg lets the RDATA end after any field these layouts have.
            if offset == end { return true }
            switch field.kind {
            case .uint8: offset &+= 1
            case .uint16: offset &+= 2
            case .uint32, .ipv4Address: offset &+= 4
            case .uint48: offset &+= 6
            case .uint64: offset &+= 8
            case .ipv6Address: offset &+= 16
            case .name:
                guard let after = try? DNSNameWalk.skip(message, at: offset) else { return false }
                offset = after
            case .characterString:
                // offset < end here: it is checked after every field, and equal to it returned.
                offset &+= 1 &+ Int(message.uncheckedByte(at: offset))
            case .characterStringsToEnd:
                while offset < end { offset &+= 1 &+ Int(message.uncheckedByte(at: offset)) }
            case .octetsToEnd, .hexToEnd, .base64ToEnd:
                offset = end
            default:
                return false
            }
            if offset > end { return false }
        }
        return offset == end
    }

    /// Skips a name inside RDATA; a name running past the RDATA is an RDATA length error.
    @usableFromInline static func skipName(_ message: ByteView, at offset: Int) throws(DNSWireError) -> Int {
        do {
            return try DNSNameWalk.skip(message, at: offset)
        } catch {
            throw error.kind == .truncated ? DNSWireError(kind: .rdataLength, offset: error.offset) : error
        }
    }

    /// Windows of (number, length, bits) in ascending order, each 1–32 bytes (RFC 4034 4.1.2).
    @inlinable static func walkTypeBitmap<Visitor: DNSMessageVisitor>(
        _ message: ByteView, from start: Int, visitor: inout Visitor
    ) throws(DNSWireError) -> Int {
        var offset = start
        var lastWindow = -1
        while offset < message.count {
            guard message.count - offset >= 2 else { throw DNSWireError(kind: .badTypeBitmap, offset: offset) }
            let window = Int(message[offset]), length = Int(message[offset + 1])
            guard window > lastWindow, length > 0, length <= 32, length <= message.count - offset - 2 else {
                throw DNSWireError(kind: .badTypeBitmap, offset: offset)
            }
            for index in 0..<length {
                let bits = message[offset + 2 + index]
                guard bits != 0 else { continue }
                for bit in 0..<8 where bits & (0x80 >> bit) != 0 {
                    visitor.typeElement(UInt16(window * 256 + index * 8 + bit))
                }
            }
            lastWindow = window
            offset += 2 + length
        }
        return offset
    }

    /// Options of (code, length, data) up to the end of the OPT record.
    @inlinable static func walkEDNSOptions<Visitor: DNSMessageVisitor>(
        _ message: ByteView, from start: Int, visitor: inout Visitor
    ) throws(DNSWireError) -> Int {
        var offset = start
        while offset < message.count {
            guard message.count - offset >= 4 else { throw DNSWireError(kind: .badEDNSOption, offset: offset) }
            let code: UInt16 = message.uncheckedLoadBigEndian(at: offset)
            let length = Int(message.uncheckedLoadBigEndian(at: offset + 2, as: UInt16.self))
            guard length <= message.count - offset - 4 else { throw DNSWireError(kind: .badEDNSOption, offset: offset) }
            let data = message.subview((offset + 4)..<(offset + 4 + length))
            guard let option = EDNSOption.decode(code: code, data: data) else {
                throw DNSWireError(kind: .badEDNSOption, offset: offset)
            }
            visitor.ednsOptionElement(option)
            offset += 4 + length
        }
        return offset
    }

    /// Parameters of (key, length, value) with strictly ascending keys, up to the end of the record.
    @inlinable static func walkServiceParameters<Visitor: DNSMessageVisitor>(
        _ message: ByteView, from start: Int, visitor: inout Visitor
    ) throws(DNSWireError) -> Int {
        var offset = start
        var lastKey = -1
        while offset < message.count {
            guard message.count - offset >= 4 else { throw DNSWireError(kind: .badServiceParameter, offset: offset) }
            let key: UInt16 = message.uncheckedLoadBigEndian(at: offset)
            let length = Int(message.uncheckedLoadBigEndian(at: offset + 2, as: UInt16.self))
            guard length <= message.count - offset - 4 else {
                throw DNSWireError(kind: .badServiceParameter, offset: offset)
            }
            let value = message.subview((offset + 4)..<(offset + 4 + length))
            guard let parameter = ServiceParameter.decode(key: key, value: value), Int(key) > lastKey else {
                throw DNSWireError(kind: .badServiceParameter, offset: offset)
            }
            visitor.serviceParameterElement(parameter)
            lastKey = Int(key)
            offset += 4 + length
        }
        return offset
    }

    /// Items of (family, prefix, negation and length, address) up to the end of the record.
    @inlinable static func walkAPLItems<Visitor: DNSMessageVisitor>(
        _ message: ByteView, from start: Int, visitor: inout Visitor
    ) throws(DNSWireError) -> Int {
        var offset = start
        while offset < message.count {
            guard message.count - offset >= 4 else { throw DNSWireError(kind: .rdataLength, offset: offset) }
            let family: UInt16 = message.uncheckedLoadBigEndian(at: offset)
            let prefixLength = message[offset + 2]
            let negationAndLength = message[offset + 3]
            let size: Int
            switch family {
            case 1: size = 4
            case 2: size = 16
            default: throw DNSWireError(kind: .badRdataValue, offset: offset)
            }
            let length = Int(negationAndLength & 0x7F)
            guard Int(prefixLength) <= size * 8, length <= size else {
                throw DNSWireError(kind: .badRdataValue, offset: offset)
            }
            guard length <= message.count - offset - 4 else { throw DNSWireError(kind: .rdataLength, offset: offset) }
            // RFC 3123: the address carries no trailing zero bytes.
            guard length == 0 || message[offset + 3 + length] != 0 else {
                throw DNSWireError(kind: .badRdataValue, offset: offset)
            }
            let address = IPAddressBytes(
                prefixOf: message.subview((offset + 4)..<(offset + 4 + length)), count: size)
            visitor.aplElement(
                APLItem(negation: negationAndLength & 0x80 != 0, family: family, prefixLength: prefixLength, address: address))
            offset += 4 + length
        }
        return offset
    }
}
