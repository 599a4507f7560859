#if canImport(Glibc)
import Glibc
#endif

/// Gives up root after the capture is open, as tcpdump's `-Z` does: a parser bug in a stage
/// that reads hostile packets must not run with root's rights.
public enum PrivilegeDrop {
    /// Switches to `user` (groups cleared, then gid, then uid). Returns what happened, for the log.
    public static func drop(to user: String) throws(CaptureError) -> String {
        guard geteuid() == 0 else { return "not running as root; nothing to drop" }
        guard user != "root" else { return "running as root (--user root)" }
        guard let entry = getpwnam(user) else {
            throw CaptureError(input: "--user", message: "no such user '\(user)'")
        }
        let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
        guard setgroups(0, nil) == 0, setgid(gid) == 0, setuid(uid) == 0 else {
            throw CaptureError(input: "--user", message: "cannot switch to user '\(user)': \(String(cString: strerror(errno)))")
        }
        guard setuid(0) != 0 else {
            throw CaptureError(input: "--user", message: "switched to '\(user)' but could regain root; refusing to continue")
        }
        return "dropped root privileges: now running as \(user) (uid \(uid), gid \(gid))"
    }
}
