/// One `--port` value: a port number, or `any`.
public enum PortChoice: Hashable, Sendable {
    case number(UInt16)
    case any

    /// Parses `any` or a port number from 1 to 65535; nil for anything else.
    public init?(argument: String) {
        if argument == "any" {
            self = .any
        } else if let number = UInt16(argument), number > 0 {
            self = .number(number)
        } else {
            return nil
        }
    }
}

/// The ports that make a datagram DNS, looked up in constant time.
public struct PortSet: Sendable {
    private var bits = [UInt64](repeating: 0, count: 1024)
    /// The lowest and highest port listed (an empty range when none is). A port outside them
    /// is answered without reading the 8 KiB bitmap: responses go to random client ports, and
    /// reading the bitmap at one of those missed the cache for nearly every response.
    private var lowest = Int(UInt16.max) + 1, highest = -1
    /// `--port any`.
    public private(set) var matchesAny = false

    /// The set of `choices`.
    public init(_ choices: [PortChoice]) {
        for choice in choices {
            switch choice {
            case .any: self.matchesAny = true
            case .number(let port):
                self.bits[Int(port) >> 6] |= 1 << UInt64(port & 63)
                self.lowest = min(self.lowest, Int(port))
                self.highest = max(self.highest, Int(port))
            }
        }
    }

    /// Whether `port` is DNS: listed, or any port is.
    @inline(__always)
    public func contains(_ port: UInt16) -> Bool {
        self.matchesAny || self.lists(port)
    }

    /// Whether `port` was named itself, not only matched by `any`: a tunnel port given on
    /// purpose is read as DNS, while `any` still lets tunnels be opened.
    @inline(__always)
    public func lists(_ port: UInt16) -> Bool {
        guard Int(port) >= self.lowest && Int(port) <= self.highest else { return false }
        return self.bits[Int(port) >> 6] & (1 << UInt64(port & 63)) != 0
    }
}
