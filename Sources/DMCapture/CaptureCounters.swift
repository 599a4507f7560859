import DMStage

/// dm-capture's counters: what the selection decided, then what the source reported (a
/// capture file or libpcap).
public struct CaptureCounters: StageCounters {
    var selection: PacketSelection
    var oversizedFrames: UInt64 = 0
    /// A capture file's counters; nil for a live capture.
    var file: (skippedBlocks: UInt64, truncatedInputs: UInt64)?
    /// libpcap's counters; nil for a capture file.
    var kernel: LiveCapture.Statistics?

    /// dm-capture's counters, in the order STATS lists them.
    public static let declared: [Counter<CaptureCounters>] = [
        Counter("packets_read", "packets read from the file or the interface") { $0.selection.packetsRead },
        Counter("other_shards", "packets left to the other shards of --shard") { $0.selection.otherShards },
        Counter("sampled_out", "packets left out by --sample") { $0.selection.sampledOut },
        Counter("packets_written", "PACKET records written") { $0.selection.packetsWritten },
        Counter("bytes_written", "frame bytes in those records") { $0.selection.bytesWritten },
        Counter("oversized_frames", "frames cut to the 1 MiB a record carries") { $0.oversizedFrames },
        Counter("skipped_blocks", "pcapng blocks without packets (files only)") { $0.file?.skippedBlocks },
        Counter("truncated_inputs", "1 when the capture file ended inside a packet, whose whole packets before it are kept (files only)") {
            $0.file?.truncatedInputs
        },
        Counter("kernel_received", "packets the kernel received for the capture, by libpcap's pcap_stats (live only)") { $0.kernel?.received },
        Counter("kernel_dropped", "packets the kernel dropped for a full buffer (live only)") { $0.kernel?.kernelDropped },
        Counter("interface_dropped", "packets the interface dropped (live only)") { $0.kernel?.interfaceDropped },
    ]
}
