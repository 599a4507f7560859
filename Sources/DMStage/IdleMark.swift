import DMRecord
import DMSystem

/// Passes idle notices on to another observer (the output writer, which flushes) and notes
/// that the input went quiet, so a loop that checks for periodic STATS only now and then (once
/// per 1024 packets) also checks right after a quiet spell: a trickle of traffic is reported
/// on time, not after its 1024th packet.
public final class IdleMark: InputIdleObserver {
    private let next: any InputIdleObserver
    /// Set when the input was about to wait; the loop clears it when it has checked.
    @exclusivity(unchecked) public var wentIdle = false

    public init(passingOnTo next: any InputIdleObserver) {
        self.next = next
    }

    public func inputWillBlock() {
        self.wentIdle = true
        self.next.inputWillBlock()
    }

    public func inputDidRead() {
        self.next.inputDidRead()
    }
}
