import Foundation
import NNCSpec

/// `nnc check PATH...`: finds the spec files, checks each, and says what to print.
public struct CheckReport: Sendable {
    public var results: [CheckResult]
    /// Files that could not be read (E0001), as diagnostics.
    public var unreadable: [Diagnostic]
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

public enum CheckDriver {
    /// Files to check: each path itself, or every *.yaml / *.yml below a folder (sorted).
    public static func specFiles(_ paths: [String]) -> (files: [String], missing: [Diagnostic]) {
        var files: [String] = []
        var missing: [Diagnostic] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(Diagnostic(.error, "E0001", "no such file or folder: \(path)", file: path, span: nil))
                continue
            }
            guard isDirectory.boolValue else { files.append(path); continue }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let found = (fm.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
            files += found.map { base + "/" + $0 }
        }
        return (files, missing)
    }

    public static func check(paths: [String]) -> CheckReport {
        let (files, missing) = specFiles(paths)
        var results: [CheckResult] = []
        var unreadable = missing
        for path in files {
            do {
                results.append(Compiler.check(try SourceFile.load(path: path)))
            } catch {
                unreadable.append(error.diagnostic)
            }
        }
        return CheckReport(results: results, unreadable: unreadable)
    }
}
