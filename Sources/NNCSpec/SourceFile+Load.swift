import Foundation

extension SourceFile {
    /// Reads a spec from disk. Throws a diagnostic (E0001) when the file cannot be read.
    public static func load(path: String) throws(LoadError) -> SourceFile {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw LoadError(diagnostic: Diagnostic(.error, "E0001", "no such file: \(path)", file: path, span: nil))
        }
        guard !isDirectory.boolValue else {
            throw LoadError(diagnostic: Diagnostic(.error, "E0001", "\(path) is a folder, not a spec file", file: path, span: nil))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(diagnostic: Diagnostic(.error, "E0001", "cannot read \(path) (permission denied?)", file: path, span: nil))
        }
        return SourceFile(path: path, bytes: [UInt8](data))
    }

    public struct LoadError: Error, Sendable {
        public var diagnostic: Diagnostic
    }
}
