import ArgumentParser
import DMStage
import DMStageCommand
import Testing

/// The command-line pieces every stage shares: durations, byte counts, samples, and how a
/// stage's end becomes its exit status.
@Suite("Stage command line")
struct StageCommandTests {
    @Test("durations: units, fractions, bare seconds; nonsense refused", arguments: [
        ("10", UInt64(10_000_000_000)), ("1.5s", 1_500_000_000), ("250ms", 250_000_000), ("3us", 3_000), ("3µs", 3_000),
        ("7ns", 7), ("2m", 120_000_000_000), ("1h", 3_600_000_000_000), ("1d", 86_400_000_000_000), ("0", 0),
    ])
    func durations(text: String, nanoseconds: UInt64) {
        #expect(DurationArgument(argument: text)?.nanoseconds == nanoseconds)
    }

    @Test("durations that are not one", arguments: ["", "s", "-1s", "1x", "inf", "nan", "1e30s", "ms5"])
    func badDurations(text: String) {
        #expect(DurationArgument(argument: text) == nil)
    }

    @Test("byte counts: plain, K/M/G/T in powers of 1024, a trailing B, any case; overflow refused", arguments: [
        ("1048576", UInt64(1_048_576)), ("512K", 524_288), ("100m", 104_857_600), ("2GB", 2_147_483_648), ("1T", 1 << 40), ("0", 0),
    ])
    func byteCounts(text: String, bytes: UInt64) {
        #expect(ByteCountArgument(argument: text)?.bytes == bytes)
    }

    @Test("byte counts that are not one", arguments: ["", "K", "-1", "1.5M", "99999999999999999999", "20000000T", "12Q"])
    func badByteCounts(text: String) {
        #expect(ByteCountArgument(argument: text) == nil)
    }

    @Test("--sample A:B parses only 0 ≤ A ≤ B with B > 0", arguments: [
        ("1:2", true), ("3:3", true), ("0:2", true), ("3:2", false), ("1:0", false), ("1", false), ("a:b", false), ("1:2:3", false),
    ])
    func samples(text: String, valid: Bool) {
        #expect((RecordSampler(parsing: text) != nil) == valid)
    }
}
