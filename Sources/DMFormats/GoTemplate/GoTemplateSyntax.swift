import DNSWire

/// The parsed form of a Go text/template (the subset dm-out supports): text, actions,
/// `if`/`else`, `range`/`else`, pipelines of commands with `|`, field chains on `.`, `$` and
/// parenthesised pipelines, the functions `index`, `len`, `printf`, and string, number and
/// boolean constants. Each node carries its static type (what `.` is where it runs), checked
/// when the template is compiled, so evaluation never meets an unknown field.
indirect enum GoTemplateNode {
    /// Bytes of the template source copied as they are.
    case text(Range<Int>)
    /// `{{pipeline}}`: the value printed as Go's fmt `%v` would.
    case action(GoTemplatePipeline)
    /// `{{if pipeline}}…{{else}}…{{end}}` (`else if` nests another `if` in the else branch).
    case conditional(GoTemplatePipeline, then: [GoTemplateNode], otherwise: [GoTemplateNode])
    /// `{{range pipeline}}…{{else}}…{{end}}`: `.` is each element in turn.
    case range(GoTemplatePipeline, body: [GoTemplateNode], otherwise: [GoTemplateNode])
}

/// Commands joined by `|`: each command's value is the last argument of the next.
struct GoTemplatePipeline {
    var commands: [GoTemplateCommand]
    /// Where the pipeline starts in the source, for error messages.
    var position: Int
}

/// One command: an operand, or a function call with arguments.
enum GoTemplateCommand {
    case operand(GoTemplateOperand)
    case call(GoTemplateFunction, [GoTemplateOperand], position: Int)
}

/// The built-in functions supported.
enum GoTemplateFunction: String {
    case index, len, printf
}

/// A value in an action: `.`, `$`, a constant or a parenthesised pipeline, followed by fields.
indirect enum GoTemplateOperand {
    case dot(fields: [GoTemplateField])
    case root(fields: [GoTemplateField])
    case string(Int)
    case integer(Int64)
    case boolean(Bool)
    case pipeline(GoTemplatePipeline, fields: [GoTemplateField])
}

/// The static types of the values a template can reach in dnsmonster's `DNSResult`.
enum GoTemplateType: Equatable {
    case result, message, messageHeader, time, ip, string, bool, integer(GoIntegerType)
    case questions, question, records, record, recordHeader
    /// A field of a record's own type (`.A`, `.Target`): known only when a record is at hand.
    case recordData
    case byte
}

/// Go's integer types as `%!d(uint16=…)`-style messages name them.
enum GoIntegerType: String {
    case int, uint8, uint16, uint32
}

/// A field step with its resolved meaning.
enum GoTemplateField {
    // DNSResult
    case timestamp, dns, ipVersion, sourceIP, sourcePort, destinationIP, destinationPort, transport, packetLength
    case identity, version
    // Msg and its embedded MsgHdr
    case messageHeader, compress, question, answer, authority, additional
    case id, response, opcode, authoritative, truncated, recursionDesired, recursionAvailable, zero, authenticatedData
    case checkingDisabled, rcode
    // Question
    case questionName, questionType, questionClass
    // RR
    case header, recordData(key: String)
    // RR_Header
    case headerName, headerType, headerClass, headerTTL, headerLength

    /// The field called `name` of a value of `type`, and the field's type; nil when there is none.
    static func resolve(_ name: String, on type: GoTemplateType) -> (GoTemplateField, GoTemplateType)? {
        switch type {
        case .result:
            switch name {
            case "Timestamp": return (.timestamp, .time)
            case "DNS": return (.dns, .message)
            case "IPVersion": return (.ipVersion, .integer(.uint8))
            case "SrcIP": return (.sourceIP, .ip)
            case "SrcPort": return (.sourcePort, .integer(.uint16))
            case "DstIP": return (.destinationIP, .ip)
            case "DstPort": return (.destinationPort, .integer(.uint16))
            case "Protocol": return (.transport, .string)
            case "PacketLength": return (.packetLength, .integer(.uint16))
            case "Identity": return (.identity, .string)
            case "Version": return (.version, .string)
            default: return nil
            }
        case .message, .messageHeader:
            switch name {
            case "MsgHdr" where type == .message: return (.messageHeader, .messageHeader)
            case "Compress" where type == .message: return (.compress, .bool)
            case "Question" where type == .message: return (.question, .questions)
            case "Answer" where type == .message: return (.answer, .records)
            case "Ns" where type == .message: return (.authority, .records)
            case "Extra" where type == .message: return (.additional, .records)
            case "Id": return (.id, .integer(.uint16))
            case "Response": return (.response, .bool)
            case "Opcode": return (.opcode, .integer(.int))
            case "Authoritative": return (.authoritative, .bool)
            case "Truncated": return (.truncated, .bool)
            case "RecursionDesired": return (.recursionDesired, .bool)
            case "RecursionAvailable": return (.recursionAvailable, .bool)
            case "Zero": return (.zero, .bool)
            case "AuthenticatedData": return (.authenticatedData, .bool)
            case "CheckingDisabled": return (.checkingDisabled, .bool)
            case "Rcode": return (.rcode, .integer(.int))
            default: return nil
            }
        case .question:
            switch name {
            case "Name": return (.questionName, .string)
            case "Qtype": return (.questionType, .integer(.uint16))
            case "Qclass": return (.questionClass, .integer(.uint16))
            default: return nil
            }
        case .record:
            if name == "Hdr" { return (.header, .recordHeader) }
            return GoTemplateField.recordDataKeys.contains(name) ? (.recordData(key: name), .recordData) : nil
        case .recordHeader:
            switch name {
            case "Name": return (.headerName, .string)
            case "Rrtype": return (.headerType, .integer(.uint16))
            case "Class": return (.headerClass, .integer(.uint16))
            case "Ttl": return (.headerTTL, .integer(.uint32))
            case "Rdlength": return (.headerLength, .integer(.uint16))
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Every field name some record type has (``RDataSchema``'s keys).
    static let recordDataKeys: Set<String> = {
        var keys = Set<String>()
        for type in Array(0...300) + [32768, 32769] {
            for field in RDataSchema.fields(of: UInt16(type)) { keys.insert(field.key.description) }
        }
        return keys
    }()
}

/// A template that cannot be compiled: what and where (1-based line and column of the source).
public struct GoTemplateError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var line: Int
    public var column: Int

    public var description: String { "\(self.message) at line \(self.line), column \(self.column)" }
}
