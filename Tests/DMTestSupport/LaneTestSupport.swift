import DMConfiguration
import Foundation

extension PlanningHost {
    /// A one-core machine where no path exists: plans have one lane unless `--lanes` asks for
    /// more, and do not depend on the files of the machine the tests run on.
    package static let oneCore = PlanningHost(cores: 1, fanoutGroup: 7, fileKind: { _ in .missing })

    /// A machine with `cores` cores where every path is of `kind`.
    package static func with(cores: Int, every kind: FileKind) -> PlanningHost {
        PlanningHost(cores: cores, fanoutGroup: 7, fileKind: { _ in kind })
    }
}

/// The counter lines the stages print on stderr at exit (`dm-parse: packets_in=3 …`), summed
/// per stage over every process of that stage (one per lane).
package struct StageSummaries {
    /// Stage name → counter name → sum over the stage's lines.
    package private(set) var sums: [String: [String: UInt64]] = [:]
    /// Stage name → how many summary lines it printed.
    package private(set) var lines: [String: Int] = [:]

    package init(_ standardError: String) {
        for line in standardError.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":"), line.hasPrefix("dm-") else { continue }
            let stage = String(line[..<colon])
            let pairs = line[line.index(after: colon)...].split(separator: " ").compactMap { word -> (String, UInt64)? in
                guard let equals = word.firstIndex(of: "="), let value = UInt64(word[word.index(after: equals)...]) else { return nil }
                return (String(word[..<equals]), value)
            }
            guard !pairs.isEmpty else { continue }
            self.lines[stage, default: 0] += 1
            for (name, value) in pairs { self.sums[stage, default: [:]][name, default: 0] += value }
        }
    }

    /// The sum of `counter` over every summary line of `stage` (0 when absent).
    package func sum(_ stage: String, _ counter: String) -> UInt64 { self.sums[stage]?[counter] ?? 0 }
}
