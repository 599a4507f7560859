import DMConfiguration
import DMMetrics
import DMPipeline
import Glibc

/// `dnsmonster`: dnsmonster's command line, environment and INI file, run as the pipeline
/// dm-capture | dm-parse | dm-filter | dm-out, with a capture|parse|filter lane per core.
///
/// ArgumentParser does not follow go-flags (case-insensitive names, `--x v` for every type,
/// env and INI layers), so argv is parsed by DMConfiguration.
@main
enum DNSMonster {
    static let version = "dnsmonster for Swift 0.1 (the dm-* pipeline)"

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
        for (key, value) in ProcessEnvironment.variables() where key.hasPrefix("DNSMONSTER_") {
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
        for note in plan.notes { standardError(note) }
        if configuration.extraFlags.contains(.dryrun) {
            for line in plan.shellCommands { print(line) }
            return 0
        }
        return try PipelineRunner(plan: plan, directory: ExecutableLocation.directory(), log: standardError).run()
    }

    static func standardError(_ line: String) {
        let text = "dnsmonster: \(line)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        standardError(message)
        exit(status)
    }
}

/// The process environment as a dictionary.
enum ProcessEnvironment {
    static func variables() -> [(String, String)] {
        var result: [(String, String)] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
            }
            pointer += 1
        }
        return result
    }
}

/// Where the dm-* executables are: next to this one.
enum ExecutableLocation {
    static func directory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
