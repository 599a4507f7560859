import DMBytes
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// The stages' standard error, read by the wrapper and passed on as a dnsmonster user expects
/// it: every distinct line once (the lanes of a pipeline repeat the same error), the stages'
/// counter lines only at `--logLevel 4` (debug, which passes every line of every stage),
/// warnings not below level 2.
final class StageErrorRelay: @unchecked Sendable {
    /// What the relay lets through.
    struct Level: Sendable {
        /// Whether each stage's counter line at exit is shown (dnsmonster's debug level).
        var showsStageCounters: Bool
        /// Whether warnings are shown (dnsmonster's levels from WARN up).
        var showsWarnings: Bool
    }

    /// The end every stage gets as its standard error.
    let writeEnd: Int32
    private let readEnd: Int32
    private let level: Level
    private let write: @Sendable (String) -> Void
    private var thread: WorkerThread?
    private var seen: Set<String> = []
    /// Distinct lines remembered for de-duplication; beyond this many, lines pass unchecked.
    private static let rememberedLines = 10_000

    init(level: Level, write: @escaping @Sendable (String) -> Void) throws(SystemError) {
        let pipe = try ProcessSpawn.makePipe(object: "the stages' standard error")
        self.readEnd = pipe.read
        self.writeEnd = try ProcessSpawn.moveAbove(pipe.write, minimum: 100, object: "the stages' standard error")
        self.level = level
        self.write = write
        self.thread = try WorkerThread { [self] in self.relay() }
    }

    /// Closes the wrapper's copy of the write end and waits until every stage's last line is out.
    func finish() {
        close(self.writeEnd)
        self.thread?.join()
        self.thread = nil
        close(self.readEnd)
    }

    /// Whether `line` is a stage's counter line at exit: `dm-parse: packets_in=3 …`.
    static func isCounterLine(_ line: Substring) -> Bool {
        guard line.hasPrefix("dm-"), let colon = line.firstIndex(of: ":"), line[colon...].hasPrefix(": ") else { return false }
        var fields = line[line.index(colon, offsetBy: 2)...]
        if fields.hasPrefix("stopped by signal; ") { fields = fields.dropFirst("stopped by signal; ".count) }
        let pairs = fields.split(separator: " ")
        return !pairs.isEmpty && pairs.allSatisfy { pair in
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1].allSatisfy(\.isNumber) && !parts[1].isEmpty
        }
    }

    private func relay() {
        let buffer = ByteStorage(count: 65_536)
        let neverRaised = StopSignal()
        var pending: [UInt8] = []
        while case .bytes(let count) = (try? FileDescriptorIO.read(self.readEnd, into: buffer.mutableView, object: "the stages' standard error", stop: neverRaised)) ?? .endOfInput {
            pending += buffer.view.subview(0..<count)
            while let newline = pending.firstIndex(of: 0x0A) {
                self.pass(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        if !pending.isEmpty { self.pass(String(decoding: pending, as: UTF8.self)) }
    }

    /// A stage's advice as it reads to someone who runs dnsmonster.
    static let dnsmonsterWording: [(stage: String, dnsmonster: String)] = [
        ("| dm-capture --input -)", "| dnsmonster --pcapFile - …)"),
    ]

    private func pass(_ text: String) {
        var line = text
        for wording in Self.dnsmonsterWording where line.contains(wording.stage) {
            line = line.replacing(wording.stage, with: wording.dnsmonster)
        }
        // ArgumentParser's usage lines after a stage's option error: the wrapper checks values
        // first (ValueCheck), and a stage's usage is not what a dnsmonster user typed.
        if line.hasPrefix("Usage: ") || line.hasPrefix("  See '") { return }
        if Self.isCounterLine(line[...]) {
            if self.level.showsStageCounters { self.write(line) }
            return
        }
        if !self.level.showsWarnings && line.contains("warning:") { return }
        if self.level.showsStageCounters {
            self.write(line)
            return
        }
        if self.seen.contains(line) { return }
        if self.seen.count < Self.rememberedLines { self.seen.insert(line) }
        self.write(line)
    }
}
