import DMBytes
import DMRecord
import DNSWire

/// dnsmonster's `gotemplate` output: a Go text/template evaluated against its `DNSResult`
/// (`Timestamp`, `DNS` — miekg's `Msg` with `MsgHdr` fields, `Question`, `Answer`, `Ns`,
/// `Extra` — `IPVersion`, `SrcIP`, `SrcPort`, `DstIP`, `DstPort`, `Protocol`, `PacketLength`,
/// `Identity`, `Version`).
///
/// The template is compiled once (``init(_:)``, which rejects what is not supported with its
/// position); each record is then evaluated into the caller's ``OutputByteBuffer`` with no
/// parsing. Values print as Go's fmt `%v` prints them: times as `2024-05-01 12:00:00 +0000
/// UTC`, `net.IP` as text, slices as `[a b]`, structs as `{a b}`, an RR as miekg's
/// `RR.String()`, a `Question` reached through `index` or `range` as `Question.String()`
/// (`;name\tIN\t A`, as text/template does for addressable values). As in dnsmonster, an
/// execution error (an index out of range, a field the record's type lacks) makes the whole
/// output empty.
public final class GoTemplate {
    /// dnsmonster's default template.
    public static let defaultSource = "{{.}}"

    private let source: [UInt8]
    private let nodes: [GoTemplateNode]
    private let strings: [[UInt8]]
    private let index = DNSMessageIndex()
    private let scratch = OutputByteBuffer(initialCapacity: 4096)

    /// Compiles `source`; throws for syntax or constructs outside the supported subset.
    public init(_ source: String) throws(GoTemplateError) {
        self.source = Array(source.utf8)
        var parser = GoTemplateParser(source: self.source)
        self.nodes = try parser.parse()
        self.strings = parser.strings
    }

