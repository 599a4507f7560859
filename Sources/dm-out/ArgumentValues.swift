import ArgumentParser
import DMClickHouse
import DMFormats
import DMSinks

extension OutputType: ExpressibleByArgument {
    public init?(argument: String) {
        guard let number = Int(argument) else { return nil }
        self.init(rawValue: number)
    }

    public static var allValueStrings: [String] { Self.allCases.map { String($0.rawValue) } }
}

extension SyslogHeader.Format: ExpressibleByArgument {}
extension SyslogSink.Framing: ExpressibleByArgument {}

extension RecordFormat: ExpressibleByArgument {}
extension OutputStage.InputOrder: ExpressibleByArgument {}

/// `--clickhouse-compression`.
enum ClickHouseCompression: String, CaseIterable, ExpressibleByArgument {
    case none, lz4, zstd

    var method: CompressedBlock.Method? {
        switch self {
        case .none: return nil
        case .lz4: return .lz4
        case .zstd: return .zstd
        }
    }
}

extension ClickHouseSchema.Variant: ExpressibleByArgument {}

/// `--queue-full`: what a batch does when a working sink's queue is full.
enum QueueFullMode: String, CaseIterable, ExpressibleByArgument {
    case wait, spool
}
