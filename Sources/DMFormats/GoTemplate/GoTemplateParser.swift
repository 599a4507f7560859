/// Compiles Go text/template source into ``GoTemplateNode``s, checking every field against the
/// types of dnsmonster's `DNSResult` as it goes. Anything outside the supported subset — `with`,
/// `define`, `template`, `block`, variables other than `$`, functions other than `index`, `len`
/// and `printf`, printf verbs other than `%s %d %v %q %%` — is an error naming the construct and
/// its line and column.
struct GoTemplateParser {
    private let source: [UInt8]
    private var position = 0
    /// String constants, referred to by index.
    private(set) var strings: [[UInt8]] = []
    /// Whether the last action ended with ` -}}`, trimming the whitespace after it.
    private var trimNextText = false

    init(source: [UInt8]) {
        self.source = source
    }

    /// The whole template: nodes evaluated with `.` the `DNSResult`.
    mutating func parse() throws(GoTemplateError) -> [GoTemplateNode] {
        let (nodes, end) = try self.parseList(dot: .result)
        if let end { throw self.error("unexpected {{\(end.keyword)}}", at: end.position) }
        return nodes
    }

    // MARK: Lists and actions

    private struct Terminator {
        var keyword: String
        var position: Int
        /// The rest of an `{{else if …}}` action's tokens.
        var tokens: [Token] = []
    }

    /// Nodes up to `{{end}}`/`{{else}}` (returned as the terminator) or the end of the source (nil).
    private mutating func parseList(dot: GoTemplateType) throws(GoTemplateError) -> ([GoTemplateNode], Terminator?) {
        var nodes: [GoTemplateNode] = []
        while self.position < self.source.count {
            let open = self.find("{{", from: self.position) ?? self.source.count
            var textStart = self.position
            var textEnd = open
            if self.trimNextText {
                while textStart < textEnd && Self.isSpace(self.source[textStart]) { textStart += 1 }
                self.trimNextText = false
            }
            let trimsLeft = open + 3 < self.source.count && self.source[open + 2] == UInt8(ascii: "-")
                && Self.isSpace(self.source[open + 3])
            if trimsLeft {
                while textEnd > textStart && Self.isSpace(self.source[textEnd - 1]) { textEnd -= 1 }
            }
            if textEnd > textStart { nodes.append(.text(textStart..<textEnd)) }
            guard open < self.source.count else {
                self.position = open
                break
            }
            self.position = open + (trimsLeft ? 4 : 2)
            let actionStart = open
            var tokens = try self.lexAction(startingAt: actionStart)
            guard let first = tokens.first else { continue }  // a comment
            if case .identifier(let word) = first.kind {
                switch word {
                case "end", "else":
                    tokens.removeFirst()
                    if word == "end" && !tokens.isEmpty { throw self.error("unexpected \(tokens[0].text) in end", at: tokens[0].position) }
                    return (nodes, Terminator(keyword: word, position: first.position, tokens: tokens))
                case "if":
                    tokens.removeFirst()
                    nodes.append(try self.parseConditional(tokens, at: first.position, dot: dot))
                    continue
                case "range":
                    tokens.removeFirst()
                    nodes.append(try self.parseRange(tokens, at: first.position, dot: dot))
                    continue
                case "with", "define", "template", "block", "break", "continue":
                    throw self.error("{{\(word)}} is not supported", at: first.position)
                default:
                    break
                }
            }
            var stream = TokenStream(tokens: tokens)
            let (pipeline, _) = try self.parsePipeline(&stream, dot: dot, at: first.position)
            nodes.append(.action(pipeline))
        }
        return (nodes, nil)
    }

