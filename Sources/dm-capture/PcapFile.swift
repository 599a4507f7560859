import CPcap
import DMRecord

#if canImport(Glibc)
import Glibc
#endif

/// Counters of a capture run.
struct CaptureCounters {
    var packets: UInt64 = 0
    var bytes: UInt64 = 0
    var truncatedInputs: UInt64 = 0
    /// Set when the capture ended inside a packet.
    var truncationWarning: String?

    var fields: [(name: String, value: UInt64)] {
        [("packets", self.packets), ("bytes", self.bytes), ("truncated_inputs", self.truncatedInputs)]
    }
}

/// A capture file opened through libpcap with nanosecond timestamps.
final class PcapFile {
    private let handle: OpaquePointer
    private let name: String
    /// The file's link type as a LINKTYPE_* number.
    let linkType: UInt16

    /// Opens `path` (`-` for standard input); the error names the file and libpcap's reason.
    init(path: String) throws(CaptureError) {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        let handle: OpaquePointer?
        if path == "-" {
            handle = pcap_fopen_offline_with_tstamp_precision(fdopen(0, "rb"), UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
            self.name = "standard input"
        } else {
            handle = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer)
            self.name = path
        }
        guard let handle else {
            throw CaptureError(input: path == "-" ? "standard input" : path, message: PcapFile.text(errorBuffer))
        }
        self.handle = handle
        self.linkType = PcapFile.linkType(fromDLT: pcap_datalink(handle))
    }

    deinit { pcap_close(self.handle) }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// libpcap reports DLT_* values; the format carries LINKTYPE_* numbers, which differ for a few
    /// old types only.
    static func linkType(fromDLT dlt: Int32) -> UInt16 {
        switch dlt {
        case 11: return 100  // DLT_ATM_RFC1483
        case 12, 14: return 101  // DLT_RAW (12 on Linux, 14 on OpenBSD)
        default: return UInt16(truncatingIfNeeded: dlt)
        }
    }

    /// Calls `body` for every packet until the end of the file, a truncated tail, or a stop signal.
    func forEachPacket(
        lane: UInt16, counters: inout CaptureCounters,
        _ body: (PacketMetadata, UnsafeRawBufferPointer) throws(RecordWriteError) -> Void
    ) throws {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        while !StageSignals.stopRequested {
            let status = pcap_next_ex(self.handle, &header, &data)
            if status == 1, let header, let data {
                let captured = min(Int(header.pointee.caplen), PacketRecordLayout.maximumFrameSize)
                let time = UInt64(header.pointee.ts.tv_sec) &* 1_000_000_000 &+ UInt64(header.pointee.ts.tv_usec)
                let metadata = PacketMetadata(
                    timeNanoseconds: time, originalLength: header.pointee.len, linkType: self.linkType, lane: lane)
                try body(metadata, UnsafeRawBufferPointer(start: data, count: captured))
                counters.packets &+= 1
                counters.bytes &+= UInt64(captured)
                continue
            }
            if status == PCAP_ERROR_BREAK { return }
            let message = String(cString: pcap_geterr(self.handle))
            if message.contains("truncated") {
                counters.truncatedInputs &+= 1
                counters.truncationWarning = "\(self.name): the capture ends inside a packet after \(counters.packets) whole packets (\(message)); kept them"
                return
            }
            throw CaptureError(input: self.name, message: "after \(counters.packets) packets: \(message)")
        }
    }
}

/// A capture that could not be opened or read.
struct CaptureError: Error, CustomStringConvertible {
    var input: String
    var message: String
    var description: String { "\(self.input): \(self.message)" }
}
