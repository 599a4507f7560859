import ArgumentParser
import DMOutput

/// A byte count: `1048576`, `512K`, `100M`, `2G` (powers of 1024).
struct ByteCountArgument: ExpressibleByArgument {
    var bytes: UInt64

    init?(argument: String) {
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

/// A duration: `500ms`, `30s`, `10m`, `24h`, `7d`; a bare number is seconds.
struct DurationArgument: ExpressibleByArgument {
    var nanoseconds: UInt64

    init?(argument: String) {
        let units: [(suffix: String, scale: UInt64)] = [
            ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
        ]
        var text = Substring(argument)
        var scale: UInt64 = 1_000_000_000
        for unit in units where text.hasSuffix(unit.suffix) {
            scale = unit.scale
            text = text.dropLast(unit.suffix.count)
            break
        }
        guard let number = UInt64(text) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        self.nanoseconds = product
    }
}

extension OutputType: ExpressibleByArgument {
    public init?(argument: String) {
        guard let number = Int(argument) else { return nil }
        self.init(rawValue: number)
    }

    public static var allValueStrings: [String] { Self.allCases.map { String($0.rawValue) } }
}

extension SyslogHeader.Format: ExpressibleByArgument {}
extension SyslogSink.Framing: ExpressibleByArgument {}
