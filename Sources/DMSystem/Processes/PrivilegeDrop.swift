#if canImport(Glibc)
import Glibc
#endif

/// Gives up root after a capture is open, as tcpdump's `-Z` does: a parser bug in a stage
/// that reads hostile packets must not run with root's rights.
public enum PrivilegeDrop {
    /// Why root could not be given up.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Switches to `user` (groups cleared, then gid, then uid). Returns what happened, for the log.
    /// - Throws: ``Failure`` when the user does not exist, the switch fails, or root could be
    ///   regained afterwards.
    public static func drop(to user: String) throws(Failure) -> String {
        guard geteuid() == 0 else { return "not running as root; nothing to drop" }
        guard user != "root" else { return "running as root (--user root)" }
        guard let entry = getpwnam(user) else { throw Failure(description: "no such user '\(user)'") }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw Failure(description: "cannot switch to user '\(user)': \(SystemError.current("setuid", user))")
        }
        guard setuid(0) != 0 else {
            throw Failure(description: "switched to '\(user)' but could regain root; refusing to continue")
        }
        return "dropped root privileges: now running as \(user) (uid \(uid), gid \(gid))"
    }
}
