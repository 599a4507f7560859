import DMBytes
import DMSystem
import Glibc
import Testing

/// The system-call layer: descriptors, mappings, processes, and the EINTR rule.
@Suite("System calls")
struct SystemTests {
    /// A fresh file under the system's temporary folder, removed at the end of the test.
    final class TemporaryFile {
        let path: String
        init(_ bytes: [UInt8]) throws {
            var template = Array("/tmp/dm-system-test-XXXXXX".utf8CString)
            let fd = mkstemp(&template)
            guard fd >= 0 else { throw SystemError.current("mkstemp", "/tmp") }
            self.path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            defer { close(fd) }
            try bytes.withByteView { (view) throws(SystemError) in try FileDescriptorIO.writeAll(fd, view, object: self.path) }
        }
        deinit { unlink(self.path) }
    }

    static let content: [UInt8] = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }

    @Test("writeAll and readToEnd move every byte of a file larger than one read")
    func fileRoundTrip() throws {
        let file = try TemporaryFile(Self.content)
        let fd = open(file.path, O_RDONLY)
        #expect(fd >= 0)
        defer { close(fd) }
        #expect(try FileDescriptorIO.readToEnd(fd, object: file.path) == Self.content)
    }

    @Test("a mapping shows the rest of the file from the bytes already read")
    func mapping() throws {
        let file = try TemporaryFile(Self.content)
        let fd = open(file.path, O_RDONLY)
        defer { close(fd) }
        #expect(lseek(fd, 100, SEEK_SET) == 100)
        let mapping = try #require(FileMapping.mapRest(of: fd, alreadyRead: 10, minimumSize: 1))
        #expect(mapping.fileOffset == 90)
        #expect(mapping.bytes.count == Self.content.count - 90)
        Array(Self.content[90...]).withByteView { #expect($0.bytesEqual(mapping.bytes)) }
        #expect(FileMapping.mapRest(of: fd, alreadyRead: 0, minimumSize: Self.content.count * 2) == nil)
    }

    @Test("a failed call names its operation, object and errno's text")
    func errors() throws {
        var scratch = [UInt8](repeating: 0, count: 8)
        #expect(throws: SystemError(code: EBADF, operation: "read from", object: "nowhere")) {
            _ = try scratch.withMutableByteView { (view) throws(SystemError) in try FileDescriptorIO.read(-1, into: view, object: "nowhere") }
        }
        #expect(SystemError(code: ENOENT, operation: "open", object: "/x").description == "open /x: No such file or directory")
        guard case .failed(let code) = retryingInterrupts({ close(-1) }) else {
            Issue.record("close(-1) succeeded")
            return
        }
        #expect(code == EBADF)
    }

    @Test("a stop signal ends a read a signal interrupts; without one the read goes on")
    func interruptedRead() throws {
        let pipe = try ProcessSpawn.makePipe(object: "test")
        defer { close(pipe.read); close(pipe.write) }
        let stop = StopSignal()
        stop.raise()
        #expect(stop.isRaised && !StopSignal().isRaised)
        // An interruption is simulated: the call fails with EINTR once, then would succeed.
        var calls = 0
        let outcome = retryingInterrupts(stop: stop) { () -> Int in
            calls += 1
            errno = EINTR
            return -1
        }
        guard case .interrupted = outcome else {
            Issue.record("not interrupted: \(outcome)")
            return
        }
        #expect(calls == 1)
        calls = 0
        let retried = retryingInterrupts { () -> Int in
            calls += 1
            if calls < 3 {
                errno = EINTR
                return -1
            }
            return 5
        }
        guard case .value(5) = retried else {
            Issue.record("not retried: \(retried)")
            return
        }
    }

    @Test("a spawned process gets its descriptors and its exit status comes back")
    func spawn() throws {
        let pipe = try ProcessSpawn.makePipe(object: "child output")
        #expect(fcntl(pipe.read, F_GETFD) & FD_CLOEXEC != 0)
        let moved = try ProcessSpawn.moveAbove(pipe.write, minimum: 50, object: "child output")
        #expect(moved >= 50 && fcntl(moved, F_GETFD) & FD_CLOEXEC != 0)
        let pid = try ProcessSpawn.spawn(
            "/bin/sh", arguments: ["-c", "echo hello >&7; exit 3"], input: 0, output: 1, extra: [(source: moved, target: 7)], group: 0)
        close(moved)
        defer { close(pipe.read) }
        #expect(try FileDescriptorIO.readToEnd(pipe.read, object: "child output") == Array("hello\n".utf8))
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        #expect((status >> 8) & 0xFF == 3)
        #expect(throws: SystemError(code: ENOENT, operation: "start", object: "/nonexistent/dm-stage")) {
            _ = try ProcessSpawn.spawn("/nonexistent/dm-stage", arguments: [], input: 0, output: 1, extra: [], group: 0)
        }
    }

    @Test("Folders.create: nested folders, an existing one, and a file in the way")
    func createFolders() throws {
        let file = try TemporaryFile([])
        let root = file.path + ".d"
        defer { _ = Glibc.system("rm -rf '\(root)'") }
        try Folders.create(root + "/a/b/c")
        var status = stat()
        #expect(stat(root + "/a/b/c", &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR)
        try Folders.create(root + "/a/b/")
        #expect(throws: SystemError.self) { try Folders.create(file.path + "/x") }
        #expect(Folders.parent(of: "/var/log/x.log") == "/var/log")
        #expect(Folders.parent(of: "/x.log") == "/")
        #expect(Folders.parent(of: "x.log") == nil)
    }

    @Test("writeUntilFailure says how far a write got before the device refused")
    func writeProgress() throws {
        let fd = open("/dev/full", O_WRONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let progress = [UInt8](repeating: 1, count: 100).withByteView { FileDescriptorIO.writeUntilFailure(fd, $0, object: "/dev/full") }
        #expect(progress.written == 0)
        #expect(progress.error?.code == ENOSPC)
        let null = open("/dev/null", O_WRONLY)
        defer { close(null) }
        let whole = [UInt8](repeating: 1, count: 100).withByteView { FileDescriptorIO.writeUntilFailure(null, $0, object: "/dev/null") }
        #expect(whole.written == 100 && whole.error == nil)
    }
}