    private mutating func parseConditional(_ tokens: [Token], at position: Int, dot: GoTemplateType) throws(GoTemplateError) -> GoTemplateNode {
        var stream = TokenStream(tokens: tokens)
        guard !tokens.isEmpty else { throw self.error("missing value for if", at: position) }
        let (condition, _) = try self.parsePipeline(&stream, dot: dot, at: position)
        let (then, end) = try self.parseList(dot: dot)
        guard let end else { throw self.error("unexpected EOF: {{if}} has no {{end}}", at: position) }
        if end.keyword == "end" { return .conditional(condition, then: then, otherwise: []) }
        if let first = end.tokens.first {
            // {{else if …}}: an if nested in the else branch that shares the {{end}}.
            guard case .identifier("if") = first.kind else { throw self.error("unexpected \(first.text) after else", at: first.position) }
            let nested = try self.parseConditional(Array(end.tokens.dropFirst()), at: first.position, dot: dot)
            return .conditional(condition, then: then, otherwise: [nested])
        }
        let (otherwise, close) = try self.parseList(dot: dot)
        guard let close, close.keyword == "end" else { throw self.error("expected {{end}} for {{if}}", at: close?.position ?? position) }
        return .conditional(condition, then: then, otherwise: otherwise)
    }

    private mutating func parseRange(_ tokens: [Token], at position: Int, dot: GoTemplateType) throws(GoTemplateError) -> GoTemplateNode {
        guard !tokens.isEmpty else { throw self.error("missing value for range", at: position) }
        if tokens.contains(where: { if case .declare = $0.kind { return true } else { return false } }) {
            throw self.error("range variables are not supported", at: position)
        }
        var stream = TokenStream(tokens: tokens)
        let (over, type) = try self.parsePipeline(&stream, dot: dot, at: position)
        let element: GoTemplateType
        switch type {
        case .questions: element = .question
        case .records: element = .record
        default: throw self.error("range can't iterate over \(Self.describe(type))", at: position)
        }
        let (body, end) = try self.parseList(dot: element)
        guard let end else { throw self.error("unexpected EOF: {{range}} has no {{end}}", at: position) }
        if end.keyword == "end" { return .range(over, body: body, otherwise: []) }
        if let first = end.tokens.first { throw self.error("unexpected \(first.text) after else in range", at: first.position) }
        let (otherwise, close) = try self.parseList(dot: dot)
        guard let close, close.keyword == "end" else { throw self.error("expected {{end}} for {{range}}", at: close?.position ?? position) }
        return .range(over, body: body, otherwise: otherwise)
    }

    // MARK: Pipelines

    private struct TokenStream {
        var tokens: [Token]
        var index = 0
        var peek: Token? { self.index < self.tokens.count ? self.tokens[self.index] : nil }
        mutating func next() -> Token? {
            defer { self.index += 1 }
            return self.peek
        }
    }

    /// Commands separated by `|` up to the end of the stream or a `)`.
    private mutating func parsePipeline(_ stream: inout TokenStream, dot: GoTemplateType, at position: Int) throws(GoTemplateError) -> (GoTemplatePipeline, GoTemplateType) {
        var commands: [GoTemplateCommand] = []
        var piped: GoTemplateType?
        while true {
            let (command, type) = try self.parseCommand(&stream, dot: dot, piped: piped, at: stream.peek?.position ?? position)
            commands.append(command)
            piped = type
            guard let next = stream.peek else { break }
            if case .pipe = next.kind {
                _ = stream.next()
                continue
            }
            break
        }
        return (GoTemplatePipeline(commands: commands, position: position), piped!)
    }

