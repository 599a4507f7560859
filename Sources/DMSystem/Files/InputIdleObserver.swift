/// Told when the reader's input runs dry, so a writer can flush what it holds
/// (the "input idle" flush policy of docs/record-format.md, section 7).
public protocol InputIdleObserver: AnyObject {
    /// The reader is about to wait for input.
    func inputWillBlock()
    /// The reader received a chunk of input.
    func inputDidRead()
}
