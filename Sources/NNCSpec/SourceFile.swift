/// A spec file's text and where things are in it.

/// A 1-based line and column in a source file. Columns count Unicode scalars.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
    public var description: String { "\(line):\(column)" }
}

/// A range of text in one file: `start` inclusive, `end` exclusive (as libyaml marks).
public struct SourceSpan: Hashable, Sendable {
    public var file: String
    public var start: SourceLocation
    public var end: SourceLocation
    public init(file: String, start: SourceLocation, end: SourceLocation) {
        self.file = file; self.start = start; self.end = end
    }
    /// A span one character wide at `location`.
    public init(file: String, at location: SourceLocation) {
        self.init(file: file, start: location,
                  end: SourceLocation(line: location.line, column: location.column + 1))
    }
}

/// The text of a spec, kept for printing source lines under diagnostics.
///
/// Lines end where libyaml ends them, so that line numbers in its marks and
/// here agree: LF, CR LF, a lone CR, and the YAML 1.1 breaks NEL (U+0085),
/// LS (U+2028) and PS (U+2029).
public struct SourceFile: Sendable {
    /// The path as the user gave it (used in diagnostics).
    public let path: String
    /// The raw bytes as read from disk.
    public let bytes: [UInt8]
    /// Byte offset where each line starts (index 0 is line 1), and where each
    /// line's text ends (before its break).
    private let lineStarts: [Int]
    private let lineEnds: [Int]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
        (lineStarts, lineEnds) = Self.lines(of: bytes)
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The text of 1-based line `n` without its line break (a BOM and a trailing
    /// CR are dropped); nil past the end. Invalid UTF-8 is repaired for display.
    public func line(_ n: Int) -> String? {
        guard n >= 1, n <= lineStarts.count else { return nil }
        var slice = bytes[lineStarts[n - 1]..<lineEnds[n - 1]]
        if n == 1, slice.starts(with: Self.bom) { slice = slice.dropFirst(3) }
        return String(decoding: slice, as: UTF8.self)
    }

    /// The bytes of 1-based line `n` without its break (a BOM dropped); nil past the end.
    public func lineBytes(_ n: Int) -> ArraySlice<UInt8>? {
        guard n >= 1, n <= lineStarts.count else { return nil }
        let slice = bytes[lineStarts[n - 1]..<lineEnds[n - 1]]
        return n == 1 && slice.starts(with: Self.bom) ? slice.dropFirst(3) : slice
    }

    /// The line and column of the character that starts at byte `offset`
    /// (offsets past the end give the position just after the last character).
    /// Columns count Unicode scalars; a BOM at the start of the file takes none.
    public func location(ofByte offset: Int) -> SourceLocation {
        let offset = min(max(offset, 0), bytes.count)
        // Last line starting at or before `offset` (binary search).
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        var start = lineStarts[low]
        if low == 0, bytes.starts(with: Self.bom), offset >= 3 { start = 3 }
        // One column per scalar: count the bytes that are not UTF-8 continuation bytes.
        var column = 1
        for byte in bytes[start..<offset] where byte & 0xC0 != 0x80 { column += 1 }
        return SourceLocation(line: low + 1, column: column)
    }

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static func lines(of bytes: [UInt8]) -> (starts: [Int], ends: [Int]) {
        var starts = [0], ends: [Int] = []
        var i = 0
        while i < bytes.count {
            let breakLength: Int
            switch bytes[i] {
            case 0x0A: breakLength = 1
            case 0x0D: breakLength = (i + 1 < bytes.count && bytes[i + 1] == 0x0A) ? 2 : 1
            case 0xC2 where i + 1 < bytes.count && bytes[i + 1] == 0x85: breakLength = 2
            case 0xE2 where i + 2 < bytes.count && bytes[i + 1] == 0x80
                           && (bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9): breakLength = 3
            default: i += 1; continue
            }
            ends.append(i)
            i += breakLength
            starts.append(i)
        }
        ends.append(bytes.count)
        return (starts, ends)
    }
}
