import Foundation

/// A real ClickHouse server (Debian's 18.16, ../shared/servers/clickhouse.sh) in a temporary
/// folder on free loopback ports, stopped when released.
package final class ClickHouseServer {
    package let directory: TemporaryDirectory
    /// The native protocol's port.
    package let port: Int
    package let httpPort: Int
    package static let script = Programs.packageRoot + "/../shared/servers/clickhouse.sh"
    private static let nextOffset = LockedCounter()

    /// Starts a server; each server of a test process gets its own ports.
    /// - Parameter extraConfiguration: the body of a `config.d` file merged into the
    ///   server's configuration (`<remote_servers>…`), made from the server's own port.
    package init(extraConfiguration: ((Int) -> String)? = nil) throws {
        guard FileManager.default.fileExists(atPath: Self.script) else { throw TestFailure("the shared server scripts are missing: \(Self.script)") }
        self.directory = try TemporaryDirectory()
        let offset = Self.nextOffset.next()
        self.port = 21000 + Int(getpid() % 1000) * 10 + (offset % 5) * 2
        self.httpPort = self.port + 1
        if let extraConfiguration {
            try FileManager.default.createDirectory(atPath: self.directory.file("config.d"), withIntermediateDirectories: true)
            try "<?xml version=\"1.0\"?>\n<yandex>\n\(extraConfiguration(self.port))\n</yandex>\n".write(
                toFile: self.directory.file("config.d/extra.xml"), atomically: false, encoding: .utf8)
        }
        let start = try Programs.shell("\(self.environment) bash \(Self.script) start")
        guard start.status == 0 else { throw TestFailure("clickhouse-server did not start: \(start.standardError)") }
    }

    private var environment: String { "CH_DIR=\(self.directory.path) CH_TCP=\(self.port) CH_HTTP=\(self.httpPort)" }

    deinit { self.stop() }

    /// Stops the server (gracefully, then by force).
    package func stop() {
        _ = try? Programs.shell("\(self.environment) bash \(Self.script) stop")
    }

    /// Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone.
    package func kill() throws {
        let result = try Programs.shell(
            "pid=$(cat \(self.directory.path)/pid) && kill -9 $pid && while ps -o stat= -p $pid | grep -qv Z; do sleep 0.05; done; rm -f \(self.directory.path)/pid")
        guard result.status == 0 else { throw TestFailure("could not kill clickhouse-server: \(result.standardError)") }
    }

    /// Starts it again on the same ports and data.
    package func restart() throws {
        let start = try Programs.shell("\(self.environment) bash \(Self.script) start")
        guard start.status == 0 else { throw TestFailure("clickhouse-server did not start again: \(start.standardError)") }
    }

    /// Adds a user with a password (a users.d file, which the server reloads) and waits up to
    /// 10 s until it can log in.
    package func addUser(_ name: String, password: String) throws {
        try FileManager.default.createDirectory(atPath: self.directory.file("users.d"), withIntermediateDirectories: true)
        try """
            <?xml version="1.0"?>
            <yandex><users><\(name)><password>\(password)</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile><quota>default</quota></\(name)></users></yandex>
            """.write(toFile: self.directory.file("users.d/\(name).xml"), atomically: true, encoding: .utf8)
        for _ in 0..<100 {
            let login = try Programs.run(
                "/usr/bin/clickhouse-client", ["--host", "127.0.0.1", "--port", String(self.port), "--user", name, "--password", password, "--query", "SELECT 1"])
            if login.status == 0 { return }
            usleep(100_000)
        }
        throw TestFailure("the user \(name) could not log in after 10 s")
    }

    /// Runs `query` with clickhouse-client and returns what it printed (TabSeparated).
    /// - Throws: when the client fails, with its message.
    package func query(_ query: String, format: String = "TabSeparated") throws -> String {
        let output = self.directory.file("query-\(UUID().uuidString).out")
        let result = try Programs.run(
            "/usr/bin/clickhouse-client",
            ["--host", "127.0.0.1", "--port", String(self.port), "--format", format, "--multiquery", "--query", query], output: output)
        guard result.status == 0 else { throw TestFailure("clickhouse-client failed on \(query): \(result.standardError)") }
        let text = try String(contentsOfFile: output, encoding: .utf8)
        try? FileManager.default.removeItem(atPath: output)
        return text
    }
}

/// A failure of the test's own set-up, with its reason.
package struct TestFailure: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}

/// A counter several threads draw numbers from.
package final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    package init() {}
    package func next() -> Int {
        self.lock.lock()
        defer { self.lock.unlock() }
        self.value += 1
        return self.value - 1
    }
}
