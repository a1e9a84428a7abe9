/// Every failure of the output layer (`nnc run --out DIR`): a file or folder
/// that cannot be written, a file that cannot be decoded, or arguments that
/// cannot be encoded. Messages name the path (when there is one) and the reason.
public struct OutputError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// Creating, writing, syncing or renaming a file or folder failed.
        case io
        /// A file's contents are not what its format requires (reading).
        case malformed
        /// The values given cannot be written in the format (e.g. a shape that
        /// does not match the value count, or a duplicate tensor name).
        case invalidArgument
    }

    public var kind: Kind
    /// The file or folder concerned; nil for in-memory encoding and decoding.
    public var path: String?
    /// What went wrong, without the path.
    public var reason: String

    public init(_ kind: Kind, path: String? = nil, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, or just the reason.
    public var description: String { path.map { "\($0): \(reason)" } ?? reason }

    /// The same error, about `path` (for decoding errors found in a file's bytes).
    func at(_ path: String) -> OutputError { OutputError(kind, path: path, reason) }
}