    private mutating func parseCommand(_ stream: inout TokenStream, dot: GoTemplateType, piped: GoTemplateType?, at position: Int) throws(GoTemplateError) -> (GoTemplateCommand, GoTemplateType) {
        guard let first = stream.peek else { throw self.error("missing value in command", at: position) }
        if case .identifier(let name) = first.kind {
            _ = stream.next()
            guard let function = GoTemplateFunction(rawValue: name) else {
                if ["if", "else", "end", "range", "with", "define", "template", "block"].contains(name) {
                    throw self.error("unexpected {{\(name)}} inside an action", at: first.position)
                }
                throw self.error("function \"\(name)\" is not supported (only index, len and printf)", at: first.position)
            }
            var arguments: [(GoTemplateOperand, GoTemplateType, Int)] = []
            while let token = stream.peek, !token.endsCommand {
                arguments.append(try self.parseOperand(&stream, dot: dot))
            }
            return (try self.checkCall(function, arguments, piped: piped, at: first.position), try self.resultType(function, arguments, piped: piped, at: first.position))
        }
        let (operand, type, _) = try self.parseOperand(&stream, dot: dot)
        if let token = stream.peek, !token.endsCommand {
            throw self.error("can't give argument to non-function \(first.text)", at: token.position)
        }
        if piped != nil { throw self.error("can't pipe a value into a non-function \(first.text)", at: first.position) }
        return (.operand(operand), type)
    }

    private func checkCall(_ function: GoTemplateFunction, _ arguments: [(GoTemplateOperand, GoTemplateType, Int)], piped: GoTemplateType?, at position: Int) throws(GoTemplateError) -> GoTemplateCommand {
        if function == .printf {
            guard let format = arguments.first, case .string(let index) = format.0 else {
                throw self.error("printf needs a string constant as its format", at: position)
            }
            let bytes = self.strings[index]
            var offset = 0
            while offset < bytes.count {
                if bytes[offset] == UInt8(ascii: "%") {
                    guard offset + 1 < bytes.count, "sdvq%".utf8.contains(bytes[offset + 1]) else {
                        let verb = offset + 1 < bytes.count ? String(decoding: [bytes[offset + 1]], as: UTF8.self) : ""
                        throw self.error("printf verb %\(verb) is not supported (only %s %d %v %q %%)", at: format.2)
                    }
                    offset += 2
                } else {
                    offset += 1
                }
            }
        }
        return .call(function, arguments.map(\.0), position: position)
    }

    private func resultType(_ function: GoTemplateFunction, _ arguments: [(GoTemplateOperand, GoTemplateType, Int)], piped: GoTemplateType?, at position: Int) throws(GoTemplateError) -> GoTemplateType {
        let types = arguments.map(\.1) + (piped.map { [$0] } ?? [])
        switch function {
        case .printf:
            return .string
        case .len:
            guard types.count == 1 else { throw self.error("wrong number of args for len: want 1 got \(types.count)", at: position) }
            switch types[0] {
            case .questions, .records, .string, .ip, .recordData: return .integer(.int)
            default: throw self.error("len of \(Self.describe(types[0]))", at: position)
            }
        case .index:
            guard types.count >= 2 else { throw self.error("wrong number of args for index: want at least 2 got \(types.count)", at: position) }
            var type = types[0]
            for index in types.dropFirst() {
                guard case .integer = index else { throw self.error("cannot index with \(Self.describe(index))", at: position) }
                switch type {
                case .questions: type = .question
                case .records: type = .record
                case .string, .ip: type = .byte
                case .recordData: type = .recordData
                default: throw self.error("can't index item of \(Self.describe(type))", at: position)
                }
            }
            return type
        }
    }

