#if canImport(Glibc)
import Glibc
#endif

/// Renders nanosecond timestamps as RFC 3339 UTC text without Foundation.
public enum TimestampText {
    /// `2026-11-21T23:57:36.123456789Z`: always nine fractional digits.
    public static func rfc3339(nanoseconds: UInt64) -> String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        let fraction = nanoseconds % 1_000_000_000
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let fractionText = String(fraction)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 9 - fractionText.count) + fractionText + "Z"
    }
}
