import DMStage

/// dm-capture's counters for dnstap input: the frames, what the mapping made of them, and for a
/// socket its clients.
public struct DnstapCounters: StageCounters {
    var frames: UInt64 = 0
    var framesTooLarge: UInt64 = 0
    var mapping = DnstapRecordMapping.Counters()
    var selection = DnstapSelection()
    /// 1 when a file ended inside a frame; nil for a socket.
    var truncatedInputs: UInt64?
    /// A socket's counters; nil for a file.
    var socket: FrameStreamsServer.Counters?

    /// The counters, in the order STATS lists them.
    public static let declared: [Counter<DnstapCounters>] = [
        Counter("dnstap_frames", "dnstap data frames read") { $0.frames },
        Counter("frames_too_large", "data frames longer than --dnstap-max-frame, skipped") { $0.framesTooLarge },
        Counter("dnstap_other_shards", "payloads left to the other shards of --shard (files only)") {
            $0.selection.shard == nil ? nil : $0.selection.otherShards
        },
        Counter("dnstap_sampled_out", "payloads left out by --sample (files only)") { $0.selection.sample == nil ? nil : $0.selection.sampledOut },
        Counter("decode_errors", "frames that are no dnstap protobuf") { $0.mapping.decodeErrors },
        Counter("other_payloads", "dnstap payloads without a message") { $0.mapping.otherPayloads },
        Counter("dnstap_messages", "dnstap messages decoded") { $0.mapping.messages },
        Counter("types_skipped", "messages of types --dnstap-types leaves out") { $0.mapping.typesSkipped },
        Counter("without_dns_message", "messages carrying neither a query nor a response") { $0.mapping.withoutDNSMessage },
        Counter("malformed_messages", "DNS messages that fail the wire check (dropped unless --keep-malformed)") { $0.mapping.malformed },
        Counter("malformed_kept", "of those, kept and flagged by --keep-malformed") { $0.mapping.malformedKept },
        Counter("records_written", "DNS records written") { $0.mapping.recordsWritten },
        Counter("truncated_inputs", "1 when the dnstap file ended inside a frame (files only)") { $0.truncatedInputs },
        Counter("clients_connected", "writers that connected (sockets only)") { $0.socket?.connected },
        Counter("clients_disconnected", "writers whose connection ended (sockets only)") { $0.socket?.disconnected },
        Counter("clients_refused", "connections closed at once because --dnstap-max-clients were open (sockets only)") {
            $0.socket?.refused
        },
        Counter("protocol_errors", "connections closed for breaking Frame Streams: wrong content type, data before START … (sockets only)") {
            $0.socket?.protocolErrors
        },
        Counter("cut_frames", "connections that ended inside a frame (sockets only)") { $0.socket?.cutFrames },
    ]
}
