import DMConfiguration
import DMMetrics
import DMPipeline
import DMRecord
import DMSystem
import Glibc

/// `dnsmonster`: dnsmonster's command line, environment and INI file, run as the pipeline
/// dm-capture | dm-parse | dm-filter | dm-out, with a capture|parse|filter lane per core.
///
/// ArgumentParser does not follow go-flags (case-insensitive names, `--x v` for every type,
/// env and INI layers), so argv is parsed by DMConfiguration.
@main
enum DNSMonster {
    static let version = "dnsmonster for Swift \(DMRecordVersion.string) (the dm-* pipeline)"

    static func main() {
        do {
            exit(try run(Array(CommandLine.arguments.dropFirst())))
        } catch let error as ConfigurationError {
            fail("\(error)", status: 2)
        } catch let error as MetricsEndpointError {
            fail("\(error)", status: 2)
        } catch {
            fail("\(error)", status: 1)
        }
    }

    static func run(_ arguments: [String]) throws -> Int32 {
        var environment: [String: String] = [:]
        for (key, value) in ProcessInformation.environment() where key.hasPrefix("DNSMONSTER_") {
            environment[key] = value
        }
        let configuration = try Configuration.resolve(arguments: arguments, environment: environment)
        if configuration[.help] {
            print(HelpText.render(), terminator: "")
            return 0
        }
        if configuration[.version] {
            print(version)
            return 0
        }
        let writeConfig = configuration[.writeConfig]
        if !writeConfig.isEmpty {
            try ConfigurationFile.write(INIWriter.render(configuration), to: writeConfig)
            if writeConfig != "-" { standardError("wrote the configuration to \(writeConfig)") }
            return 0
        }
        let host = PlanningHost(cores: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), fanoutGroup: UInt16(truncatingIfNeeded: getpid()))
        let plan = try PipelinePlanner.plan(configuration, host: host)
        try ValueCheck.check(configuration)
        for note in plan.notes { standardError(note) }
        if configuration.extraFlags.contains(.dryrun) {
            for line in plan.shellCommands { print(line) }
            return 0
        }
        return try PipelineRunner(plan: plan, directory: ProcessInformation.executableDirectory(), log: standardError).run()
    }

    static func standardError(_ line: String) {
        var text = "dnsmonster: \(line)\n"
        // A failed write to standard error has nowhere left to be reported.
        text.withUTF8ByteView { try? FileDescriptorIO.writeAll(2, $0, object: "standard error") }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        standardError(message)
        exit(status)
    }
}
