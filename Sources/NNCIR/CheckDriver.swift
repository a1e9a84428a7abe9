#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NNCSpec

/// `nnc check PATH...`: finds the spec files, checks each, and says what to print.
public struct CheckReport: Sendable {
    public var results: [CheckResult]
    /// Paths that could not be read (E0001, E0010), as diagnostics.
    public var unreadable: [Diagnostic]
    /// YAML files reached through a folder that do not declare `nnc:` (not specs).
    public var skipped: [String] = []
    public var files: Int { results.count + unreadable.count }
    public var diagnostics: [Diagnostic] { unreadable + results.flatMap(\.diagnostics) }
    public var sources: [SourceFile] { results.map(\.file) }

    /// 0 clean, 1 errors in a spec, 2 a path that cannot be read (cli.md).
    public func exitCode(warningsAreErrors: Bool) -> Int32 {
        if !unreadable.isEmpty { return 2 }
        let ds = results.flatMap(\.diagnostics)
        if ds.contains(where: { $0.severity == .error }) { return 1 }
        if warningsAreErrors && ds.contains(where: { $0.severity == .warning }) { return 1 }
        return 0
    }
}

/// Which files `nnc check` reads, safe on a stranger's pull request:
///
/// - a folder means every `*.yaml` / `*.yml` below it (sorted; folders whose
///   name starts with `.` are not entered); such a file that has no top-level
///   `nnc:` line is not a spec and is skipped (and said to be). A file named
///   directly is always checked.
/// - symlinks are never followed out of the folder being checked (for a file
///   named directly: out of the enclosing git work tree, or the current folder
///   outside one); such a link is an E0001 that names the link, not the target.
/// - a folder that cannot be listed is an E0001 (exit 2), never a silent pass.
public enum CheckDriver {
    /// A file to read, the real path its symlinks must stay in, and whether a folder led to it.
    public struct Candidate: Sendable, Hashable {
        public var path: String
        public var root: String
        public var viaFolder: Bool
    }

    /// Deepest folder nesting walked (a real tree has a handful).
    static let maxDepth = 64

    public static func specFiles(_ paths: [String]) -> (files: [Candidate], problems: [Diagnostic]) {
        var files: [Candidate] = []
        var problems: [Diagnostic] = []
        var repository: String?
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else {
                let message = errno == ENOENT ? "no such file or folder: \(path)" : "cannot read \(path): \(String(cString: strerror(errno)))"
                problems.append(.error("E0001", message, file: path))
                continue
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                if repository == nil { repository = repositoryRoot() }
                files.append(Candidate(path: path, root: repository ?? "/", viaFolder: false))
                continue
            }
            guard let root = SourceFile.realPath(path) else {
                problems.append(.error("E0001", "cannot resolve the folder \(path)", file: path))
                continue
            }
            let base = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            walk(base, root: root, depth: 0, files: &files, problems: &problems)
        }
        return (files, problems)
    }

    /// Adds the YAML files below `folder` (sorted by name, folders in place).
    static func walk(_ folder: String, root: String, depth: Int, files: inout [Candidate], problems: inout [Diagnostic]) {
        guard depth <= maxDepth else {
            problems.append(.error("E0001", "\(folder) is nested more than \(maxDepth) folders deep; not read", file: folder))
            return
        }
        guard let names = listFolder(folder) else {
            let reason = errno == EACCES || errno == EPERM ? "permission denied" : String(cString: strerror(errno))
            problems.append(.error("E0001", "cannot read the folder \(folder): \(reason)", file: folder))
            return
        }
        for name in names.sorted() {
            let path = (folder == "/" ? "" : folder) + "/" + name
            let isYAML = name.hasSuffix(".yaml") || name.hasSuffix(".yml")
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }  // gone since the listing
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                if !name.hasPrefix(".") { walk(path, root: root, depth: depth + 1, files: &files, problems: &problems) }
            case S_IFLNK:
                var target = stat()
                if stat(path, &target) == 0, target.st_mode & S_IFMT == S_IFDIR {
                    // A linked folder inside the root is walked under its own name; one outside is not entered.
                    if let real = SourceFile.realPath(path), SourceFile.isInside(real, root) { continue }
                    problems.append(.error("E0001", "\(path) is a symbolic link to a folder outside \(folder); "
                                           + "nnc does not follow links out of the folder it checks", file: path))
                } else if isYAML {
                    files.append(Candidate(path: path, root: root, viaFolder: true))
                }
            default:
                if isYAML { files.append(Candidate(path: path, root: root, viaFolder: true)) }
            }
        }
    }

    /// The entries of a folder (without `.` and `..`); nil with errno set when it cannot be listed.
    static func listFolder(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        errno = 0
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return errno == 0 ? names : nil
    }

    /// The enclosing git work tree of the current folder (real path), else the current folder.
    public static func repositoryRoot() -> String {
        let cwd = SourceFile.currentDirectory()
        var folder = cwd
        while true {
            var info = stat()
            if lstat(folder + (folder == "/" ? "" : "/") + ".git", &info) == 0 { return folder }
            guard folder != "/", let slash = folder.lastIndex(of: "/") else { return cwd }
            folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
        }
    }

    /// Whether a YAML file declares itself a spec: a line that starts with the
    /// key `nnc` (plain or quoted) and `:`, or with a flow mapping `{nnc: ...`.
    public static func declaresSpec(_ bytes: [UInt8]) -> Bool {
        let keys = ["nnc", "\"nnc\"", "'nnc'"].map { Array($0.utf8) }
        let space = UInt8(ascii: " ")
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count {
            var j = i
            if bytes[j] == UInt8(ascii: "{") {
                j += 1
                while j < bytes.count && bytes[j] == space { j += 1 }
            }
            for key in keys where bytes[j...].starts(with: key) {
                var k = j + key.count
                while k < bytes.count && bytes[k] == space { k += 1 }
                if k < bytes.count && bytes[k] == UInt8(ascii: ":") { return true }
            }
            while i < bytes.count && bytes[i] != 0x0A && bytes[i] != 0x0D { i += 1 }
            i += 1
        }
        return false
    }

    public static func check(paths: [String]) -> CheckReport {
        let (files, problems) = specFiles(paths)
        var report = CheckReport(results: [], unreadable: problems)
        for candidate in files {
            do {
                let source = try SourceFile.load(path: candidate.path, within: candidate.root)
                if candidate.viaFolder && !declaresSpec(source.bytes) {
                    report.skipped.append(candidate.path)
                    continue
                }
                report.results.append(Compiler.check(source))
            } catch {
                report.unreadable.append(error.diagnostic)
            }
        }
        return report
    }
}
