#if canImport(Glibc)
import Glibc
#endif

/// Facts about the running process: its environment and where its executable is.
public enum ProcessInformation {
    /// The value of the environment variable `name`, nil when it is not set.
    public static func environmentValue(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Sets the environment variable `name` (for the children started after).
    public static func setEnvironmentValue(_ name: String, _ value: String) {
        setenv(name, value, 1)
    }

    /// The environment as name–value pairs, in the order the process received them.
    public static func environment() -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var entry = environ
        while let text = entry.pointee.map({ String(cString: $0) }) {
            if let equals = text.firstIndex(of: "=") {
                result.append((String(text[..<equals]), String(text[text.index(after: equals)...])))
            }
            entry += 1
        }
        return result
    }

    /// The folder holding the running executable (from /proc/self/exe; from argv[0] when that
    /// cannot be read).
    public static func executableDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}

/// Facts about the machine.
public enum SystemHost {
    /// The machine's host name (gethostname), "-" when it cannot be read.
    public static var name: String {
        var name = [UInt8](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "-" }
        return String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
    }
}
