import DNSWire

/// An EDNS option as Go marshals miekg's `EDNS0_*` struct for it: the struct's fields in order,
/// `[]byte` fields as base64. `Code` is 0 in most of them because miekg's unpacking does not set
/// it; it is set for ESU (4) and for options miekg does not know (`EDNS0_LOCAL`). PADDING and EDE
/// have no `Code` field at all.
enum EDNSOptionJSON {
    /// Appends the option's JSON object.
    static func append(_ option: EDNSOption, to buffer: OutputByteBuffer, escapesHTML: Bool) {
        switch option {
        case .longLivedQuery(let version, let opcode, let error, let id, let leaseLife):
            buffer.append("{\"Code\":0,\"Version\":")
            buffer.appendDecimal(UInt64(version))
            buffer.append(",\"Opcode\":")
            buffer.appendDecimal(UInt64(opcode))
            buffer.append(",\"Error\":")
            buffer.appendDecimal(UInt64(error))
            buffer.append(",\"Id\":")
            buffer.appendDecimal(id)
            buffer.append(",\"LeaseLife\":")
            buffer.appendDecimal(UInt64(leaseLife))
        case .updateLease(let lease, let keyLease):
            buffer.append("{\"Code\":0,\"Lease\":")
            buffer.appendDecimal(UInt64(lease))
            buffer.append(",\"KeyLease\":")
            buffer.appendDecimal(UInt64(keyLease))
        case .nsid(let data):
            buffer.append("{\"Code\":0,\"Nsid\":\"")
            BinaryText.appendHex(data, to: buffer)
            buffer.append(UInt8(ascii: "\""))
        case .enumSourceURI(let data):
            buffer.append("{\"Code\":4,\"Uri\":")
            GoJSONString.append(data, to: buffer, escapesHTML: escapesHTML)
        case .algorithmsUnderstood(_, let data):
            buffer.append("{\"Code\":0,\"AlgCode\":\"")
            BinaryText.appendBase64(data, to: buffer)
            buffer.append(UInt8(ascii: "\""))
        case .clientSubnet(let family, let sourceNetmask, let sourceScope, let address, let isIPv4):
            buffer.append("{\"Code\":0,\"Family\":")
            buffer.appendDecimal(UInt64(family))
            buffer.append(",\"SourceNetmask\":")
            buffer.appendDecimal(UInt64(sourceNetmask))
            buffer.append(",\"SourceScope\":")
            buffer.appendDecimal(UInt64(sourceScope))
            buffer.append(",\"Address\":\"")
            GoIPAddressText.append(address, ipVersion: isIPv4 ? 4 : 6, to: buffer)
            buffer.append(UInt8(ascii: "\""))
        case .expire(let expire, let empty):
            buffer.append("{\"Code\":0,\"Expire\":")
            buffer.appendDecimal(UInt64(expire))
            buffer.append(empty ? ",\"Empty\":true" : ",\"Empty\":false")
        case .cookie(let data):
            buffer.append("{\"Code\":0,\"Cookie\":\"")
            BinaryText.appendHex(data, to: buffer)
            buffer.append(UInt8(ascii: "\""))
        case .tcpKeepalive(let timeout):
            buffer.append("{\"Code\":0,\"Timeout\":")
            buffer.appendDecimal(UInt64(timeout))
            buffer.append(",\"Length\":0")
        case .padding(let data):
            buffer.append("{\"Padding\":\"")
            BinaryText.appendBase64(data, to: buffer)
            buffer.append(UInt8(ascii: "\""))
        case .extendedError(let infoCode, let extraText):
            buffer.append("{\"InfoCode\":")
            buffer.appendDecimal(UInt64(infoCode))
            buffer.append(",\"ExtraText\":")
            GoJSONString.append(extraText, to: buffer, escapesHTML: escapesHTML)
        case .local(let code, let data):
            buffer.append("{\"Code\":")
            buffer.appendDecimal(UInt64(code))
            buffer.append(",\"Data\":\"")
            BinaryText.appendBase64(data, to: buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(UInt8(ascii: "}"))
    }
}
