import CPcap
import DMBytes
import DMPacket
import DMRecord

#if canImport(Glibc)
import Glibc
#endif

/// A live capture on one interface through libpcap: BPF filter, snapshot length, kernel
/// buffer, immediate delivery, nanosecond timestamps, and optionally a Linux PACKET_FANOUT
/// group so several processes share the interface's traffic flow by flow.
public final class LiveCapture {
    private let handle: OpaquePointer
    let device: String
    /// The link type as a LINKTYPE_* number.
    let linkType: UInt16

    /// How to open the capture.
    public struct Settings: Sendable {
        /// The interface.
        public var device: String
        /// A BPF filter; empty for none.
        public var filter: String
        /// Bytes captured of each packet.
        public var snapLength: Int32
        /// Whether the interface goes into promiscuous mode.
        public var promiscuous: Bool
        /// The kernel's capture buffer.
        public var bufferMegabytes: Int32
        /// The PACKET_FANOUT group shared with other processes, if any.
        public var fanoutGroup: UInt16?

        public init(device: String, filter: String, snapLength: Int32, promiscuous: Bool, bufferMegabytes: Int32, fanoutGroup: UInt16?) {
            self.device = device
            self.filter = filter
            self.snapLength = snapLength
            self.promiscuous = promiscuous
            self.bufferMegabytes = bufferMegabytes
            self.fanoutGroup = fanoutGroup
        }
    }

    /// Opens and activates the capture.
    /// - Throws: ``CaptureError`` naming the interface or the filter when libpcap refuses them.
    public init(_ settings: Settings) throws(CaptureError) {
        let device = settings.device
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(device, &errorBuffer) else {
            throw CaptureError(input: device, message: LiveCapture.text(errorBuffer))
        }
        self.handle = handle
        self.device = device
        pcap_set_snaplen(handle, settings.snapLength)
        pcap_set_promisc(handle, settings.promiscuous ? 1 : 0)
        pcap_set_buffer_size(handle, settings.bufferMegabytes << 20)
        // Immediate mode: packets are delivered as they arrive, not when a block fills.
        pcap_set_immediate_mode(handle, 1)
        pcap_set_timeout(handle, 100)
        pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = status == PCAP_ERROR_PERM_DENIED
                ? "permission denied: live capture needs root or CAP_NET_RAW (setcap cap_net_raw,cap_net_admin=eip dm-capture)"
                : "\(String(cString: pcap_statustostr(status))) (\(String(cString: pcap_geterr(handle))))"
            pcap_close(handle)
            throw CaptureError(input: "--iface \(device)", message: "cannot capture: \(detail)")
        }
        self.linkType = UInt16(truncatingIfNeeded: pcap_datalink(handle))
        // In immediate mode libpcap waits without a timeout; non-blocking reads plus our own
        // poll let the stage wake every 100 ms to flush, report and notice signals.
        if pcap_setnonblock(handle, 1, &errorBuffer) != 0 {
            throw CaptureError(input: "--iface \(device)", message: "cannot make the capture non-blocking: \(LiveCapture.text(errorBuffer))")
        }
        if !settings.filter.isEmpty {
            var program = bpf_program()
            guard pcap_compile(handle, &program, settings.filter, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
                // Every property is set: deinit closes the handle.
                let message = String(cString: pcap_geterr(handle))
                throw CaptureError(input: "--filter", message: "invalid BPF filter '\(settings.filter)': \(message)")
            }
            defer { pcap_freecode(&program) }
            guard pcap_setfilter(handle, &program) == 0 else {
                let message = String(cString: pcap_geterr(handle))
                throw CaptureError(input: "--filter", message: "cannot apply BPF filter: \(message)")
            }
        }
        if let group = settings.fanoutGroup {
            // Flow hash over addresses and ports; DEFRAG makes the kernel reassemble IP
            // fragments before hashing, so a datagram's fragments land in one process.
            var argument = UInt32(group) | (UInt32(0 /* PACKET_FANOUT_HASH */ | 0x8000 /* FLAG_DEFRAG */) << 16)
            let status = setsockopt(pcap_fileno(handle), 263 /* SOL_PACKET */, 18 /* PACKET_FANOUT */, &argument, socklen_t(MemoryLayout<UInt32>.size))
            guard status == 0 else {
                let reason = String(cString: strerror(errno))
                throw CaptureError(input: "--fanout-group \(group)", message: "cannot join the fanout group: \(reason) (every member needs the same interface and settings)")
            }
        }
    }

    deinit { pcap_close(self.handle) }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Kernel and interface drop counters.
    public struct Statistics: Sendable {
        /// Packets the kernel received for this capture.
        public var received: UInt64 = 0
        /// Packets the kernel dropped: the buffer was full.
        public var kernelDropped: UInt64 = 0
        /// Packets the interface dropped.
        public var interfaceDropped: UInt64 = 0
    }

    /// libpcap's counters now (zeros when it cannot tell).
    public func statistics() -> Statistics {
        var stats = pcap_stat()
        guard pcap_stats(self.handle, &stats) == 0 else { return Statistics() }
        return Statistics(received: UInt64(stats.ps_recv), kernelDropped: UInt64(stats.ps_drop), interfaceDropped: UInt64(stats.ps_ifdrop))
    }

    /// The outcome of waiting for one packet.
    public enum Next {
        case packet(CapturedPacket)
        /// Nothing arrived within the read timeout (100 ms).
        case idle
    }

    /// Waits up to 100 ms for the next packet.
    public func next(lane: UInt16) throws(CaptureError) -> Next {
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        for attempt in 0..<2 {
            let status = pcap_next_ex(self.handle, &header, &data)
            if status == 1, let header, let data {
                let captured = min(Int(header.pointee.caplen), PacketRecordLayout.maximumFrameSize)
                let time = UInt64(header.pointee.ts.tv_sec) &* 1_000_000_000 &+ UInt64(header.pointee.ts.tv_usec)
                let metadata = PacketMetadata(timeNanoseconds: time, originalLength: header.pointee.len, linkType: self.linkType, lane: lane)
                return .packet(CapturedPacket(metadata: metadata, frame: ByteView(unsafeBytes: UnsafeRawBufferPointer(start: data, count: captured))))
            }
            if status == PCAP_ERROR_BREAK { return .idle }
            if status != 0 {
                throw CaptureError(input: "--iface \(self.device)", message: String(cString: pcap_geterr(self.handle)))
            }
            // Nothing ready: wait for the ring to fill, a signal, or the timeout.
            guard attempt == 0 else { break }
            var descriptor = pollfd(fd: pcap_get_selectable_fd(self.handle), events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, 100) <= 0 { return .idle }
        }
        return .idle
    }
}

/// A capture that could not be opened or read.
public struct CaptureError: Error, CustomStringConvertible {
    /// The interface or flag at fault.
    public var input: String
    /// What went wrong.
    public var message: String
    public var description: String { "\(self.input): \(self.message)" }
}
