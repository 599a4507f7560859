import DMBytes
import DNSWire

/// What dnsmonster's row formats (CSV, ClickHouse) take from a message besides its header:
/// the questions, and the last OPT record's TTL (its EDNS flags, as miekg's `IsEdns0`).
/// The first question is kept inline; more (rare) go to an array.
public struct DNSQuestionScan: DNSMessageVisitor {
    /// The first question, if any.
    public private(set) var firstQuestion: DNSMessageIndex.Question?
    /// The questions after the first.
    public private(set) var laterQuestions: [DNSMessageIndex.Question] = []
    /// The TTL field of the last OPT record of the additional section.
    public private(set) var optTTL: UInt32?
    private var inAdditional = false

    public init() {}

    /// Whether the message has an OPT record (dnsmonster's `Edns0Present`).
    public var hasEDNS: Bool { self.optTTL != nil }
    /// Whether that OPT record sets DO (dnsmonster's `DoBit`).
    public var dnssecOK: Bool { (self.optTTL ?? 0) & 0x8000 != 0 }

    @inline(__always) public mutating func question(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16) {
        let question = DNSMessageIndex.Question(nameOffset: offset, type: type, class: `class`)
        if self.firstQuestion == nil { self.firstQuestion = question } else { self.laterQuestions.append(question) }
    }

    @inline(__always) public mutating func sectionStart(_ section: DNSSection, count: Int) { self.inAdditional = section == .additional }

    @inline(__always) public mutating func recordStart(
        nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16, ttl: UInt32, rdataLength: UInt16
    ) {
        if type == 41 && self.inAdditional { self.optTTL = ttl }
    }
}

/// Domain names as text, outside JSON.
public enum DNSNameText {
    /// Appends the name at `offset` of `message` as miekg prints it (`example.com.`, with its
    /// escapes), no quotes.
    public static func append(nameAt offset: Int, in message: ByteView, to buffer: OutputByteBuffer) {
        DNSPresentationText.appendNameText(at: offset, in: message, to: buffer)
    }
}
