import DMBytes
import DMSystem

#if canImport(Glibc)
import Glibc
#endif

/// A Frame Streams server for dnstap writers: it listens on a Unix or TCP socket, serves many
/// writers at once from one thread (poll(2)), runs each connection's bidirectional handshake
/// (READY → ACCEPT, START, data, STOP → FINISH) and hands every data frame to its caller.
///
/// A writer that breaks the protocol (garbage before the handshake, another content type, a
/// control frame out of order) is disconnected and counted; the others go on. Frames longer than
/// the maximum are skipped as they arrive. At most ``maximumClients`` connections are served;
/// more are closed at once and counted.
public final class FrameStreamsServer {
    /// What the server saw of its clients.
    public struct Counters: Hashable, Sendable {
        public var connected: UInt64 = 0
        public var disconnected: UInt64 = 0
        public var refused: UInt64 = 0
        public var protocolErrors: UInt64 = 0
        public var cutFrames: UInt64 = 0
    }

    /// One writer's connection.
    private final class Client {
        let socket: StreamSocket
        let reader: FrameStreamsReader
        var handshake = FrameStreamsHandshake(bidirectional: true)
        var name: String { self.socket.peer }

        init(socket: StreamSocket, maximumFrameSize: Int) {
            self.socket = socket
            self.reader = FrameStreamsReader(maximumFrameSize: maximumFrameSize)
        }
    }

    /// The listening socket.
    public let listener: ListeningSocket
    /// The largest data frame handed out.
    public let maximumFrameSize: Int
    /// The most connections served at once.
    public let maximumClients: Int
    /// The counters.
    public private(set) var counters = Counters()
    /// Data frames longer than ``maximumFrameSize``, over all connections so far.
    public private(set) var framesTooLarge: UInt64 = 0
    /// Where problems with writers are reported (one line each, the first ``reportLimit``).
    private let report: (String) -> Void
    private static let reportLimit = 20
    private var reports = 0
    private var clients: [Client] = []
    private var connectionNumber: UInt64 = 0
    private var poll = ReadinessPoll()
    /// While the process is out of descriptors, accepting waits until then (monotonic ns).
    private var acceptPausedUntil: UInt64 = 0

    /// - Parameters:
    ///   - listener: the socket to accept writers on.
    ///   - maximumFrameSize: the largest data frame handed out; longer ones are skipped.
    ///   - maximumClients: the most connections served at once.
    ///   - report: receives a line for each writer that breaks the protocol.
    public init(listener: ListeningSocket, maximumFrameSize: Int, maximumClients: Int, report: @escaping (String) -> Void) {
        self.listener = listener
        self.maximumFrameSize = maximumFrameSize
        self.maximumClients = maximumClients
        self.report = report
    }

    /// Serves writers until `stop` is raised, then reads what the open connections already
    /// delivered, closes them and the listener.
    /// - Parameters:
    ///   - stop: ends the loop.
    ///   - willWait: called before the loop waits for input (flush what is buffered).
    ///   - tick: called at least every `tickMilliseconds`, also while no writer sends.
    ///   - data: called with each data frame of a started stream; the view is valid during the call.
    /// - Throws: what `data` or `tick` throw, and ``SystemError`` when polling or accepting fails.
    public func run(
        stop: StopSignal, tickMilliseconds: Int32, willWait: () -> Void, tick: () throws -> Void,
        data: (ByteView) throws -> Void
    ) throws {
        defer { self.closeAll() }
        while !stop.isRaised {
            // poll(2) skips a negative descriptor: the listener rests while accepting is paused.
            let accepting = WallClock.monotonicNanoseconds() >= self.acceptPausedUntil
            self.poll.watch(CollectionOfOne(accepting ? self.listener.descriptor : -1) + self.clients.map(\.socket.descriptor))
            // A writer sending frame by frame leaves the loop waiting between frames: only after
            // a quiet moment is the wait reported (a flush), not for every frame.
            var outcome = try self.poll.wait(milliseconds: 2, stop: stop)
            if outcome == .timedOut {
                willWait()
                outcome = try self.poll.wait(milliseconds: tickMilliseconds, stop: stop)
            }
            if outcome == .ready {
                // Clients first, by the indexes this poll used; accepting appends after them.
                var closing: [Int] = []
                for index in self.clients.indices where self.poll.isReady(index + 1) {
                    if !(try self.receive(from: self.clients[index], waiting: true, data: data)) { closing.append(index) }
                }
                for index in closing.reversed() { self.close(at: index) }
                if accepting && self.poll.isReady(0) { try self.acceptWaiting() }
            }
            try tick()
        }
        // Stopped: what the writers already sent is taken, not dropped.
        var closing: [Int] = []
        for index in self.clients.indices {
            if !(try self.receive(from: self.clients[index], waiting: false, data: data)) { closing.append(index) }
        }
        for index in closing.reversed() { self.close(at: index) }
    }