    /// A term and the fields after it.
    private mutating func parseOperand(_ stream: inout TokenStream, dot: GoTemplateType) throws(GoTemplateError) -> (GoTemplateOperand, GoTemplateType, Int) {
        guard let token = stream.next() else { throw self.error("missing value", at: self.position) }
        var fields: [GoTemplateField] = []
        var type: GoTemplateType
        /// Field tokens glued to the term.
        func takeFields(_ start: GoTemplateType, _ stream: inout TokenStream, includingFirst first: String? = nil, at position: Int) throws(GoTemplateError) -> GoTemplateType {
            var type = start
            var names: [(String, Int)] = first.map { [($0, position)] } ?? []
            while let next = stream.peek, case .field(let name) = next.kind, next.glued {
                names.append((name, next.position))
                _ = stream.next()
            }
            for (name, position) in names {
                guard let (field, fieldType) = GoTemplateField.resolve(name, on: type) else {
                    throw self.error("can't evaluate field \(name) in type \(Self.describe(type))", at: position)
                }
                fields.append(field)
                type = fieldType
            }
            return type
        }
        switch token.kind {
        case .dot:
            type = try takeFields(dot, &stream, at: token.position)
            return (.dot(fields: fields), type, token.position)
        case .field(let name):
            type = try takeFields(dot, &stream, includingFirst: name, at: token.position)
            return (.dot(fields: fields), type, token.position)
        case .variable(let name):
            guard name == "$" else { throw self.error("variable \(name) is not supported (only $)", at: token.position) }
            type = try takeFields(.result, &stream, at: token.position)
            return (.root(fields: fields), type, token.position)
        case .string(let bytes):
            self.strings.append(bytes)
            return (.string(self.strings.count - 1), .string, token.position)
        case .number(let value):
            return (.integer(value), .integer(.int), token.position)
        case .boolean(let value):
            return (.boolean(value), .bool, token.position)
        case .leftParen:
            let (pipeline, inner) = try self.parsePipeline(&stream, dot: dot, at: token.position)
            guard let close = stream.next(), case .rightParen = close.kind else {
                throw self.error("unclosed left paren", at: token.position)
            }
            type = try takeFields(inner, &stream, at: close.position)
            return (.pipeline(pipeline, fields: fields), type, token.position)
        default:
            throw self.error("unexpected \(token.text) in operand", at: token.position)
        }
    }

    // MARK: Lexing

    private struct Token {
        enum Kind {
            case dot, field(String), variable(String), identifier(String), string([UInt8]), number(Int64), boolean(Bool)
            case leftParen, rightParen, pipe, declare
        }
        var kind: Kind
        var position: Int
        var text: String
        /// No space between this token and the one before it.
        var glued: Bool
        var endsCommand: Bool {
            switch self.kind {
            case .pipe, .rightParen: return true
            default: return false
            }
        }
    }

