import DMBytes
import DMRecord
import DMSystem
import DNSWire

#if canImport(Glibc)
import Glibc
#endif

/// `tld-count`: reads DNS records (dm-parse's output) on standard input and prints how many
/// questions ask for a name under each top-level domain, most asked first:
///
///     dm-capture --pcap examples/sample.pcap | dm-parse | tld-count
///
/// A stage of one's own needs only DMRecord to read the stream and DNSWire to read the
/// messages; the records' bytes are never copied.
var counts: [String: Int] = [:]

/// The last label of the first question's name, lowercased; "." for the root, nil when the
/// message has no question.
func topLevelDomain(of message: ByteView) throws(DNSWireError) -> String? {
    guard message.count >= 12, message.loadBigEndian(at: 4, as: UInt16.self) > 0 else { return nil }
    var last = ByteView()
    _ = try DNSNameWalk.walk(message, at: 12) { offset, length in last = message.subview(offset..<(offset + length)) }
    return last.isEmpty ? "." : String(decoding: last, as: UTF8.self).lowercased()
}

let reader = RecordReader(fileDescriptor: 0, inputName: "standard input")
do {
    while let item = try reader.next() {
        guard case .record(let record) = item, record.type == .dns else { continue }
        let dns = try DNSRecordView(body: record.body)
        do {
            if let domain = try topLevelDomain(of: dns.message) { counts[domain, default: 0] += 1 }
        } catch {
            counts["(damaged name)", default: 0] += 1
        }
    }
} catch {
    var message = "tld-count: \(error)\n"
    message.withUTF8ByteView { try? FileDescriptorIO.writeAll(2, $0, object: "standard error") }
    exit(1)
}
for (domain, count) in counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
    print("\(count)\t\(domain)")
}
