#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading a spec from disk, bounded before a byte is read: the file is
/// stat'ed first; only a regular file of at most `maxBytes` is opened, and the
/// read stops at `maxBytes + 1` bytes even if the file grows or is swapped for
/// a stream meanwhile. FIFOs, devices and sockets are named and never opened.
extension SourceFile {
    /// Reads the spec at `path`. Throws E0001 (cannot be read: missing, a folder,
    /// not a regular file, a symlink leaving `root`, permission) or E0010 (too large).
    ///
    /// With `root` (a folder's real path), symlinks must not lead out of it: a
    /// path that lies in `root` as written must also resolve inside it (a link
    /// anywhere on it counts); a path written outside `root` (the user's choice,
    /// e.g. /tmp/x.yaml) may not itself be a link to outside. Such a path is
    /// not read, and the target is never named.
    public static func load(path: String, maxBytes: Int = YAMLLimits().maxFileBytes,
                            within root: String? = nil) throws(LoadError) -> SourceFile {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            throw LoadError(code == ENOENT ? "no such file: \(path)" : "cannot read \(path): \(describe(errno: code))", path)
        }
        if let root {
            let isLink = info.st_mode & S_IFMT == S_IFLNK
            guard let real = realPath(path) else {
                throw LoadError(isLink ? "\(path) is a symbolic link to a missing file" : "cannot resolve \(path)", path)
            }
            let written = lexicalAbsolutePath(path)
            let mustStayInside = isInside(written, root) ? real != written : isLink
            if mustStayInside && !isInside(real, root) {
                let what = isLink ? "is a symbolic link to a file" : "leads through a symbolic link to a file"
                throw LoadError("\(path) \(what) outside \(displayRoot(root)); nnc does not follow links out of the folder it checks", path)
            }
        }
        guard stat(path, &info) == 0 else {
            throw LoadError("cannot read \(path): \(describe(errno: errno))", path)
        }
        if let kind = nonRegularKind(info.st_mode) {
            throw LoadError("\(path) is \(kind), not a spec file; not read", path)
        }
        if Int(info.st_size) > maxBytes {
            throw LoadError(diagnostic: tooLarge(path: path, bytes: Int(info.st_size), limit: maxBytes))
        }
        // O_NONBLOCK: opening a FIFO swapped in after the stat must not hang.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw LoadError("cannot read \(path): \(describe(errno: code))", path)
        }
        defer { close(fd) }
        guard fstat(fd, &info) == 0, nonRegularKind(info.st_mode) == nil else {
            throw LoadError("\(path) changed while it was read; not read", path)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count <= maxBytes {
            let want = min(chunk.count, maxBytes + 1 - bytes.count)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, want) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LoadError("cannot read \(path): \(describe(errno: errno))", path)
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        if bytes.count > maxBytes {
            throw LoadError(diagnostic: tooLarge(path: path, bytes: nil, limit: maxBytes))
        }
        return SourceFile(path: path, bytes: bytes)
    }

    public struct LoadError: Error, Sendable {
        public var diagnostic: Diagnostic
        public init(diagnostic: Diagnostic) { self.diagnostic = diagnostic }
        init(_ message: String, _ path: String) {
            diagnostic = Diagnostic(.error, "E0001", message, file: path, span: nil)
        }
    }

    /// E0010 for a file over the limit; `bytes` nil when only "more than the limit" is known.
    public static func tooLarge(path: String, bytes: Int?, limit: Int) -> Diagnostic {
        let size = bytes.map { "\(mebibytes($0)) MiB" } ?? "larger than \(mebibytes(limit)) MiB"
        return .error("E0010", "the file is \(size); nnc reads spec files up to \(mebibytes(limit)) MiB", file: path)
    }

    private static func mebibytes(_ n: Int) -> String {
        let tenths = (Double(n) / 1_048_576 * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10))" : "\(tenths / 10)"
    }

    /// "a FIFO", "a device", ... for anything but a regular file (nil); folders too.
    static func nonRegularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    static func describe(errno code: Int32) -> String {
        switch code {
        case EACCES, EPERM: return "permission denied"
        case ENOENT: return "no such file"
        case ELOOP: return "too many levels of symbolic links"
        default: return String(cString: strerror(code))
        }
    }

    // MARK: paths

    /// The path with every symlink resolved (realpath(3)); nil when it cannot be resolved.
    public static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// `path` made absolute against the working folder, `.` and `..` removed by
    /// text alone (no symlink resolved).
    public static func lexicalAbsolutePath(_ path: String) -> String {
        var parts: [Substring] = []
        let full = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        for part in full.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Whether real path `path` is `root` or below it.
    public static func isInside(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root + "/")
    }

    /// The folder nnc runs in (physical path, as getcwd gives it); "/" when unknown.
    public static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(cString: buffer)
    }

    /// The root for messages: relative to the working folder when below it.
    private static func displayRoot(_ root: String) -> String {
        let cwd = currentDirectory()
        if root == cwd { return "the current folder" }
        return root.hasPrefix(cwd + "/") ? String(root.dropFirst(cwd.count + 1)) : root
    }
}
