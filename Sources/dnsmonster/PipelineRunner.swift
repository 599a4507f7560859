import DMConfiguration
import Glibc

/// Runs the four stages of a plan connected by pipes (posix_spawn, never a shell), forwards
/// SIGINT/SIGTERM to dm-capture so the stages after it drain, waits for all of them and
/// reports each one that failed by name.
struct PipelineRunner {
    /// A stage that could not be started.
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    let plan: PipelinePlan
    let directory: String

    /// Runs the pipeline; returns 0 when every stage exited 0, 141 when the consumer of
    /// dnsmonster's output went away (every failure a broken pipe), 1 otherwise, after naming
    /// each stage that failed on stderr.
    func run() throws -> Int32 {
        let stages = plan.stages
        for stage in stages where access(directory + "/" + stage.name, X_OK) != 0 {
            throw StartError(description: "\(stage.name) not found next to dnsmonster in \(directory): build every product (swift build -c release)")
        }
        // Block the signals handled here before starting anything; children get an empty mask.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGINT, SIGTERM, SIGCHLD, SIGHUP] { sigaddset(&handled, signal) }
        pthread_sigmask(SIG_BLOCK, &handled, nil)

        var pids: [pid_t] = []
        var input: Int32 = 0
        for (index, stage) in stages.enumerated() {
            let last = index == stages.count - 1
            var fds: [Int32] = [-1, -1]
            if !last {
                guard pipe(&fds) == 0 else { throw StartError(description: "pipe: \(String(cString: strerror(errno)))") }
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            }
            let output: Int32 = last ? 1 : fds[1]
            let pid: pid_t
            do {
                pid = try spawn(directory + "/" + stage.name, stage.arguments, input: input, output: output)
            } catch {
                // Stop the stages already started (they would otherwise wait on their pipes).
                for started in pids { kill(started, SIGTERM) }
                for started in pids { var status: Int32 = 0; _ = waitpid(started, &status, 0) }
                throw error
            }
            pids.append(pid)
            if input != 0 { close(input) }
            if !last { close(fds[1]); input = fds[0] }
        }
        return supervise(pids: pids, names: stages.map(\.name), handled: handled)
    }

    /// Waits for every child; a stop signal goes to dm-capture, SIGHUP to dm-filter and
    /// dm-out (dm-filter reloads its lists, dm-out reopens its file).
    private func supervise(pids: [pid_t], names: [String], handled: sigset_t) -> Int32 {
        var handled = handled
        var statuses: [pid_t: Int32] = [:]
        var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
        while statuses.count < pids.count {
            let signal = sigtimedwait(&handled, nil, &timeout)
            if signal == SIGINT || signal == SIGTERM {
                if statuses[pids[0]] == nil { kill(pids[0], signal) }
            } else if signal == SIGHUP {
                for pid in pids.dropFirst(2) where statuses[pid] == nil { kill(pid, SIGHUP) }
            }
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                if pid <= 0 { break }
                statuses[pid] = status
            }
        }
        // A stage whose consumer went away exits 141 (or dies of SIGPIPE): a consequence, not a
        // cause. Report the causes; when there are none the consumer of dnsmonster went away.
        var causes: [String] = []
        var brokenPipes = 0
        for (pid, name) in zip(pids, names) {
            let status = statuses[pid]!
            let signal = status & 0x7F
            let code = (status >> 8) & 0xFF
            if signal == SIGPIPE || (signal == 0 && code == 141) {
                brokenPipes += 1
            } else if signal != 0 {
                causes.append("\(name) was killed by signal \(signal)")
            } else if code != 0 {
                causes.append("\(name) exited with status \(code)")
            }
        }
        for cause in causes { DNSMonster.standardError(cause) }
        if !causes.isEmpty { return 1 }
        return brokenPipes > 0 ? 141 : 0
    }

    /// Starts one stage with `input` and `output` as its standard input and output, default
    /// signal dispositions and an empty signal mask.
    private func spawn(_ path: String, _ arguments: [String], input: Int32, output: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if input != 0 { posix_spawn_file_actions_adddup2(&actions, input, 0) }
        if output != 1 { posix_spawn_file_actions_adddup2(&actions, output, 1) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw StartError(description: "cannot start \(path): \(String(cString: strerror(status)))")
        }
        return pid
    }
}
