import DMStage
import DMSystem
import Testing

/// Counters declared once, read from a stage's state; the clock checks of the record loops.
@Suite("Stage counters and STATS timing")
struct StageCountersTests {
    struct Sample: StageCounters {
        var read: UInt64 = 0
        var written: UInt64 = 0
        var list: UInt64?

        static let declared: [Counter<Sample>] = [
            Counter("records_read", "records read") { $0.read },
            Counter("list_entries", "entries of the list, when one is given") { $0.list },
            Counter("records_written", "records written") { $0.written },
        ]
    }

    @Test("fields follow the declaration and leave out counters that do not apply")
    func fields() {
        let without = Sample(read: 5, written: 4)
        #expect(without.fields.map(\.name) == ["records_read", "records_written"])
        #expect(without.fields.map(\.value) == [5, 4])
        let with = Sample(read: 5, written: 4, list: 0)
        #expect(with.fields.map(\.name) == ["records_read", "list_entries", "records_written"])
        #expect(Sample.names == ["records_read", "list_entries", "records_written"])
    }

    @Test("the help paragraph names every counter with its meaning, in order")
    func help() {
        #expect(Sample.help == "Counters (STATS records and the summary line): records_read: records read; "
            + "list_entries: entries of the list, when one is given; records_written: records written.")
    }

    @Test("the countdown asks for a clock check once per interval, after idle input, and on request")
    func countdown() {
        var countdown = StatsCountdown()
        var checks: [Int] = []
        for record in 1...(3 * StatsCountdown.interval) where countdown.shouldCheck() { checks.append(record) }
        #expect(checks == [1, 2, 3].map { $0 * StatsCountdown.interval })
        let afterIdle = countdown.shouldCheck(inputWentIdle: true)
        let next = countdown.shouldCheck()
        countdown.checkNext()
        let requested = countdown.shouldCheck()
        let afterRequest = countdown.shouldCheck()
        #expect(afterIdle && !next && requested && !afterRequest)
    }

    @Test("a schedule is due once per interval of monotonic time, never when off")
    func schedule() {
        var schedule = StatsSchedule(seconds: 2)
        let start = schedule.intervalNanoseconds
        #expect(start == 2_000_000_000)
        var off = StatsSchedule.never
        let offIsDue = off.isDue(now: .max)
        #expect(!offIsDue)
        // Times from a start past the first deadline.
        let base = WallClock.monotonicNanoseconds() &+ 10_000_000_000
        var now: UInt64 = 0
        var due: [UInt64] = []
        while now < 7_000_000_000 {
            if schedule.isDue(now: base &+ now) { due.append(now) }
            now += 500_000_000
        }
        // The first look after the deadline is due; the next one an interval after it.
        #expect(due == [0, 2_000_000_000, 4_000_000_000, 6_000_000_000])
    }
}
