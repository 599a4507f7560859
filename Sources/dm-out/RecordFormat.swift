import ArgumentParser
import DMRecord

/// The line formats of dm-out, named as dnsmonster names them.
enum RecordFormat: String, CaseIterable, ExpressibleByArgument {
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

    static var allValueStrings: [String] { Self.allCases.map(\.rawValue) }
}

/// Renders DNS records in one ``RecordFormat``.
protocol RecordFormatter {
    /// A line written once before the first record of each sink (CSV's column names),
    /// newline included.
    var headerLine: [UInt8]? { get }
    /// Appends the record's line, without a newline, and returns true; returns false, having
    /// written nothing, when the format has no line for this message (CSV for a message without
    /// a question). Throws for a message miekg would refuse to unpack.
    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool
}

/// dnsmonster's JSON.
struct JSONFormatter: RecordFormatter {
    let renderer: DNSMonsterJSON
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
        return true
    }
}

/// dnsmonster's CSV, with or without its header line.
struct CSVFormatter: RecordFormatter {
    let renderer: DNSMonsterCSV
    let writesHeader: Bool
    var headerLine: [UInt8]? { self.writesHeader ? Array("\(DNSMonsterCSV.header)\n".utf8) : nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
    }
}

/// dnsmonster's OCSF DNS Activity JSON.
struct OCSFFormatter: RecordFormatter {
    let renderer = OCSFDNSActivity()
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
        return true
    }
}

/// A compiled Go template, evaluated against dnsmonster's `DNSResult`.
struct GoTemplateFormatter: RecordFormatter {
    let template: GoTemplate
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.template.append(record, to: buffer)
        return true
    }
}

/// The readable one-line text.
struct TextFormatter: RecordFormatter {
    let renderer = DNSTextLine()
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) -> Bool {
        try self.renderer.append(record, to: buffer)
        return true
    }
}
