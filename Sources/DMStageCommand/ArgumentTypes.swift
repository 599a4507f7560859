import ArgumentParser
import DMStage

/// A duration on the command line: a number with a unit (ns, us or µs, ms, s, m, h, d); a bare
/// number is seconds. Fractions are allowed (`1.5s`).
public struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The duration.
    public var nanoseconds: UInt64

    public init?(argument: String) {
        let units: [(String, Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9), ("d", 86_400e9),
        ]
        var number = Substring(argument)
        var scale = 1e9
        for (suffix, value) in units where argument.hasSuffix(suffix) {
            // The longest matching suffix wins ("ms" before "s").
            let candidate = argument.dropLast(suffix.count)
            if Double(candidate) != nil {
                number = candidate
                scale = value
                break
            }
        }
        guard let value = Double(number), value >= 0, value.isFinite, value * scale < 1.8e19 else { return nil }
        self.nanoseconds = UInt64(value * scale)
    }
}

/// A byte count: `1048576`, `512K`, `100M`, `2G` (powers of 1024).
public struct ByteCountArgument: ExpressibleByArgument, Sendable {
    /// The count.
    public var bytes: UInt64

    public init?(argument: String) {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var text = Substring(argument.uppercased())
        if text.hasSuffix("B") { text = text.dropLast() }
        var scale: UInt64 = 1
        if let unit = text.last, let value = units[unit] {
            scale = value
            text = text.dropLast()
        }
        guard let number = UInt64(text) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        self.bytes = product
    }
}

/// `--sample A:B`: the same exact rule on packets (dm-capture) and records (dm-filter).
extension RecordSampler: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
}
