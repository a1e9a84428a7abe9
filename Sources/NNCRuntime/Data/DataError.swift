/// Every failure of the data layer: a file that cannot be read or parsed, an
/// option a source cannot honour, or a size beyond what fits in memory.
/// Messages name the file and the line, field or byte offset where relevant.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Sendable, Equatable {
        /// The file is missing, a folder, or cannot be read (the CLI's exit code 2).
        case unreadable
        /// The file's contents are not what its format requires.
        case malformed
        /// An option or argument a source or operation cannot honour.
        case invalidOption
        /// The data would be too large to hold in memory.
        case tooLarge
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func malformed(_ message: String) -> DataError { DataError(.malformed, message) }
    static func invalidOption(_ message: String) -> DataError { DataError(.invalidOption, message) }
    static func tooLarge(_ message: String) -> DataError { DataError(.tooLarge, message) }
}
