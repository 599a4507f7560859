import DMRecord
import DNSWire

/// The line formats of dm-out, named as dnsmonster names them.
public enum RecordFormat: String, CaseIterable, Sendable {
    /// dnsmonster's JSON line (miekg/dns's message structure), byte for byte.
    case json
    /// dnsmonster's CSV, with a header line first.
    case csv
    /// dnsmonster's CSV without the header line.
    case csvNoHeader = "csv_no_header"
    /// OCSF DNS Activity (class 4003).
    case jsonOCSF = "json-ocsf"
    /// A Go text/template, as dnsmonster's `gotemplate`.
    case gotemplate
    /// One readable line per message, for people at a terminal.
    case text

    /// Every format's name, as the command line takes it.
    public static var allValueStrings: [String] { Self.allCases.map(\.rawValue) }
}

/// What the formats leave to the user: JSON's escaping, CSV's server column, the Go template.
public struct FormatOptions: Sendable {
    /// Whether JSON escapes `<`, `>` and `&` as Go's encoding/json does.
    public var escapesHTML: Bool
    /// The Server column of CSV (dnsmonster's `--serverName`).
    public var serverName: String
    /// The source of the `gotemplate` format's template.
    public var template: String

    public init(escapesHTML: Bool = false, serverName: String = "default", template: String = GoTemplate.defaultSource) {
        self.escapesHTML = escapesHTML
        self.serverName = serverName
        self.template = template
    }
}

extension RecordFormat {
    /// A new formatter of this format; each rendering thread makes its own.
    /// - Throws: ``GoTemplateError`` when the format is `gotemplate` and the template does not compile.
    public func makeFormatter(_ options: FormatOptions) throws(GoTemplateError) -> any RecordFormatter {
        switch self {
        case .json: return JSONFormatter(renderer: DNSMonsterJSON(configuration: .init(escapesHTML: options.escapesHTML)))
        case .csv, .csvNoHeader:
            return CSVFormatter(renderer: DNSMonsterCSV(serverName: options.serverName), writesHeader: self == .csv)
        case .jsonOCSF: return OCSFFormatter()
        case .gotemplate: return GoTemplateFormatter(template: try GoTemplate(options.template))
        case .text: return TextFormatter()
        }
    }
}

/// Renders DNS records in one ``RecordFormat``. A class, so that a plan holding one of each
/// calls it without copying an existential out of its array for every record.
public protocol RecordFormatter: AnyObject {
    /// A line written once before the first record of each sink (CSV's column names),
    /// newline included.
    var headerLine: [UInt8]? { get }
    /// Appends the record's line, without a newline, and returns true; returns false, having
    /// written nothing, when the format has no line for this message (CSV for a message without
    /// a question). Throws for a message miekg would refuse to unpack.
    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool
}

/// dnsmonster's JSON.
final class JSONFormatter: RecordFormatter {
    let renderer: DNSMonsterJSON
    init(renderer: DNSMonsterJSON) { self.renderer = renderer }
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
        return true
    }
}

/// dnsmonster's CSV, with or without its header line.
final class CSVFormatter: RecordFormatter {
    let renderer: DNSMonsterCSV
    let writesHeader: Bool
    init(renderer: DNSMonsterCSV, writesHeader: Bool) {
        self.renderer = renderer
        self.writesHeader = writesHeader
    }
    var headerLine: [UInt8]? { self.writesHeader ? Array("\(DNSMonsterCSV.header)\n".utf8) : nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
    }
}

/// dnsmonster's OCSF DNS Activity JSON.
final class OCSFFormatter: RecordFormatter {
    let renderer = OCSFDNSActivity()
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
        return true
    }
}

/// A compiled Go template, evaluated against dnsmonster's `DNSResult`.
final class GoTemplateFormatter: RecordFormatter {
    let template: GoTemplate
    init(template: GoTemplate) { self.template = template }
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.template.append(record, to: buffer)
        return true
    }
}

/// The readable one-line text.
final class TextFormatter: RecordFormatter {
    let renderer = DNSTextLine()
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
        return true
    }
}
