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
    /// Appends the record's line, without a newline.
    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError)
}

/// dnsmonster's JSON.
struct JSONFormatter: RecordFormatter {
    let renderer: DNSMonsterJSON
    var headerLine: [UInt8]? { nil }

    func append(_ record: DNSRecordView, to buffer: OutputByteBuffer) throws(DNSWireError) {
        try self.renderer.append(record, to: buffer)
    }
}
