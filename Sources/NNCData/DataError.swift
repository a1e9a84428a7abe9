/// Every failure of the data layer: a file that cannot be read or parsed, an
/// option a source cannot honour, or a size beyond what fits in memory.
/// An error about a place in a data file carries it as `location` (file, line
/// and column for text, byte offset for binary formats), so the CLI can print
/// it as a located diagnostic; `code` is its `nnc explain` code (E06xx).
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
    /// What is wrong, without the location (it is in `location`).
    public var detail: String
    /// E06xx; see `DataErrorCode`.
    public var code: String
    public var location: DataLocation?

    public init(_ kind: Kind, _ detail: String, code: String? = nil, at location: DataLocation? = nil) {
        self.kind = kind
        self.detail = detail
        self.location = location
        self.code = code ?? DataErrorCode.default(for: kind)
    }

    /// "file:line:column: detail" (or "file: detail", or the detail alone).
    public var message: String { location.map { "\($0): \(detail)" } ?? detail }
    public var description: String { message }

    package static func malformed(_ message: String) -> DataError { DataError(.malformed, message) }
    package static func invalidOption(_ message: String) -> DataError { DataError(.invalidOption, message) }
    package static func tooLarge(_ message: String) -> DataError { DataError(.tooLarge, message) }
}

/// A place in a data file: a line and column (1-based, columns in bytes) in a
/// text file, a byte offset in a binary one, or the whole file.
public struct DataLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var offset: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil, offset: Int? = nil) {
        self.file = file; self.line = line; self.column = column; self.offset = offset
    }

    public var description: String {
        if let line { return "\(file):\(line):\(column ?? 1)" }
        if let offset { return "\(file) (byte offset \(offset))" }
        return file
    }
}

/// The data errors' codes (their explanations are in NNCSpec's DiagnosticCodes).
public enum DataErrorCode {
    public static let unreadable = "E0601"
    public static let malformed = "E0602"
    public static let invalidOption = "E0603"
    public static let tooLarge = "E0604"
    public static let headerRow = "E0605"
    public static let raggedRow = "E0606"
    public static let notANumber = "E0607"
    public static let badLabel = "E0608"
    public static let unseenLabel = "E0609"
    public static let inputMismatch = "E0610"
    public static let targetMismatch = "E0611"

    package static func `default`(for kind: DataError.Kind) -> String {
        switch kind {
        case .unreadable: unreadable
        case .malformed: malformed
        case .invalidOption: invalidOption
        case .tooLarge: tooLarge
        }
    }
}

extension DataError {
    /// Text from a data file for a message: at most 40 characters, control
    /// characters shown as escapes, so a hostile field cannot flood or forge output.
    package static func quoted<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var out = ""
        var count = 0
        for scalar in String(decoding: Array(bytes.prefix(161)), as: UTF8.self).unicodeScalars {
            if count == 40 { out += "…"; break }
            switch scalar.value {
            case 0x1B: out += "\\e"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F..<0xA0: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return "'" + out + "'"
    }
}
