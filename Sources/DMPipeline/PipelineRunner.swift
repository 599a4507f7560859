import DMConfiguration
import DMMetrics
import DMSystem
import Glibc

/// Runs a plan: each lane's stages connected by pipes, each lane's last stage connected to
/// dm-out by a Unix socket pair (posix_spawn, never a shell). SIGINT/SIGTERM go to every
/// lane's dm-capture so everything after it drains; waits for all stages and reports each
/// one that failed by name.
///
/// The stages run in a process group of their own, so a terminal's Ctrl-C reaches only
/// dnsmonster, which stops the captures; were it delivered to every stage at once, each
/// would stop reading and the records in the pipes between them would be lost.
public struct PipelineRunner {
    /// A stage that could not be started.
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A started stage.
    private struct Child {
        var pid: pid_t
        var name: String
        /// The executable's name, and its lane when there are several.
        var stage: String
        var lane: Int?
        /// Where the stage sits: receives stop signals (capture) or reload signals (filter, out).
        var role: Role
    }

    private enum Role { case capture, parse, filter, out }

    /// After a stage failed, how long the others may drain before they are stopped, and before
    /// those still running are killed.
    static let drainSeconds: UInt64 = 3
    static let killSeconds: UInt64 = 10

    /// How `child` ended, when that was a failure (not 0, not a broken pipe, not the SIGTERM
    /// this runner sent it after another stage failed): "exited with status N" or "was killed
    /// by signal N".
    private static func failure(of child: Child, status: Int32, stopped: Set<pid_t>) -> String? {
        let signal = status & 0x7F
        let code = (status >> 8) & 0xFF
        if signal == SIGPIPE || (signal == 0 && code == 141) { return nil }
        if signal == SIGTERM && stopped.contains(child.pid) { return nil }
        if signal != 0 { return "was killed by signal \(signal)" }
        if code != 0 { return "exited with status \(code)" }
        return nil
    }

    /// Causes with the lanes of one stage that ended alike folded into one line:
    /// "dm-capture (lanes 0, 1) exited with status 1".
    static func grouped(_ causes: [(stage: String, lane: Int?, outcome: String)]) -> [String] {
        /// One stage that ended one way, and the lanes it did so in.
        struct Group {
            var stage: String
            var outcome: String
            var lanes: [Int] = []
        }
        var groups: [Group] = []
        for cause in causes {
            let index = groups.firstIndex { $0.stage == cause.stage && $0.outcome == cause.outcome } ?? {
                groups.append(Group(stage: cause.stage, outcome: cause.outcome))
                return groups.count - 1
            }()
            if let lane = cause.lane { groups[index].lanes.append(lane) }
        }
        return groups.map { group in
            let lanes = group.lanes.map(String.init).joined(separator: ", ")
            let place = group.lanes.isEmpty ? "" : group.lanes.count == 1 ? " (lane \(lanes))" : " (lanes \(lanes))"
            return "\(group.stage)\(place) \(group.outcome)"
        }
    }

    /// Writes one line to standard error as it is (the stages' lines, the metrics line).
    @Sendable static func writeLine(_ line: String) {
        var text = line + "\n"
        // A failed write to standard error has nowhere left to be reported.
        text.withUTF8ByteView { try? FileDescriptorIO.writeAll(2, $0, object: "standard error") }
    }

    /// Bytes of socket buffer between a lane and dm-out: a lane writes 1 MiB at a time.
    static let socketBufferBytes: Int32 = 4 << 20

    let plan: PipelinePlan
    let directory: String
    /// Where the ledger and the failures are reported, a line at a time.
    let log: @Sendable (String) -> Void

    /// A runner for `plan`, whose executables are in `directory`, reporting to `log`.
    public init(plan: PipelinePlan, directory: String, log: @escaping @Sendable (String) -> Void) {
        self.plan = plan
        self.directory = directory
        self.log = log
    }

