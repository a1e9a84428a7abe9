import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A run's output files as one set (docs/outputs.md): they are written into a
/// fresh staging folder beside the output folder (`.NAME.nnc-new-…`, same
/// file system), which then replaces the folder in one atomic exchange
/// (Linux `renameat2`; elsewhere two renames). A run that fails while
/// writing leaves the previous set untouched; a reader sees the old set or the
/// new one, never a mix. Entries of the old folder that are not outputs
/// (checkpoints, a user's own files) are moved into the new one; outputs the
/// new run does not write (a stale codes.csv) go with the old set.
public enum OutputSet {
    /// The files a run writes; any other entry of the folder is carried over.
    public static let outputNames: Set<String> = ["model.safetensors", "metrics.json", "spec.resolved.yaml", "report.html", "codes.csv"]

    /// Before training: the folder can be created and written (a probe file is
    /// written and removed), and a staging folder can be made beside it.
    /// Throws `OutputError(.io)` naming what failed.
    public static func probe(_ directory: String) throws {
        try ensureDirectory(directory)
        let folder = try resolved(directory)
        try writeAtomically([], to: folder + "/.nnc-probe-\(getpid())")
        unlink(folder + "/.nnc-probe-\(getpid())")
        let staging = try makeStaging(beside: folder)
        rmdir(staging)
    }

    /// Writes the set: `write` fills the staging folder (its argument), then
    /// the staging folder replaces `directory`. On any failure the staging
    /// folder is removed and `directory` keeps its previous content.
    public static func commit(to directory: String, _ write: (String) throws -> Void) throws {
        try ensureDirectory(directory)
        let folder = try resolved(directory)
        let staging = try makeStaging(beside: folder)
        do {
            try write(staging)
        } catch {
            try? FileManager.default.removeItem(atPath: staging)
            throw error
        }
        // After the swap, `old` holds the previous set.
        let old: String
        if exchangePaths(staging, folder) {
            old = staging
        } else {
            old = staging + "-old"
            guard rename(folder, old) == 0 else {
                try? FileManager.default.removeItem(atPath: staging)
                throw OutputError(.io, path: directory, "cannot move the previous outputs aside: \(String(cString: strerror(errno)))")
            }
            guard rename(staging, folder) == 0 else {
                let reason = String(cString: strerror(errno))
                rename(old, folder)
                try? FileManager.default.removeItem(atPath: staging)
                throw OutputError(.io, path: directory, "cannot move the new outputs into place: \(reason)")
            }
        }
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: old)) ?? [] where !outputNames.contains(entry) {
            rename(old + "/" + entry, folder + "/" + entry)
        }
        try? FileManager.default.removeItem(atPath: old)
    }

    /// The folder's absolute path with symbolic links resolved (the exchange
    /// must replace the real folder, not a link to it).
    static func resolved(_ directory: String) throws -> String {
        let path = URL(fileURLWithPath: directory).standardizedFileURL.resolvingSymlinksInPath().path
        guard path != "/", !path.isEmpty else { throw OutputError(.io, path: directory, "the root folder cannot be an output folder") }
        return path
    }

    /// Creates `PARENT/.BASE.nnc-new-PID-RANDOM` beside `folder`.
    static func makeStaging(beside folder: String) throws -> String {
        let url = URL(fileURLWithPath: folder)
        let parent = url.deletingLastPathComponent().path
        // The base is cut so the staging name stays within NAME_MAX.
        let base = String(url.lastPathComponent.utf8.prefix(150)) ?? "out"
        let staging = parent + "/." + base + ".nnc-new-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
        guard mkdir(staging, 0o755) == 0 else {
            throw OutputError(.io, path: folder, "cannot create a staging folder beside it in \(parent): \(String(cString: strerror(errno)))")
        }
        return staging
    }
}
