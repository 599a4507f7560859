import DMBytes
import DNSWire

/// An SVCB/HTTPS parameter as Go marshals miekg's `SVCB*` struct for it: `{"Alpn":[…]}`,
/// `{"Port":443}`, `{"Hint":[…]}`, … `[]byte` fields are base64, or `null` when miekg's copy of
/// an empty value is a nil slice (ech and unknown keys).
enum ServiceParameterJSON {
    /// Appends the parameter's JSON object.
    static func append(_ parameter: ServiceParameter, to buffer: OutputByteBuffer, escapesHTML: Bool) {
        switch parameter {
        case .mandatory(let keys):
            buffer.append("{\"Code\":[")
            for start in stride(from: 0, to: keys.count, by: 2) {
                if start > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.appendDecimal(UInt64(keys.uncheckedLoadBigEndian(at: start, as: UInt16.self)))
            }
            buffer.append("]}")
        case .alpn(let value):
            buffer.append("{\"Alpn\":[")
            var first = true
            ServiceParameter.forEachProtocolID(in: value) { id in
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                GoJSONString.append(id, to: buffer, escapesHTML: escapesHTML)
            }
            buffer.append("]}")
        case .noDefaultALPN:
            buffer.append("{}")
        case .port(let port):
            buffer.append("{\"Port\":")
            buffer.appendDecimal(UInt64(port))
            buffer.append(UInt8(ascii: "}"))
        case .ipv4Hint(let addresses):
            self.appendHints(addresses, size: 4, to: buffer)
        case .ech(let data):
            buffer.append("{\"ECH\":")
            self.appendBytesOrNull(data, to: buffer)
            buffer.append(UInt8(ascii: "}"))
        case .ipv6Hint(let addresses):
            self.appendHints(addresses, size: 16, to: buffer)
        case .dohPath(let template):
            buffer.append("{\"Template\":")
            GoJSONString.append(template, to: buffer, escapesHTML: escapesHTML)
            buffer.append(UInt8(ascii: "}"))
        case .local(let key, let data):
            buffer.append("{\"KeyCode\":")
            buffer.appendDecimal(UInt64(key))
            buffer.append(",\"Data\":")
            self.appendBytesOrNull(data, to: buffer)
            buffer.append(UInt8(ascii: "}"))
        }
    }

    private static func appendHints(_ addresses: ByteView, size: Int, to buffer: OutputByteBuffer) {
        buffer.append("{\"Hint\":[")
        for start in stride(from: 0, to: addresses.count, by: size) {
            buffer.append(start == 0 ? "\"" : ",\"")
            GoIPAddressText.append(addresses.subview(start..<(start + size)), to: buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append("]}")
    }

    private static func appendBytesOrNull(_ data: ByteView, to buffer: OutputByteBuffer) {
        guard !data.isEmpty else { return buffer.append("null") }
        buffer.append(UInt8(ascii: "\""))
        BinaryText.appendBase64(data, to: buffer)
        buffer.append(UInt8(ascii: "\""))
    }
}