    /// Runs the pipeline; returns 0 when every stage exited 0, 141 when the consumer of
    /// dnsmonster's output went away (every failure a broken pipe), 1 otherwise. At the end it
    /// prints the pipeline's ledger (where every packet and record ended) and names each stage
    /// that failed, last.
    public func run() throws -> Int32 {
        for stage in plan.stages where access(directory + "/" + stage.name, X_OK) != 0 {
            throw StartError(description: "\(stage.name) not found next to dnsmonster in \(directory): build every product (swift build -c release)")
        }
        // The stages inherit this process's environment.
        for (name, value) in plan.environment { ProcessInformation.setEnvironmentValue(name, value) }
        // Block the signals handled here before starting anything (the monitor's threads
        // inherit the mask, so the signals reach sigtimedwait); children get an empty mask.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGINT, SIGTERM, SIGCHLD, SIGHUP] { sigaddset(&handled, signal) }
        pthread_sigmask(SIG_BLOCK, &handled, nil)

        // dm-out's --stats-out: every stage's STATS, for the metrics and the summary. Its write
        // end is moved above the descriptors dm-out receives, like the lanes' ends.
        let statsPipe = try ProcessSpawn.makePipe(object: "dm-out's STATS")
        let statsWriteEnd = try ProcessSpawn.moveAbove(statsPipe.write, minimum: 100, object: "dm-out's STATS")
        var statsWriteOpen = true
        defer { if statsWriteOpen { close(statsWriteEnd) } }
        let monitor = try PipelineMonitor(
            input: statsPipe.read, settings: try MonitorSettings.make(plan.metrics), report: self.log, writeMetricsLine: Self.writeLine)
        // Every stage writes its standard error here; the relay passes it on line by line.
        let relay = try StageErrorRelay(
            level: .init(showsStageCounters: plan.logLevel >= 4, showsWarnings: plan.logLevel >= 2), write: Self.writeLine)
        var relayOpen = true
        defer { if relayOpen { relay.finish() } }
        try monitor.start()
        let statsMapping = [(statsWriteEnd, plan.statsDescriptor)]

        var children: [Child] = []
        var group: pid_t = 0
        func start(_ stage: PipelinePlan.Stage, role: Role, lane: Int?, input: Int32, output: Int32, extra: [(Int32, Int32)] = []) throws {
            let pid = try ProcessSpawn.spawn(
                directory + "/" + stage.name, arguments: stage.arguments, input: input, output: output,
                extra: extra.map { (source: $0.0, target: $0.1) } + [(source: relay.writeEnd, target: 2)], group: group)
            if group == 0 { group = pid }
            let name = lane.map { "\(stage.name) (lane \($0))" } ?? stage.name
            children.append(Child(pid: pid, name: name, stage: stage.name, lane: lane, role: role))
        }
        do {
            if plan.lanes.count == 1 {
                let laneOutput = try startLane(plan.lanes[0], index: nil, output: nil, start: start)
                defer { close(laneOutput) }
                try start(plan.out, role: .out, lane: nil, input: laneOutput, output: 1, extra: statsMapping)
            } else {
                // A socket pair per lane; dm-out's ends are moved above the descriptors it
                // receives them on, so no dup2 of one overwrites another before it is used.
                var laneEnds: [Int32] = []
                var outEnds: [Int32] = []
                defer { (laneEnds + outEnds).forEach { close($0) } }
                for _ in plan.lanes {
                    let pair = try ProcessSpawn.makeSocketPair(object: "a lane")
                    ProcessSpawn.setSocketBuffer(pair.0, receive: false, bytes: Self.socketBufferBytes)
                    ProcessSpawn.setSocketBuffer(pair.1, receive: true, bytes: Self.socketBufferBytes)
                    laneEnds.append(pair.0)
                    outEnds.append(try ProcessSpawn.moveAbove(pair.1, minimum: 100, object: "a lane"))
                }
                let mapping = outEnds.enumerated().map { ($1, PipelinePlan.firstLaneDescriptor + Int32($0)) }
                try start(plan.out, role: .out, lane: nil, input: 0, output: 1, extra: mapping + statsMapping)
                for (index, lane) in plan.lanes.enumerated() {
                    _ = try startLane(lane, index: index, output: laneEnds[index], start: start)
                }
            }
        } catch {
            // Stop the stages already started (they would otherwise wait on their inputs).
            for child in children { kill(child.pid, SIGTERM) }
            for child in children { var status: Int32 = 0; _ = waitpid(child.pid, &status, 0) }
            close(statsWriteEnd)
            statsWriteOpen = false
            _ = monitor.finish(expectedProcesses: [:], sendsMetrics: false)
            throw error
        }
        // Only dm-out holds the write end now: the stream ends when dm-out exits.
        close(statsWriteEnd)
        statsWriteOpen = false
        let (status, causes) = supervise(children, handled: handled, monitor: monitor)
        // Every stage's last words are out before the ledger and the causes.
        relay.finish()
        relayOpen = false
        let lanes = plan.lanes.count
        let parsers = plan.lanes.filter { $0.parse != nil }.count
        let account = monitor.finish(
            expectedProcesses: ["dm-capture": lanes, "dm-parse": parsers, "dm-filter": lanes, "dm-out": 1], sendsMetrics: status != 141)
        // A consumer that went away (`| head`) ends the run on purpose: quietly, as a stage does.
        // After a failure the stages' own errors (above) and the causes say what happened; the
        // ledger follows only if anything was captured, without the gaps the failure explains.
        if status != 141 && (causes.isEmpty || account.captured > 0) {
            for line in account.summaryLines where causes.isEmpty || !line.hasPrefix("unaccounted:") { self.log(line) }
        }
        for cause in Self.grouped(causes) { self.log(cause) }
        return status
    }

