import Foundation

/// How much memory this process may use: the machine's physical memory, or
/// less when a container's cgroup limits it (cgroup v2 `memory.max`, v1
/// `memory.limit_in_bytes`); a run is refused before it allocates more.
public enum MemoryLimit {
    public static let cgroupFiles = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]

    /// - cgroupFiles: where the limits are read (tests point them elsewhere).
    public static func availableBytes(cgroupFiles: [String] = cgroupFiles) -> Double {
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        let limits = cgroupFiles.compactMap { path -> Double? in
            guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
            defer { try? handle.close() }
            // A limit is one short line; read a bounded prefix only.
            return limit(fromCgroupText: String(decoding: (try? handle.read(upToCount: 64)) ?? Data(), as: UTF8.self))
        }
        return min(physical, limits.min() ?? physical)
    }

    /// The limit in a cgroup file's text: a byte count, or nil for "max" (no limit) and anything unreadable.
    static func limit(fromCgroupText text: String) -> Double? {
        guard let bytes = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes > 0 else { return nil }
        return Double(bytes)
    }
}
