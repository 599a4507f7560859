import DMSystem

/// The text `dm-stream dump` prints for each item.
package enum RecordDescription {
    package static func header(_ header: StreamHeader, offset: UInt64) -> String {
        var lines = ["\(offset)\tHEADER\tversion=1 entries=\(header.entries.count)"]
        for entry in header.entries {
            switch entry.tag {
            case HeaderEntry.provenanceTag:
                if let provenance = Provenance(value: entry.value) {
                    lines.append("\t  PROVENANCE\t\(provenance.tool) \(provenance.version) pid=\(provenance.processID) "
                        + "started=\(TimestampText.rfc3339(nanoseconds: provenance.startTimeNanoseconds)) "
                        + "argv=\(provenance.arguments.map { "'\($0)'" }.joined(separator: " "))")
                } else {
                    lines.append("\t  PROVENANCE\t(undecodable, \(entry.value.count) bytes)")
                }
            case HeaderEntry.sourceTag:
                lines.append("\t  SOURCE\t\(String(decoding: entry.value, as: UTF8.self))")
            default:
                lines.append("\t  TAG(\(entry.tag))\t\(entry.value.count) bytes")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    package static func record(_ record: RecordView, offset: UInt64, hex: Bool) -> String {
        let body = record.body
        var text = "\(offset)\t\(record.type)\tlength=\(record.rawBytes.count - 4) flags=\(record.flags)"
        do {
            switch record.type {
            case .packet:
                let packet = try PacketRecordView(body: body)
                let m = packet.metadata
                text += " time=\(TimestampText.rfc3339(nanoseconds: m.timeNanoseconds)) linktype=\(m.linkType)"
                    + " interface=\(m.interface) lane=\(m.lane) caplen=\(packet.frame.count) origlen=\(m.originalLength)"
            case .dns:
                let dns = try DNSRecordView(body: body)
                let m = dns.metadata
                text += " time=\(TimestampText.rfc3339(nanoseconds: m.timeNanoseconds)) \(m.transport)"
                    + " \(m.sourceAddress.text(ipVersion: m.ipVersion))#\(m.sourcePort)"
                    + " > \(m.destinationAddress.text(ipVersion: m.ipVersion))#\(m.destinationPort)"
                    + " packet_length=\(m.packetLength) match=\(m.matchFlags.rawValue) message=\(dns.message.count)"
                if dns.identity.count > 0 { text += " identity=\(String(decoding: dns.identity, as: UTF8.self))" }
                if dns.version.count > 0 { text += " version=\(String(decoding: dns.version, as: UTF8.self))" }
            case .stats:
                let stats = try StatsRecord(body: body)
                text += " stage=\(stats.stage) kind=\(stats.kind == .final ? "final" : "periodic") pid=\(stats.processID)"
                    + " lane=\(stats.lane) " + stats.counters.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            default:
                break
            }
        } catch {
            text += " (\(error))"
        }
        if hex { text += "\n\t" + body.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ") }
        return text + "\n"
    }
}
