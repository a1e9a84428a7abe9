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
}

/// The text of a spec, kept for printing source lines under diagnostics.
public struct SourceFile: Sendable {
    /// The path as the user gave it (used in diagnostics).
    public let path: String
    /// The raw bytes as read from disk.
    public let bytes: [UInt8]

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The text of 1-based line `n` without its line break (a BOM and a trailing
    /// CR are dropped); nil past the end. Invalid UTF-8 is repaired for display.
    public func line(_ n: Int) -> String? {
        guard n >= 1 else { return nil }
        var current = 1
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                if current == n { return Self.display(bytes[start..<i]) }
                current += 1
                start = i + 1
            }
            i += 1
        }
        if current == n && start <= bytes.count { return Self.display(bytes[start..<bytes.count]) }
        return nil
    }

    private static func display(_ slice: ArraySlice<UInt8>) -> String {
        var s = slice
        if s.starts(with: [0xEF, 0xBB, 0xBF]) { s = s.dropFirst(3) }
        if s.last == UInt8(ascii: "\r") { s = s.dropLast() }
        return String(decoding: s, as: UTF8.self)
    }
}
