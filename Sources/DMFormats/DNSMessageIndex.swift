import DMBytes
import DNSWire

/// Where each question and record of one DNS message is, found by one checked walk
/// (``DNSMessageWalker``): the outputs that pick parts of a message — OCSF, Go templates, text
/// lines — look them up here instead of walking again. One index is reused for every message
/// (``load(_:)`` keeps the arrays' storage), so nothing is allocated per record once the
/// largest message was seen.
public final class DNSMessageIndex {
    /// One question: its name's offset in the message, type and class.
    public struct Question {
        public var nameOffset: Int
        public var type: UInt16
        public var `class`: UInt16
    }

    /// One resource record: section, owner name offset, header fields and where its RDATA starts.
    public struct Record {
        public var section: DNSSection
        public var nameOffset: Int
        public var type: UInt16
        public var `class`: UInt16
        public var ttl: UInt32
        public var rdataLength: UInt16
        public var rdataStart: Int
    }

    /// The message last loaded (valid while the caller's record is).
    @exclusivity(unchecked) public private(set) var message = ByteView()
    /// Its header summary (with the EDNS extended rcode bits).
    @exclusivity(unchecked) public private(set) var summary = DNSMessageValidator.Summary(
        id: 0, flags: 0, questionCount: 0, answerCount: 0, authorityCount: 0, additionalCount: 0, extendedRcodeBits: 0)
    /// Its questions in order.
    @exclusivity(unchecked) public private(set) var questions: [Question] = []
    /// Its records in order: answers, then authority, then additional.
    @exclusivity(unchecked) public private(set) var records: [Record] = []
    /// The TTL field of the last OPT record of the additional section (miekg's `IsEdns0`).
    @exclusivity(unchecked) public private(set) var optTTL: UInt32?

    public init() {
        self.questions.reserveCapacity(4)
        self.records.reserveCapacity(64)
    }

    /// Walks `message`, checking it as miekg would unpack it; throws at the first damage.
    public func load(_ message: ByteView) throws(DNSWireError) {
        self.message = message
        self.questions.removeAll(keepingCapacity: true)
        self.records.removeAll(keepingCapacity: true)
        self.optTTL = nil
        var collector = Collector(index: self)
        self.summary = try DNSMessageWalker.walk(message, visitor: &collector)
    }

    /// The records of one section.
    public func records(in section: DNSSection) -> ArraySlice<Record> {
        let answers = Int(self.summary.answerCount), authority = Int(self.summary.authorityCount)
        switch section {
        case .answer: return self.records[0..<answers]
        case .authority: return self.records[answers..<(answers + authority)]
        case .additional: return self.records[(answers + authority)...]
        }
    }

    fileprivate func add(_ question: Question) { self.questions.append(question) }
    fileprivate func add(_ record: Record) {
        self.records.append(record)
        if record.type == 41 && record.section == .additional { self.optTTL = record.ttl }
    }

    /// Records positions as the walk reports them.
    private struct Collector: DNSMessageVisitor {
        let index: DNSMessageIndex
        var section = DNSSection.answer

        mutating func questionsStart(count: Int) {}
        mutating func question(nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16) {
            self.index.add(Question(nameOffset: offset, type: type, class: `class`))
        }
        mutating func questionsEnd() {}
        mutating func sectionStart(_ section: DNSSection, count: Int) { self.section = section }
        mutating func sectionEnd(_ section: DNSSection) {}
        mutating func recordStart(
            nameAt offset: Int, in message: ByteView, type: UInt16, class: UInt16, ttl: UInt32,
            rdataLength: UInt16
        ) {
            // The walk checked the name; its end plus type, class, TTL and length is the RDATA.
            let nameEnd = (try? DNSNameWalk.walk(message, at: offset) { _, _ in }) ?? offset
            self.index.add(Record(
                section: self.section, nameOffset: offset, type: type, class: `class`, ttl: ttl, rdataLength: rdataLength,
                rdataStart: nameEnd + 10))
        }
        mutating func recordEnd() {}
        mutating func unsignedField(_ field: RDataField, _ value: UInt64) {}
        mutating func bytesField(_ field: RDataField, _ bytes: ByteView) {}
        mutating func nameField(_ field: RDataField, nameAt offset: Int, in message: ByteView) {}
        mutating func zeroField(_ field: RDataField) {}
        mutating func listStart(_ field: RDataField) {}
        mutating func listEnd(_ field: RDataField) {}
        mutating func characterStringElement(_ bytes: ByteView) {}
        mutating func typeElement(_ type: UInt16) {}
        mutating func nameElement(nameAt offset: Int, in message: ByteView) {}
        mutating func ednsOptionElement(_ option: EDNSOption) {}
        mutating func serviceParameterElement(_ parameter: ServiceParameter) {}
        mutating func aplElement(_ item: APLItem) {}
    }

    /// Appends the record's `RR.String()` (or its type and RDATA, with `form`).
    public func appendPresentation(of record: Record, form: DNSPresentation.Form = .full, to buffer: OutputByteBuffer) {
        // The walk in load(_:) checked this RDATA already.
        try? DNSPresentation.appendRecord(
            nameAt: record.nameOffset, type: record.type, class: record.class, ttl: record.ttl,
            rdataLength: record.rdataLength, rdataStart: record.rdataStart, in: self.message, form: form, to: buffer)
    }
}
