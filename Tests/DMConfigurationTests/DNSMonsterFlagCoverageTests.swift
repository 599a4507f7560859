@testable import DMConfiguration
import DMTestSupport
import Foundation
import Testing

/// Walks every flag of ../shared/reference/flags.txt: each is in the option table with the same
/// facts and has a support status that behaves as it says.
@Suite struct DNSMonsterFlagCoverageTests {
    struct Flag: CustomStringConvertible {
        var name: String, type: String, defaultValue: String?, environment: String?, choices: [String]
        var description: String { name }
    }

    static let flags: [Flag] = {
        let path = Programs.packageRoot + "/../shared/reference/flags.txt"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let pattern = try! NSRegularExpression(pattern: #"^--(\S+) \((\S+)\) default='(.*?)' env=(\S+)( choices=(\S+))?"#)
        return text.split(separator: "\n").compactMap { line -> Flag? in
            let line = String(line)
            guard let match = pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
            func group(_ index: Int) -> String? {
                Range(match.range(at: index), in: line).map { String(line[$0]) }
            }
            return Flag(
                name: group(1)!, type: group(2)!, defaultValue: group(3) == "<none>" ? nil : group(3),
                environment: group(4) == "None" ? nil : group(4),
                choices: group(6)?.split(separator: "|").map(String.init) ?? [])
        }
    }()

    @Test func flagsFileIsReadAndMatchesTheTableSize() {
        #expect(Self.flags.count == 154)
        #expect(OptionTable.dnsmonster.count == Self.flags.count)
    }

    /// A value other than the default for a flag of this type.
    static func otherValue(_ flag: Flag) -> String? {
        if let choice = flag.choices.first(where: { $0 != flag.defaultValue }) { return choice }
        switch flag.name {
        case "sampleratio": return "1:7"
        case "fileoutputrotatecron": return "@hourly"
        default: break
        }
        switch flag.type {
        case "bool": return nil
        case "uint", "int", "uint8": return "7"
        case "time.Duration": return "7s"
        default: return "x"
        }
    }

    @Test(arguments: flags)
    func flagIsKnownAndClassified(_ flag: Flag) throws {
        let option = try #require(OptionTable.option(named: flag.name), "--\(flag.name) is not in the option table")
        #expect(option.defaultValue == flag.defaultValue)
        #expect(option.environment == flag.environment)
        #expect(option.choices == flag.choices)
        #expect(OptionTable.sections.contains { $0.name == option.section })

        let value = Self.otherValue(flag)
        let setting = value.map { "--\(flag.name)=\($0)" } ?? "--\(flag.name)"
        var base = ["--pcapFile", "x.pcap", "--stdoutOutputType=1"]
        switch flag.name {
        case "devname", "pcapfile", "dnstapsocket": base = ["--stdoutOutputType=1"]
        case "fileoutputtype": base += ["--fileOutputPath", "logs"]
        default: break
        }
        switch OptionSupport.of(option) {
        case .wrapper(let what):
            #expect(!what.isEmpty)
            if option.section == "metric" {
                // dnsmonster's own metrics: the setting plans (with the address its endpoint
                // type needs) and reaches the plan's metrics.
                var arguments = base + [setting]
                if flag.name == "metricendpointtype" {
                    arguments += ["--metricStatsdAgent=127.0.0.1:8125", "--metricPrometheusEndpoint=http://127.0.0.1:2112/metrics"]
                }
                let plain = try PipelinePlanner.plan(Configuration.resolve(arguments: base, environment: [:]), host: .oneCore)
                let plan = try PipelinePlanner.plan(Configuration.resolve(arguments: arguments, environment: [:]), host: .oneCore)
                #expect(plan.metrics != plain.metrics, "--\(flag.name) did not reach the plan")
            } else if flag.name == "loglevel" {
                let plain = try PipelinePlanner.plan(Configuration.resolve(arguments: base, environment: [:]), host: .oneCore)
                let plan = try PipelinePlanner.plan(Configuration.resolve(arguments: base + [setting], environment: [:]), host: .oneCore)
                #expect(plan.logLevel != plain.logLevel, "--loglevel did not reach the plan")
            } else {
                #expect(["config", "version", "help", "writeconfig"].contains(flag.name))
            }
        case .mapped(let stageFlag):
            #expect(stageFlag.hasPrefix("dm-"))
            let configuration = try Configuration.resolve(arguments: base + [setting], environment: [:])
            #expect(configuration.isChanged(option))
            let plan = try PipelinePlanner.plan(configuration, host: .oneCore)
            #expect(plan.notes.allSatisfy { !$0.hasPrefix("ignoring --\(flag.name)=") })
        case .ignored(let reason):
            #expect(reason.count > 20)
            let plan = try PipelinePlanner.plan(Configuration.resolve(arguments: base + [setting], environment: [:]), host: .oneCore)
            let notes = plan.notes.filter { $0.contains("--\(flag.name)=") }
            #expect(notes.count == 1)
            #expect(notes.first?.contains(reason) == true)
        case .notYet(let reason):
            // At its default (or not given) the flag is fine …
            _ = try PipelinePlanner.plan(Configuration.resolve(arguments: base, environment: [:]), host: .oneCore)
            // … set to something else it is refused with a message naming it and what will bring it.
            let configuration = try Configuration.resolve(arguments: base + [setting], environment: [:])
            do {
                _ = try PipelinePlanner.plan(configuration, host: .oneCore)
                Issue.record("--\(flag.name) set was not refused")
            } catch {
                guard case .notYetSupported(let refused, _, _, let message) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(refused.name == flag.name)
                #expect(message == reason)
                #expect(error.description.contains("--\(flag.name)") && error.description.contains("not supported yet"))
            }
        }
    }

    @Test func disabledOutputTypeIsFine() throws {
        let plan = try PipelinePlanner.plan(Configuration.resolve(
            arguments: ["--pcapFile", "x.pcap", "--clickhouseOutputType=0", "--kafkaOutputType", "0", "--stdoutOutputType=1"],
            environment: [:]), host: .oneCore)
        #expect(plan.notes.isEmpty)
    }
}
