import DMBytes

/// Reads dnsmonster's domain-list CSV into a ``DomainList``.
///
/// One entry per line, `name,kind` with kind `prefix`, `suffix` or `fqdn`, as dnsmonster's
/// `--skipDomainsFile`/`--allowDomainsFile`. Like dnsmonster: the line is lowercased; a line
/// that does not split into exactly two fields on `,` is taken whole as an fqdn; an unknown
/// kind means fqdn. Unlike dnsmonster: blank lines and lines starting with `#` are skipped,
/// spaces and tabs around the fields are trimmed, a trailing `\r` is dropped, names are made
/// absolute (a trailing dot added), one leading dot of a suffix entry is dropped
/// (`.example.com,suffix` = `example.com,suffix`, label-aware suffixes already mean "this
/// name and below"), and a name that is not a valid DNS name (an empty label, a label over
/// 63 bytes, over 255 bytes in all) is ignored and counted.
public enum DomainListParser {
    /// What a parse found besides the list.
    public struct Report: Hashable, Sendable {
        /// Lines read (blank and comment lines included).
        public var lines = 0
        /// Entries added.
        public var entries = 0
        /// Lines whose name is not a valid DNS name, ignored.
        public var invalidLines = 0
        /// Lines with a kind other than prefix/suffix/fqdn, taken as fqdn (as dnsmonster does).
        public var unknownKinds = 0
        /// The first invalid line: its number (from 1) and text.
        public var firstInvalid: (line: Int, text: String)? { self.firstInvalidLine.map { ($0, self.firstInvalidText) } }
        var firstInvalidLine: Int?
        var firstInvalidText = ""

        public init() {}
    }

    /// Parses a whole list.
    public static func parse(_ bytes: [UInt8]) -> (list: DomainList, report: Report) {
        bytes.withByteView { self.parse($0) }
    }

    /// Parses a whole list from its bytes.
    public static func parse(_ bytes: ByteView) -> (list: DomainList, report: Report) {
        var newlines = 0
        for byte in bytes where byte == 0x0A { newlines += 1 }
        var builder = DomainList.Builder(expectedEntries: newlines + 1, expectedBytes: bytes.count + 2 * (newlines + 1))
        var report = Report()
        // The wire form of each name: 255 bytes at most, plus 8 of zero padding for the hash's loads.
        withTemporaryBytes(count: 272) { wireBuffer in
            var lineStart = 0
            while lineStart < bytes.count {
                var lineEnd = lineStart
                while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
                report.lines += 1
                self.parseLine(
                    bytes.subview(lineStart..<lineEnd), number: report.lines, wire: wireBuffer, builder: &builder,
                    report: &report)
                lineStart = lineEnd + 1
            }
        }
        return (builder.build(), report)
    }

    /// One line: trimmed, split, lowercased, encoded, added.
    static func parseLine(
        _ raw: ByteView, number: Int, wire: MutableByteView,
        builder: inout DomainList.Builder, report: inout Report
    ) {
        let line = self.trimmed(raw)
        guard !line.isEmpty, line[0] != UInt8(ascii: "#") else { return }
        var commas = 0
        var comma = 0
        for (index, byte) in line.enumerated() where byte == UInt8(ascii: ",") {
            commas += 1
            comma = index
        }
        var name = line
        var kind = DomainList.Kind.fqdn
        if commas == 1 {
            name = self.trimmed(line.subview(0..<comma))
            let kindText = self.trimmed(line.subview(from: comma + 1))
            if self.equalsLowercased(kindText, "suffix") {
                kind = .suffix
            } else if self.equalsLowercased(kindText, "prefix") {
                kind = .prefix
            } else if !self.equalsLowercased(kindText, "fqdn") {
                report.unknownKinds += 1
            }
            if kind == .suffix, name.count > 1, name[0] == UInt8(ascii: ".") {
                name = name.subview(from: 1)
            }
        }
        guard let length = DomainName.encode(name, into: wire) else {
            report.invalidLines += 1
            if report.firstInvalidLine == nil {
                report.firstInvalidLine = number
                report.firstInvalidText = String(decoding: line.prefix(200), as: UTF8.self)
            }
            return
        }
        // Padding past the name for the hash's 8-byte loads: zero it.
        wire.subview(length..<(length + 8)).fill(with: 0)
        builder.add(wireName: wire.view, length: length, kind: kind)
        report.entries += 1
    }

    static func trimmed(_ bytes: ByteView) -> ByteView {
        var start = 0
        var end = bytes.count
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        return bytes.subview(start..<end)
    }

    /// Whether `bytes` spell the lowercase `word` in any case.
    static func equalsLowercased(_ bytes: ByteView, _ word: StaticString) -> Bool {
        let expected = ByteView(word)
        guard bytes.count == expected.count else { return false }
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] { return false }
        return true
    }
}
