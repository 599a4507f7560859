import DMBytes
import DNSWire

/// An SVCB/HTTPS parameter as miekg/dns's `SVCB.String()` prints it: `key="value"`, the key's
/// name (`alpn`, `port`, … or `keyN`) and each `SVCB*` type's `String()` for the value.
enum ServiceParameterText {
    /// Appends `key="value"`.
    static func append(_ parameter: ServiceParameter, to buffer: OutputByteBuffer) {
        switch parameter {
        case .mandatory(let keys):
            buffer.append("mandatory=\"")
            for start in stride(from: 0, to: keys.count, by: 2) {
                if start > 0 { buffer.append(UInt8(ascii: ",")) }
                self.appendKeyName(keys.uncheckedLoadBigEndian(at: start, as: UInt16.self), to: buffer)
            }
        case .alpn(let value):
            buffer.append("alpn=\"")
            var first = true
            ServiceParameter.forEachProtocolID(in: value) { id in
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                for byte in id {
                    switch byte {
                    case 0..<0x20, 0x7F...:
                        buffer.write(reserving: 4) { DNSPresentationText.storeDecimalEscape(byte, into: $0, at: 0) }
                    case UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: " "):
                        buffer.append(UInt8(ascii: "\\"))
                        buffer.append(byte)
                    case UInt8(ascii: ","):
                        buffer.append("\\\\\\044")
                    case UInt8(ascii: "\\"):
                        buffer.append("\\\\\\092")
                    default:
                        buffer.append(byte)
                    }
                }
            }
        case .noDefaultALPN:
            buffer.append("no-default-alpn=\"")
        case .port(let port):
            buffer.append("port=\"")
            buffer.appendDecimal(UInt64(port))
        case .ipv4Hint(let addresses):
            buffer.append("ipv4hint=\"")
            self.appendAddresses(addresses, size: 4, to: buffer)
        case .ech(let data):
            buffer.append("ech=\"")
            BinaryText.appendBase64(data, to: buffer)
        case .ipv6Hint(let addresses):
            buffer.append("ipv6hint=\"")
            self.appendAddresses(addresses, size: 16, to: buffer)
        case .dohPath(let template):
            buffer.append("dohpath=\"")
            self.appendParameterText(template, to: buffer)
        case .local(let key, let data):
            self.appendKeyName(key, to: buffer)
            buffer.append("=\"")
            self.appendParameterText(data, to: buffer)
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// `SVCBKey.String()`.
    static func appendKeyName(_ key: UInt16, to buffer: OutputByteBuffer) {
        switch key {
        case 0: buffer.append("mandatory")
        case 1: buffer.append("alpn")
        case 2: buffer.append("no-default-alpn")
        case 3: buffer.append("port")
        case 4: buffer.append("ipv4hint")
        case 5: buffer.append("ech")
        case 6: buffer.append("ipv6hint")
        case 7: buffer.append("dohpath")
        case 65535: break
        default:
            buffer.append("key")
            buffer.appendDecimal(UInt64(key))
        }
    }

    private static func appendAddresses(_ addresses: ByteView, size: Int, to buffer: OutputByteBuffer) {
        for start in stride(from: 0, to: addresses.count, by: size) {
            if start > 0 { buffer.append(UInt8(ascii: ",")) }
            GoIPAddressText.append(addresses.subview(start..<(start + size)), to: buffer)
        }
    }

    /// miekg's `svcbParamToStr`: `" ; space \` after a backslash, unprintable bytes as `\DDD`.
    private static func appendParameterText(_ bytes: ByteView, to buffer: OutputByteBuffer) {
        for byte in bytes {
            switch byte {
            case 0..<0x20, 0x7F...:
                buffer.write(reserving: 4) { DNSPresentationText.storeDecimalEscape(byte, into: $0, at: 0) }
            case UInt8(ascii: "\""), UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\\"):
                buffer.append(UInt8(ascii: "\\"))
                buffer.append(byte)
            default:
                buffer.append(byte)
            }
        }
    }
}