    /// The tokens of one action up to its `}}` (which it consumes, with a ` -}}` trim marker).
    private mutating func lexAction(startingAt actionStart: Int) throws(GoTemplateError) -> [Token] {
        var tokens: [Token] = []
        var glued = false
        while true {
            var sawSpace = false
            while self.position < self.source.count && Self.isSpace(self.source[self.position]) {
                self.position += 1
                sawSpace = true
            }
            guard self.position < self.source.count else { throw self.error("unclosed action", at: actionStart) }
            let start = self.position
            let byte = self.source[start]
            if sawSpace && byte == UInt8(ascii: "-") && self.hasPrefix("-}}", at: start) {
                self.position = start + 3
                self.trimNextText = true
                return tokens
            }
            if self.hasPrefix("}}", at: start) {
                self.position = start + 2
                return tokens
            }
            if tokens.isEmpty && self.hasPrefix("/*", at: start) {
                guard let close = self.find("*/", from: start + 2) else { throw self.error("unclosed comment", at: start) }
                self.position = close + 2
                continue
            }
            glued = !sawSpace && !tokens.isEmpty
            func add(_ kind: Token.Kind, _ end: Int) {
                tokens.append(Token(kind: kind, position: start, text: String(decoding: self.source[start..<end], as: UTF8.self), glued: glued))
                self.position = end
            }
            switch byte {
            case UInt8(ascii: "."):
                var end = start + 1
                while end < self.source.count && Self.isWordByte(self.source[end]) { end += 1 }
                if end == start + 1 {
                    add(.dot, end)
                } else {
                    add(.field(String(decoding: self.source[(start + 1)..<end], as: UTF8.self)), end)
                }
            case UInt8(ascii: "$"):
                var end = start + 1
                while end < self.source.count && Self.isWordByte(self.source[end]) { end += 1 }
                add(.variable(String(decoding: self.source[start..<end], as: UTF8.self)), end)
            case UInt8(ascii: "("): add(.leftParen, start + 1)
            case UInt8(ascii: ")"): add(.rightParen, start + 1)
            case UInt8(ascii: "|"): add(.pipe, start + 1)
            case UInt8(ascii: ":"), UInt8(ascii: "="):
                throw self.error("variable declarations and assignments are not supported", at: start)
            case UInt8(ascii: "\""):
                var end = start + 1
                var bytes: [UInt8] = []
                while true {
                    guard end < self.source.count, self.source[end] != UInt8(ascii: "\n") else { throw self.error("unterminated quoted string", at: start) }
                    let c = self.source[end]
                    if c == UInt8(ascii: "\"") { break }
                    if c == UInt8(ascii: "\\") {
                        guard end + 1 < self.source.count else { throw self.error("unterminated quoted string", at: start) }
                        switch self.source[end + 1] {
                        case UInt8(ascii: "n"): bytes.append(0x0A)
                        case UInt8(ascii: "t"): bytes.append(0x09)
                        case UInt8(ascii: "r"): bytes.append(0x0D)
                        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                        default: throw self.error("unsupported escape in string (only \\n \\t \\r \\\\ \\\")", at: end)
                        }
                        end += 2
                    } else {
                        bytes.append(c)
                        end += 1
                    }
                }
                add(.string(bytes), end + 1)
            case UInt8(ascii: "`"):
                guard let close = self.source[(start + 1)...].firstIndex(of: UInt8(ascii: "`")) else {
                    throw self.error("unterminated raw quoted string", at: start)
                }
                add(.string(Array(self.source[(start + 1)..<close])), close + 1)
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                var end = start + 1
                while end < self.source.count && Self.isWordByte(self.source[end]) { end += 1 }
                let text = String(decoding: self.source[start..<end], as: UTF8.self)
                guard let value = Int64(text) else { throw self.error("bad number syntax: \(text) (only decimal integers)", at: start) }
                add(.number(value), end)
            default:
                guard Self.isWordByte(byte) else {
                    throw self.error("unexpected \"\(String(decoding: [byte], as: UTF8.self))\" in action", at: start)
                }
                var end = start + 1
                while end < self.source.count && Self.isWordByte(self.source[end]) { end += 1 }
                let word = String(decoding: self.source[start..<end], as: UTF8.self)
                switch word {
                case "true": add(.boolean(true), end)
                case "false": add(.boolean(false), end)
                case "nil": throw self.error("nil is not a command", at: start)
                default: add(.identifier(word), end)
                }
            }
        }
    }

    // MARK: Helpers

    private func find(_ needle: StaticString, from start: Int) -> Int? {
        var index = start
        while index + needle.utf8CodeUnitCount <= self.source.count {
            if self.hasPrefix(needle, at: index) { return index }
            index += 1
        }
        return nil
    }

    private func hasPrefix(_ prefix: StaticString, at index: Int) -> Bool {
        let count = prefix.utf8CodeUnitCount
        guard index + count <= self.source.count else { return false }
        for offset in 0..<count where self.source[index + offset] != prefix.utf8Start[offset] { return false }
        return true
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    static func describe(_ type: GoTemplateType) -> String {
        switch type {
        case .result: "util.DNSResult"
        case .message: "dns.Msg"
        case .messageHeader: "dns.MsgHdr"
        case .time: "time.Time"
        case .ip: "net.IP"
        case .string: "string"
        case .bool: "bool"
        case .integer(let integer): integer.rawValue
        case .questions: "[]dns.Question"
        case .question: "dns.Question"
        case .records: "[]dns.RR"
        case .record: "dns.RR"
        case .recordHeader: "dns.RR_Header"
        case .recordData: "an RR field"
        case .byte: "uint8"
        }
    }

    /// An error at byte `offset` of the source, with its line and column.
    private func error(_ message: String, at offset: Int) -> GoTemplateError {
        var line = 1, column = 1
        for byte in self.source[..<min(offset, self.source.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return GoTemplateError(message: message, line: line, column: column)
    }
}