    private func acceptWaiting() throws(SystemError) {
        // A bounded number per round, so a flood of connections does not starve the writers.
        for _ in 0..<64 {
            let number = self.connectionNumber &+ 1
            let accepted: StreamSocket?
            do {
                accepted = try self.listener.accept(peer: "\(self.listener.name) connection \(number)", sendTimeoutNanoseconds: 1_000_000_000)
            } catch {
                // Out of descriptors or memory: the writers connected are served on, and new
                // ones wait in the backlog; accepting is tried again a moment later.
                guard [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.code) else { throw error }
                self.note("\(error); new writers wait (open connections: \(self.clients.count); raise ulimit -n or lower --dnstap-max-clients)")
                self.acceptPausedUntil = WallClock.monotonicNanoseconds() &+ 100_000_000
                return
            }
            guard let socket = accepted else { return }
            self.connectionNumber = number
            guard self.clients.count < self.maximumClients else {
                self.counters.refused &+= 1
                self.note("\(socket.peer) refused: \(self.maximumClients) writers are connected already (--dnstap-max-clients)")
                socket.close()
                continue
            }
            self.counters.connected &+= 1
            self.clients.append(Client(socket: socket, maximumFrameSize: self.maximumFrameSize))
        }
    }

    /// Reads what `client` sent and handles its frames; false when the connection is to be
    /// closed (the writer finished, left, or broke the protocol).
    private func receive(from client: Client, waiting: Bool, data: (ByteView) throws -> Void) throws -> Bool {
        // While serving: a few reads per readiness while bytes keep coming, then the next
        // connection gets a turn. When stopping: until the connection holds nothing more, or
        // a few thousand reads (tens of MiB) of a writer that goes on sending.
        for _ in 0..<(waiting ? 16 : 4096) {
            let count: Int?
            let space = client.reader.space()
            do {
                count = try FileDescriptorIO.receiveAvailable(client.socket.descriptor, into: space, object: client.name)
            } catch {
                self.note("\(client.name): \(error)")
                return false
            }
            guard let count else { return true }
            if count == 0 {
                if client.reader.holdsPartialFrame {
                    self.counters.cutFrames &+= 1
                    self.note("\(client.name) ended inside a frame at offset \(client.reader.offset)")
                }
                return false
            }
            client.reader.didRead(count)
            let before = client.reader.framesTooLarge
            defer { self.framesTooLarge &+= client.reader.framesTooLarge &- before }
            do {
                while let frame = try client.reader.next(acceptsData: client.handshake.isReceiving) {
                    switch frame {
                    case .data(let payload):
                        try data(payload)
                    case .control(let control):
                        if let reply = try client.handshake.handle(control, offset: client.reader.frameOffset) {
                            do {
                                try reply.encoded.withByteView { (bytes) throws(SystemError) in try client.socket.sendAll(bytes) }
                            } catch {
                                self.note("\(client.name): could not send \(reply.kind): \(error)")
                                return false
                            }
                        }
                        if client.handshake.state == .stopped { return false }
                    }
                }
            } catch let error as FrameStreamsError {
                self.counters.protocolErrors &+= 1
                self.note("\(client.name): \(error); disconnected")
                return false
            }
            // A read that did not fill its room took all there was: poll says when more comes.
            if waiting && count < space.count { return true }
        }
        return true
    }

    private func note(_ line: String) {
        self.reports += 1
        if self.reports <= Self.reportLimit {
            self.report(line)
        } else if self.reports == Self.reportLimit + 1 {
            self.report("further problems with writers are only counted")
        }
    }

    private func close(at index: Int) {
        self.clients[index].socket.close()
        self.clients.remove(at: index)
        self.counters.disconnected &+= 1
    }

    private func closeAll() {
        for client in self.clients { client.socket.close() }
        self.counters.disconnected &+= UInt64(self.clients.count)
        self.clients.removeAll()
        self.listener.close()
    }
}