    /// Starts capture | parse | filter; the filter writes to `output`, or, when it is nil, to a
    /// new pipe whose read end is returned (for dm-out; -1 otherwise).
    private func startLane(
        _ lane: PipelinePlan.Lane, index: Int?, output: Int32?,
        start: (PipelinePlan.Stage, Role, Int?, Int32, Int32, [(Int32, Int32)]) throws -> Void
    ) throws -> Int32 {
        var input: Int32 = 0
        let roles: [Role] = lane.parse == nil ? [.capture, .filter] : [.capture, .parse, .filter]
        for (position, stage) in lane.stages.enumerated() {
            let last = position == lane.stages.count - 1
            var fds: [Int32] = [-1, -1]
            if !last || output == nil {
                let pipe = try ProcessSpawn.makePipe(object: stage.name)
                fds = [pipe.read, pipe.write]
            }
            let stageOutput = last ? (output ?? fds[1]) : fds[1]
            do {
                try start(stage, roles[position], index, input, stageOutput, [])
            } catch {
                if fds[0] >= 0 { close(fds[0]); close(fds[1]) }
                if input != 0 { close(input) }
                throw error
            }
            if input != 0 { close(input) }
            if fds[1] >= 0 { close(fds[1]) }
            input = fds[0]
        }
        return output == nil ? input : -1
    }

    /// Waits for every child; a stop signal goes to every dm-capture, SIGHUP to every
    /// dm-filter and to dm-out (dm-filter reloads its lists, dm-out reopens its file).
    ///
    /// A stage that ends abnormally (killed, or a status other than 0 and the broken pipe's
    /// 141) stops the whole pipeline, so a supervisor sees dnsmonster exit and restarts it: the
    /// captures are stopped at once and what is in flight drains; stages still running
    /// ``drainSeconds`` later are stopped, and killed ``killSeconds`` after the failure.
    /// Returns the exit status and the stages that caused a failure, named.
    private func supervise(
        _ children: [Child], handled: sigset_t, monitor: PipelineMonitor
    ) -> (Int32, [(stage: String, lane: Int?, outcome: String)]) {
        var handled = handled
        var statuses: [pid_t: Int32] = [:]
        var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
        var failedAt: UInt64?
        var stoppedRest = false, killedRest = false
        /// Stages this runner stopped after a failure: ending of that signal is no cause.
        var stopped: Set<pid_t> = []
        func running(_ role: Role? = nil) -> [Child] {
            children.filter { statuses[$0.pid] == nil && (role == nil || $0.role == role) }
        }
        while statuses.count < children.count {
            monitor.tick()
            let signal = sigtimedwait(&handled, nil, &timeout)
            if signal == SIGINT || signal == SIGTERM {
                for child in running(.capture) { kill(child.pid, signal) }
            } else if signal == SIGHUP {
                for child in running() where child.role == .filter || child.role == .out { kill(child.pid, SIGHUP) }
            }
            // Only the stages are reaped (not waitpid(-1)): the process running the pipeline
            // may have other children of its own, which are not this runner's to collect.
            for child in running() {
                var status: Int32 = 0
                guard waitpid(child.pid, &status, WNOHANG) == child.pid else { continue }
                statuses[child.pid] = status
                if failedAt == nil, Self.failure(of: child, status: status, stopped: stopped) != nil {
                    failedAt = WallClock.monotonicNanoseconds()
                    for capture in running(.capture) {
                        kill(capture.pid, SIGTERM)
                        stopped.insert(capture.pid)
                    }
                }
            }
            guard let failedAt else { continue }
            let elapsed = WallClock.monotonicNanoseconds() &- failedAt
            if !stoppedRest && elapsed >= Self.drainSeconds * 1_000_000_000 {
                stoppedRest = true
                for child in running() {
                    kill(child.pid, SIGTERM)
                    stopped.insert(child.pid)
                }
            }
            if !killedRest && elapsed >= Self.killSeconds * 1_000_000_000 {
                killedRest = true
                for child in running() {
                    self.log("\(child.name) did not stop; killing it")
                    kill(child.pid, SIGKILL)
                }
            }
        }
        // A stage whose consumer went away exits 141 (or dies of SIGPIPE): a consequence, not a
        // cause. Report the causes; when there are none the consumer of dnsmonster went away.
        var causes: [(stage: String, lane: Int?, outcome: String)] = []
        var brokenPipes = 0
        for child in children {
            let status = statuses[child.pid, default: 0]
            if let cause = Self.failure(of: child, status: status, stopped: stopped) {
                causes.append((child.stage, child.lane, cause))
            } else if status != 0 {
                brokenPipes += 1
            }
        }
        if !causes.isEmpty { return (1, causes) }
        return (brokenPipes > 0 ? 141 : 0, [])
    }
}