    /// Appends what the template writes for the record (no newline); empty on an execution
    /// error. Throws, having written nothing, for a message miekg would refuse to unpack.
    public func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) {
        try self.index.load(record.message)
        self.scratch.removeAll()
        let start = buffer.count
        var evaluator = Evaluator(template: self, record: record, buffer: buffer)
        do {
            try evaluator.run(self.nodes, dot: .result)
        } catch {
            buffer.truncate(to: start)
        }
    }

    // MARK: Evaluation

    fileprivate struct ExecutionError: Error {}

    fileprivate enum Value {
        case result, message, messageHeader, time
        case bool(Bool)
        case integer(Int64, GoIntegerType)
        case unsigned64(UInt64)
        case byte(UInt8)
        case literal(Int)
        case name(Int)
        case transport, identity, version
        case scratch(Range<Int>)
        case ip(source: Bool)
        case questions
        case question(Int, addressable: Bool)
        case records(DNSSection)
        case record(Int)
        case header(Int)
    }

    fileprivate struct Evaluator {
        let template: GoTemplate
        let record: DNSRecordView
        let buffer: OutputByteBuffer
        var index: DNSMessageIndex { self.template.index }
        var scratch: OutputByteBuffer { self.template.scratch }

        mutating func run(_ nodes: [GoTemplateNode], dot: Value) throws(ExecutionError) {
            for node in nodes {
                switch node {
                case .text(let range):
                    self.template.source.withByteView { self.buffer.append($0.subview(range)) }
                case .action(let pipeline):
                    self.print(try self.evaluate(pipeline, dot: dot), to: self.buffer)
                case .conditional(let condition, let then, let otherwise):
                    try self.run(try self.isTrue(try self.evaluate(condition, dot: dot)) ? then : otherwise, dot: dot)
                case .range(let over, let body, let otherwise):
                    switch try self.evaluate(over, dot: dot) {
                    case .questions:
                        if self.index.questions.isEmpty { try self.run(otherwise, dot: dot) }
                        for position in self.index.questions.indices { try self.run(body, dot: .question(position, addressable: true)) }
                    case .records(let section):
                        let records = self.index.records(in: section)
                        if records.isEmpty { try self.run(otherwise, dot: dot) }
                        for position in records.indices { try self.run(body, dot: .record(position)) }
                    default:
                        throw ExecutionError()
                    }
                }
            }
        }

        mutating func evaluate(_ pipeline: GoTemplatePipeline, dot: Value) throws(ExecutionError) -> Value {
            var piped: Value?
            for command in pipeline.commands {
                switch command {
                case .operand(let operand):
                    piped = try self.evaluate(operand, dot: dot)
                case .call(let function, let operands, _):
                    var arguments: [Value] = []
                    for operand in operands { arguments.append(try self.evaluate(operand, dot: dot)) }
                    if let piped { arguments.append(piped) }
                    piped = try self.call(function, arguments)
                }
            }
            return piped!
        }

        mutating func evaluate(_ operand: GoTemplateOperand, dot: Value) throws(ExecutionError) -> Value {
            switch operand {
            case .dot(let fields): return try self.follow(fields, from: dot)
            case .root(let fields): return try self.follow(fields, from: .result)
            case .string(let index): return .literal(index)
            case .integer(let value): return .integer(value, .int)
            case .boolean(let value): return .bool(value)
            case .pipeline(let pipeline, let fields): return try self.follow(fields, from: try self.evaluate(pipeline, dot: dot))
            }
        }

        func follow(_ fields: [GoTemplateField], from start: Value) throws(ExecutionError) -> Value {
            var value = start
            let summary = self.index.summary
            let metadata = self.record.metadata
            for field in fields {
                switch (field, value) {
                case (.timestamp, _): value = .time
                case (.dns, _): value = .message
                case (.ipVersion, _): value = .integer(Int64(metadata.ipVersion), .uint8)
                case (.sourceIP, _): value = .ip(source: true)
                case (.sourcePort, _): value = .integer(Int64(metadata.sourcePort), .uint16)
                case (.destinationIP, _): value = .ip(source: false)
                case (.destinationPort, _): value = .integer(Int64(metadata.destinationPort), .uint16)
                case (.transport, _): value = .transport
                case (.packetLength, _): value = .integer(Int64(metadata.packetLength), .uint16)
                case (.identity, _): value = .identity
                case (.version, _): value = .version
                case (.messageHeader, _): value = .messageHeader
                case (.compress, _): value = .bool(false)
                case (.question, _): value = .questions
                case (.answer, _): value = .records(.answer)
                case (.authority, _): value = .records(.authority)
                case (.additional, _): value = .records(.additional)
                case (.id, _): value = .integer(Int64(summary.id), .uint16)
                case (.response, _): value = .bool(summary.isResponse)
                case (.opcode, _): value = .integer(Int64(summary.opcode), .int)
                case (.authoritative, _): value = .bool(summary.flags & 0x0400 != 0)
                case (.truncated, _): value = .bool(summary.flags & 0x0200 != 0)
                case (.recursionDesired, _): value = .bool(summary.flags & 0x0100 != 0)
                case (.recursionAvailable, _): value = .bool(summary.flags & 0x0080 != 0)
                case (.zero, _): value = .bool(summary.flags & 0x0040 != 0)
                case (.authenticatedData, _): value = .bool(summary.flags & 0x0020 != 0)
                case (.checkingDisabled, _): value = .bool(summary.flags & 0x0010 != 0)
                case (.rcode, _): value = .integer(Int64(summary.extendedRcode), .int)
                case (.questionName, .question(let position, _)): value = .name(self.index.questions[position].nameOffset)
                case (.questionType, .question(let position, _)): value = .integer(Int64(self.index.questions[position].type), .uint16)
                case (.questionClass, .question(let position, _)): value = .integer(Int64(self.index.questions[position].class), .uint16)
                case (.header, .record(let position)): value = .header(position)
                case (.headerName, .header(let position)): value = .name(self.index.records[position].nameOffset)
                case (.headerType, .header(let position)): value = .integer(Int64(self.index.records[position].type), .uint16)
                case (.headerClass, .header(let position)): value = .integer(Int64(self.index.records[position].class), .uint16)
                case (.headerTTL, .header(let position)): value = .integer(Int64(self.index.records[position].ttl), .uint32)
                case (.headerLength, .header(let position)): value = .integer(Int64(self.index.records[position].rdataLength), .uint16)
                case (.recordData(let key), .record(let position)): value = try self.recordField(key, of: position)
                default: throw ExecutionError()
                }
            }
            return value
        }

        /// A field of the record's own type, or an execution error when its type has none.
        func recordField(_ key: String, of position: Int) throws(ExecutionError) -> Value {
            let record = self.index.records[position]
            let fields = RDataSchema.fields(of: record.type)
            guard let wanted = fields.firstIndex(where: { $0.key.description == key }) else { throw ExecutionError() }
            var capture = FieldCapture(wanted: wanted, buffer: self.scratch)
            let start = self.scratch.count
            let message = self.index.message
            let end = record.rdataStart + Int(record.rdataLength)
            try? RDataDecoder.decode(
                type: record.type, in: message.subview(0..<end), from: record.rdataStart, visitor: &capture)
            if let integer = capture.integer {
                switch fields[wanted].kind {
                case .uint8: return .integer(Int64(integer), .uint8)
                case .uint16: return .integer(Int64(integer), .uint16)
                case .uint32: return .integer(Int64(integer), .uint32)
                default: return .unsigned64(integer)
                }
            }
            if let name = capture.nameOffset { return .name(name) }
            return .scratch(start..<self.scratch.count)
        }

        mutating func call(_ function: GoTemplateFunction, _ arguments: [Value]) throws(ExecutionError) -> Value {
            switch function {
            case .len:
                switch arguments[0] {
                case .questions: return .integer(Int64(self.index.questions.count), .int)
                case .records(let section): return .integer(Int64(self.index.records(in: section).count), .int)
                case .ip: return .integer(self.record.metadata.ipVersion == 4 ? 4 : 16, .int)
                default:
                    let start = self.scratch.count
                    self.print(arguments[0], to: self.scratch)
                    defer { self.scratch.truncate(to: start) }
                    return .integer(Int64(self.scratch.count - start), .int)
                }
            case .index:
                var value = arguments[0]
                for argument in arguments.dropFirst() {
                    guard case .integer(let position, _) = argument, position >= 0 else { throw ExecutionError() }
                    switch value {
                    case .questions:
                        guard position < self.index.questions.count else { throw ExecutionError() }
                        value = .question(Int(position), addressable: true)
                    case .records(let section):
                        let records = self.index.records(in: section)
                        guard position < records.count else { throw ExecutionError() }
                        value = .record(records.startIndex + Int(position))
                    default:
                        let start = self.scratch.count
                        self.print(value, to: self.scratch)
                        guard position < self.scratch.count - start else { throw ExecutionError() }
                        value = .byte(self.scratch.bytes[start + Int(position)])
                    }
                }
                return value
            case .printf:
                guard case .literal(let formatIndex) = arguments[0] else { throw ExecutionError() }
                let start = self.scratch.count
                self.printf(self.template.strings[formatIndex], Array(arguments.dropFirst()), to: self.scratch)
                return .scratch(start..<self.scratch.count)
            }
        }

        func isTrue(_ value: Value) throws(ExecutionError) -> Bool {
            switch value {
            case .bool(let flag): return flag
            case .integer(let number, _): return number != 0
            case .unsigned64(let number): return number != 0
            case .byte(let byte): return byte != 0
            case .literal(let index): return !self.template.strings[index].isEmpty
            case .scratch(let range): return !range.isEmpty
            case .identity: return !self.record.identity.isEmpty
            case .version: return !self.record.version.isEmpty
            case .questions: return !self.index.questions.isEmpty
            case .records(let section): return !self.index.records(in: section).isEmpty
            default: return true
            }
        }

        // MARK: Printing

        /// Go's `%v`.
        func print(_ value: Value, to out: OutputByteBuffer, nested: Bool = false) {
            let metadata = self.record.metadata
            let summary = self.index.summary
            switch value {
            case .result:
                out.append(UInt8(ascii: "{"))
                self.print(.time, to: out, nested: true)
                out.append(UInt8(ascii: " "))
                self.print(.message, to: out, nested: true)
                out.append(UInt8(ascii: " "))
                out.appendDecimal(UInt64(metadata.ipVersion))
                out.append(UInt8(ascii: " "))
                self.print(.ip(source: true), to: out)
                out.append(UInt8(ascii: " "))
                out.appendDecimal(UInt64(metadata.sourcePort))
                out.append(UInt8(ascii: " "))
                self.print(.ip(source: false), to: out)
                out.append(UInt8(ascii: " "))
                out.appendDecimal(UInt64(metadata.destinationPort))
                out.append(UInt8(ascii: " "))
                self.print(.transport, to: out)
                out.append(UInt8(ascii: " "))
                out.appendDecimal(UInt64(metadata.packetLength))
                out.append(UInt8(ascii: " "))
                out.append(self.record.identity)
                out.append(UInt8(ascii: " "))
                out.append(self.record.version)
                out.append(UInt8(ascii: "}"))
            case .message:
                out.append(UInt8(ascii: "{"))
                self.print(.messageHeader, to: out, nested: true)
                out.append(" false ")
                self.print(.questions, to: out, nested: true)
                for section in [DNSSection.answer, .authority, .additional] {
                    out.append(UInt8(ascii: " "))
                    self.print(.records(section), to: out, nested: true)
                }
                out.append(UInt8(ascii: "}"))
            case .messageHeader:
                out.append(UInt8(ascii: "{"))
                out.appendDecimal(UInt64(summary.id))
                out.append(summary.isResponse ? " true " : " false ")
                out.appendDecimal(UInt64(summary.opcode))
                for bit: UInt16 in [0x0400, 0x0200, 0x0100, 0x0080, 0x0040, 0x0020, 0x0010] {
                    out.append(summary.flags & bit != 0 ? " true" : " false")
                }
                out.append(UInt8(ascii: " "))
                out.appendDecimal(UInt64(summary.extendedRcode))
                out.append(UInt8(ascii: "}"))
            case .time:
                Self.appendGoTime(metadata.timeNanoseconds, to: out)
            case .bool(let flag):
                out.append(flag ? "true" : "false")
            case .integer(let number, _):
                out.appendDecimal(Int(number))
            case .unsigned64(let number):
                out.appendDecimal(number)
            case .byte(let byte):
                out.appendDecimal(UInt64(byte))
            case .literal(let index):
                out.append(self.template.strings[index])
            case .name(let offset):
                DNSPresentationText.appendNameText(at: offset, in: self.index.message, to: out)
            case .transport:
                Self.appendTransport(metadata.transport, to: out)
            case .identity:
                out.append(self.record.identity)
            case .version:
                out.append(self.record.version)
            case .scratch(let range):
                if out === self.scratch {
                    // Copy through a temporary: the scratch buffer may move while it grows.
                    out.append(Array(self.scratch.bytes[range]))
                } else {
                    out.append(self.scratch.bytes.subview(range))
                }
            case .ip(let source):
                GoIPAddressText.append(source ? metadata.sourceAddress : metadata.destinationAddress, ipVersion: metadata.ipVersion, to: out)
            case .questions:
                out.append(UInt8(ascii: "["))
                for position in self.index.questions.indices {
                    if position > 0 { out.append(UInt8(ascii: " ")) }
                    self.print(.question(position, addressable: false), to: out, nested: true)
                }
                out.append(UInt8(ascii: "]"))
            case .question(let position, let addressable):
                let question = self.index.questions[position]
                if addressable {
                    // (*Question).String()
                    out.append(UInt8(ascii: ";"))
                    DNSPresentationText.appendNameText(at: question.nameOffset, in: self.index.message, to: out)
                    out.append(UInt8(ascii: "\t"))
                    DNSMnemonics.appendClassText(question.class, to: out)
                    out.append("\t ")
                    DNSMnemonics.appendTypeText(question.type, to: out)
                } else {
                    out.append(UInt8(ascii: "{"))
                    DNSPresentationText.appendNameText(at: question.nameOffset, in: self.index.message, to: out)
                    out.append(UInt8(ascii: " "))
                    out.appendDecimal(UInt64(question.type))
                    out.append(UInt8(ascii: " "))
                    out.appendDecimal(UInt64(question.class))
                    out.append(UInt8(ascii: "}"))
                }
            case .records(let section):
                out.append(UInt8(ascii: "["))
                var first = true
                for record in self.index.records(in: section) {
                    if !first { out.append(UInt8(ascii: " ")) }
                    first = false
                    self.index.appendPresentation(of: record, to: out)
                }
                out.append(UInt8(ascii: "]"))
            case .record(let position):
                self.index.appendPresentation(of: self.index.records[position], to: out)
            case .header(let position):
                // (*RR_Header).String()
                let record = self.index.records[position]
                if record.type == 41 { out.append(UInt8(ascii: ";")) }
                DNSPresentationText.appendNameText(at: record.nameOffset, in: self.index.message, to: out)
                out.append(UInt8(ascii: "\t"))
                out.appendDecimal(UInt64(record.ttl))
                out.append(UInt8(ascii: "\t"))
                DNSMnemonics.appendClassText(record.class, to: out)
                out.append(UInt8(ascii: "\t"))
                DNSMnemonics.appendTypeText(record.type, to: out)
                out.append(UInt8(ascii: "\t"))
            }
        }

        /// Go's `fmt.Sprintf` for the verbs `%s %d %v %q %%`.
        func printf(_ format: [UInt8], _ arguments: [Value], to out: OutputByteBuffer) {
            var next = 0
            var offset = 0
            while offset < format.count {
                let byte = format[offset]
                guard byte == UInt8(ascii: "%"), offset + 1 < format.count else {
                    out.append(byte)
                    offset += 1
                    continue
                }
                let verb = format[offset + 1]
                offset += 2
                if verb == UInt8(ascii: "%") {
                    out.append(UInt8(ascii: "%"))
                    continue
                }
                guard next < arguments.count else {
                    out.append(UInt8(ascii: "%"))
                    out.append(verb)
                    out.append("(MISSING)")
                    continue
                }
                let argument = arguments[next]
                next += 1
                switch verb {
                case UInt8(ascii: "d"):
                    switch argument {
                    case .integer, .unsigned64, .byte: self.print(argument, to: out)
                    case .ip(let source):
                        // net.IP is a []byte: %d prints its bytes.
                        let address = source ? self.record.metadata.sourceAddress : self.record.metadata.destinationAddress
                        out.append(UInt8(ascii: "["))
                        address.withBytes { raw in
                            for index in 0..<(self.record.metadata.ipVersion == 4 ? 4 : 16) {
                                if index > 0 { out.append(UInt8(ascii: " ")) }
                                out.appendDecimal(UInt64(raw[index]))
                            }
                        }
                        out.append(UInt8(ascii: "]"))
                    default: self.appendBadVerb(verb, argument, to: out)
                    }
                case UInt8(ascii: "s"):
                    switch argument {
                    case .integer, .unsigned64, .byte, .bool: self.appendBadVerb(verb, argument, to: out)
                    default: self.print(argument, to: out)
                    }
                case UInt8(ascii: "q"):
                    switch argument {
                    case .bool: self.appendBadVerb(verb, argument, to: out)
                    case .integer(let number, _): Self.appendQuotedCharacter(number, to: out)
                    case .byte(let byte): Self.appendQuotedCharacter(Int64(byte), to: out)
                    case .unsigned64(let number): Self.appendQuotedCharacter(Int64(truncatingIfNeeded: number), to: out)
                    default:
                        let start = self.scratch.count
                        self.print(argument, to: self.scratch)
                        let text = Array(self.scratch.bytes[start...])
                        self.scratch.truncate(to: start)
                        Self.appendQuoted(text, to: out)
                    }
                default:
                    self.print(argument, to: out)
                }
            }
            if next < arguments.count {
                out.append("%!(EXTRA ")
                for (position, argument) in arguments[next...].enumerated() {
                    if position > 0 { out.append(", ") }
                    self.appendTypeName(argument, to: out)
                    out.append(UInt8(ascii: "="))
                    self.print(argument, to: out)
                }
                out.append(UInt8(ascii: ")"))
            }
        }

        /// `%!v(type=value)`.
        private func appendBadVerb(_ verb: UInt8, _ argument: Value, to out: OutputByteBuffer) {
            out.append("%!")
            out.append(verb)
            out.append(UInt8(ascii: "("))
            self.appendTypeName(argument, to: out)
            out.append(UInt8(ascii: "="))
            self.print(argument, to: out)
            out.append(UInt8(ascii: ")"))
        }

        private func appendTypeName(_ argument: Value, to out: OutputByteBuffer) {
            switch argument {
            case .integer(_, let type): out.append(utf8: type.rawValue)
            case .unsigned64: out.append("uint64")
            case .byte: out.append("uint8")
            case .bool: out.append("bool")
            case .ip: out.append("net.IP")
            case .time: out.append("time.Time")
            default: out.append("string")
            }
        }

        /// strconv.Quote for ASCII text; other bytes as `\xNN`.
        static func appendQuoted(_ text: [UInt8], to out: OutputByteBuffer) {
            out.append(UInt8(ascii: "\""))
            for byte in text {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(byte)
                case 0x07: out.append("\\a")
                case 0x08: out.append("\\b")
                case 0x0C: out.append("\\f")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                case 0x0B: out.append("\\v")
                case 0x20..<0x7F: out.append(byte)
                default:
                    out.append("\\x")
                    BinaryText.appendHex(UInt64(byte), digits: 2, uppercase: false, to: out)
                }
            }
            out.append(UInt8(ascii: "\""))
        }

        /// `%q` of an integer: a single-quoted character literal.
        static func appendQuotedCharacter(_ value: Int64, to out: OutputByteBuffer) {
            out.append(UInt8(ascii: "'"))
            switch value {
            case 0x27, 0x5C:
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(value))
            case 0x20..<0x7F:
                out.append(UInt8(value))
            case 0..<0x20, 0x7F:
                out.append("\\x")
                BinaryText.appendHex(UInt64(value), digits: 2, uppercase: false, to: out)
            default:
                out.append("\\u")
                BinaryText.appendHex(UInt64(truncatingIfNeeded: value), digits: 4, uppercase: false, to: out)
            }
            out.append(UInt8(ascii: "'"))
        }

        /// `time.Time.String()` in UTC: `2024-05-01 12:34:56.789012345 +0000 UTC`.
        static func appendGoTime(_ nanoseconds: UInt64, to out: OutputByteBuffer) {
            let time = RFC3339NanoText.civil(seconds: Int64(nanoseconds / 1_000_000_000))
            out.appendDecimal(UInt64(time.year), width: 4)
            out.append(UInt8(ascii: "-"))
            out.appendDecimal(UInt64(time.month), width: 2)
            out.append(UInt8(ascii: "-"))
            out.appendDecimal(UInt64(time.day), width: 2)
            out.append(UInt8(ascii: " "))
            out.appendDecimal(UInt64(time.hour), width: 2)
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(UInt64(time.minute), width: 2)
            out.append(UInt8(ascii: ":"))
            out.appendDecimal(UInt64(time.second), width: 2)
            var fraction = nanoseconds % 1_000_000_000
            if fraction > 0 {
                var digits = 9
                while fraction % 10 == 0 {
                    fraction /= 10
                    digits -= 1
                }
                out.append(UInt8(ascii: "."))
                out.appendDecimal(fraction, width: digits)
            }
            out.append(" +0000 UTC")
        }

        static func appendTransport(_ transport: DNSTransport, to out: OutputByteBuffer) {
            switch transport {
            case .udp: out.append("udp")
            case .tcp: out.append("tcp")
            case .dot: out.append("dot")
            case .doh: out.append("doh")
            case .doq: out.append("doq")
            default: out.append(utf8: transport.description)
            }
        }
    }

    /// Captures one RDATA field of a record: its integer, its name, or its `%v` text.
    fileprivate struct FieldCapture: DNSMessageVisitor {
        let wanted: Int
        let buffer: OutputByteBuffer
        var current = -1
        var integer: UInt64?
        var nameOffset: Int?
        var inList = false
        var firstElement = true
        var capturing: Bool { self.current == self.wanted }

        private mutating func advance() { self.current += 1 }

        mutating func questionsStart(count: Int) {}
        mutating func question(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16) {}
        mutating func questionsEnd() {}
        mutating func sectionStart(_ section: DNSSection, count: Int) {}
        mutating func sectionEnd(_ section: DNSSection) {}
        mutating func recordStart(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16, ttl: UInt32, rdataLength: UInt16) {}
        mutating func recordEnd() {}
        mutating func unsignedField(_ field: RDataField, _ value: UInt64) {
            self.advance()
            if self.capturing { self.integer = value }
        }
        mutating func bytesField(_ field: RDataField, _ bytes: ByteView) {
            self.advance()
            guard self.capturing else { return }
            switch field.kind {
            case .ipv4Address, .ipv6Address: GoIPAddressText.append(bytes, to: self.buffer)
            case .characterString: DNSPresentationText.appendCharacterStringText(bytes, to: self.buffer)
            case .octetsToEnd: self.buffer.append(bytes)
            case .base64ToEnd, .base64Sized: BinaryText.appendBase64(bytes, to: self.buffer)
            case .base32Sized: BinaryText.appendBase32Hex(bytes, to: self.buffer)
            default: BinaryText.appendHex(bytes, to: self.buffer)
            }
        }
        mutating func nameField(_ field: RDataField, nameAt offset: Int, in message: ByteView) {
            self.advance()
            if self.capturing { self.nameOffset = offset }
        }
        mutating func zeroField(_ field: RDataField) {
            self.advance()
            guard self.capturing else { return }
            switch field.kind {
            case .uint8, .uint16, .uint32, .uint48, .uint64: self.integer = 0
            case .characterStringsToEnd, .typeBitmap, .namesToEnd, .ednsOptions, .serviceParameters, .aplItems: self.buffer.append("[]")
            default: break
            }
        }
        mutating func listStart(_ field: RDataField) {
            self.advance()
            if self.capturing {
                self.buffer.append(UInt8(ascii: "["))
                self.firstElement = true
            }
        }
        mutating func listEnd(_ field: RDataField) {
            if self.capturing { self.buffer.append(UInt8(ascii: "]")) }
        }
        private mutating func element() -> Bool {
            guard self.capturing else { return false }
            if !self.firstElement { self.buffer.append(UInt8(ascii: " ")) }
            self.firstElement = false
            return true
        }
        mutating func characterStringElement(_ bytes: ByteView) {
            if self.element() { DNSPresentationText.appendCharacterStringText(bytes, to: self.buffer) }
        }
        mutating func typeElement(_ type: UInt16) {
            if self.element() { self.buffer.appendDecimal(UInt64(type)) }
        }
        mutating func nameElement(nameAt offset: Int, in message: ByteView) {
            if self.element() { DNSPresentationText.appendNameText(at: offset, in: message, to: self.buffer) }
        }
        mutating func ednsOptionElement(_ option: EDNSOption) {
            if self.element() { EDNSOptionText.append(option, to: self.buffer) }
        }
        mutating func serviceParameterElement(_ parameter: ServiceParameter) {
            if self.element() { ServiceParameterText.append(parameter, to: self.buffer) }
        }
        mutating func aplElement(_ item: APLItem) {
            _ = self.element()
        }
    }
}
