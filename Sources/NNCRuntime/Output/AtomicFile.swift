import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to `path` so that a reader (or a crash) never sees a torn
/// file: the bytes go to a temporary file in the same folder (so the rename
/// stays on one file system), which is synced, renamed over `path`, and then
/// the folder is synced so the rename itself survives a power cut.
/// On any failure the temporary file is removed and `OutputError` (`.io`,
/// naming `path`) is thrown; the previous contents of `path` are untouched.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    let name = url.lastPathComponent
    guard !name.isEmpty, name != "/" else { throw OutputError(.io, path: path, "is not a file name") }
    // Unique per process and call: a concurrent writer of the same file cannot collide.
    let temporary = folder + "/." + name + ".tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw OutputError(.io, path: path, "cannot create a temporary file in \(folder): \(errnoText())") }
    var closed = false
    do {
        try writeAll(bytes, to: fd, path: path)
        guard fsync(fd) == 0 else { throw OutputError(.io, path: path, "cannot sync to disk: \(errnoText())") }
        closed = true
        guard close(fd) == 0 else { throw OutputError(.io, path: path, "cannot close: \(errnoText())") }
        guard rename(temporary, path) == 0 else {
            throw OutputError(.io, path: path, "cannot replace the file: \(errnoText())")
        }
    } catch {
        if !closed { close(fd) }
        unlink(temporary)
        throw error
    }
    try syncFolder(folder, for: path)
}

/// `writeAtomically` for `Data`.
public func writeAtomically(_ data: Data, to path: String) throws {
    try writeAtomically([UInt8](data), to: path)
}

/// `writeAtomically` of a string's UTF-8 bytes.
public func writeAtomically(text: String, to path: String) throws {
    try writeAtomically(Array(text.utf8), to: path)
}

/// Makes sure `path` is a folder, creating it and its parents when missing.
/// Throws `OutputError` (`.io`) when a file is in the way or creation fails.
public func ensureDirectory(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else {
            throw OutputError(.io, path: path, "is a file, not a folder; choose another --out folder or remove the file")
        }
        return
    }
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        // A parent that is a file is the usual cause; say which one.
        var parent = URL(fileURLWithPath: path).deletingLastPathComponent()
        while parent.path != "/" && !parent.path.isEmpty {
            var parentIsDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: parent.path, isDirectory: &parentIsDirectory) {
                if !parentIsDirectory.boolValue {
                    throw OutputError(.io, path: path, "cannot create the folder: \(parent.path) is a file")
                }
                break
            }
            parent = parent.deletingLastPathComponent()
        }
        throw OutputError(.io, path: path, "cannot create the folder: \(error.localizedDescription)")
    }
}

/// Writes every byte, retrying short writes and interrupted calls.
private func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
    try bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            guard let base = buffer.baseAddress else { return }
            let n = write(fd, base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(.io, path: path, "cannot write: \(errnoText())")
            }
            offset += n
        }
    }
}

/// Syncs the folder's entry list, so that a completed rename is durable.
private func syncFolder(_ folder: String, for path: String) throws {
    let fd = open(folder, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw OutputError(.io, path: path, "cannot open the folder \(folder) to sync it: \(errnoText())") }
    defer { close(fd) }
    // Some file systems refuse fsync on folders (EINVAL); the data itself is already synced.
    if fsync(fd) != 0 && errno != EINVAL {
        throw OutputError(.io, path: path, "cannot sync the folder \(folder): \(errnoText())")
    }
}

private func errnoText() -> String { String(cString: strerror(errno)) }

/// Swaps the entries at `a` and `b` in one step (Linux `renameat2` with
/// RENAME_EXCHANGE, looked up at run time); false when the C library or the
/// file system cannot, and the caller falls back to two renames.
func exchangePaths(_ a: String, _ b: String) -> Bool {
    #if canImport(Glibc)
    typealias Renameat2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    guard let symbol = dlsym(nil, "renameat2") else { return false }
    let renameat2 = unsafeBitCast(symbol, to: Renameat2.self)
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */) == 0
    #else
    return false
    #endif
}
