import DMBytes

/// Timestamps as Go's `time.Time` marshals to JSON in UTC (RFC 3339 with nanoseconds, trailing
/// zeros of the fraction trimmed, no fraction when it is zero): `2024-05-01T12:34:56.789Z`.
/// Civil date from days by Howard Hinnant's algorithm, so no libc call and no allocation.
enum RFC3339NanoText {
    /// Appends the time `nanoseconds` after 1970-01-01T00:00:00Z, without quotes.
    static func append(nanoseconds: UInt64, to buffer: OutputByteBuffer) {
        let seconds = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        if buffer.cachedSecond != seconds {
            buffer.cachedSecond = seconds
            Self.storeSecond(seconds, into: ReservedBytes(buffer.cachedSecondText.mutableView), at: 0)
        }
        let cached = buffer.cachedSecondText.view
        buffer.write(reserving: 40) { output in
            output.copy(cached, to: 0)
            var written = 19
            if fraction > 0 {
                var digits = 9
                while fraction % 10 == 0 {
                    fraction /= 10
                    digits -= 1
                }
                output[written] = UInt8(ascii: ".")
                Self.store(fraction, width: digits, into: output, at: written + 1)
                written += 1 + digits
            }
            output[written] = UInt8(ascii: "Z")
            return written + 1
        }
    }

    /// Stores `2024-05-01T12:34:56` (19 bytes) for `seconds` after 1970.
    private static func storeSecond(_ seconds: UInt64, into output: ReservedBytes, at offset: Int) {
        let (year, month, day) = Self.civilDate(days: Int64(seconds / 86_400))
        let secondOfDay = seconds % 86_400
        Self.store(UInt64(year), width: 4, into: output, at: offset)
        output[offset &+ 4] = UInt8(ascii: "-")
        Self.store(UInt64(month), width: 2, into: output, at: offset &+ 5)
        output[offset &+ 7] = UInt8(ascii: "-")
        Self.store(UInt64(day), width: 2, into: output, at: offset &+ 8)
        output[offset &+ 10] = UInt8(ascii: "T")
        Self.store(secondOfDay / 3600, width: 2, into: output, at: offset &+ 11)
        output[offset &+ 13] = UInt8(ascii: ":")
        Self.store(secondOfDay / 60 % 60, width: 2, into: output, at: offset &+ 14)
        output[offset &+ 16] = UInt8(ascii: ":")
        Self.store(secondOfDay % 60, width: 2, into: output, at: offset &+ 17)
    }

    /// Stores `value` as exactly `width` digits.
    @inline(__always)
    private static func store(_ value: UInt64, width: Int, into output: ReservedBytes, at offset: Int) {
        var rest = value
        var index = width
        while index > 0 {
            index -= 1
            output[offset &+ index] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
            rest /= 10
        }
    }

    /// The civil (proleptic Gregorian) date `days` after 1970-01-01.
    @inline(__always)
    static func civilDate(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        // days_from_civil inverted (era of 400 years = 146097 days), epoch shifted to 0000-03-01.
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// The parts of a UTC time in seconds since 1970 (Go's `Time.Date` and `Time.Clock`).
    static func civil(seconds: Int64) -> (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civilDate(days: days)
        return (year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60)
    }
}
