/// The human format of docs/cli.md:
///
/// ```
/// specs/bad.yaml:14:7: error[E0301]: 'dense' expects a vector input, got [16, 4, 4]
///    |
/// 14 |     - dense: {units: 10}
///    |       ^^^^^
///    = note: the input comes from 'maxpool2' (line 12) with shape [16, 4, 4]
///    = help: insert '- flatten' before this layer
/// ```
///
/// The gutter is as wide as the line number. Carets run from the span's start
/// to its end on the same line, or to the end of the first line of a span over
/// several lines; always at least one. Tabs in the source line are shown as 4
/// spaces (and counted so under the carets); every other control or format
/// character, here and in file names, messages, notes and help, is shown as
/// a visible escape (`DiagnosticRenderer.visible`), so a spec cannot move the
/// cursor or forge a line. A source line longer than `Snippet.window`
/// characters is cut to a window around the caret, with `…` where it was cut.
/// A diagnostic without a span, or whose file is not in `sources`, is printed
/// without the source lines. Diagnostics are separated by a blank line; after
/// a file's first `maxPerFile` comes one note line counting the rest, and the
/// skipped files get a note line each at the end (the first `maxSkippedNamed`,
/// then one line counts the rest).
extension DiagnosticRenderer {
    public func text(_ diagnostics: [Diagnostic], skipped: [String] = []) -> String {
        let (shown, omitted) = Self.limited(diagnostics)
        var lastOfFile: [String: Int] = [:]
        for (i, d) in shown.enumerated() { lastOfFile[d.file] = i }
        var blocks: [String] = []
        for (i, d) in shown.enumerated() {
            blocks.append(text(of: d))
            if lastOfFile[d.file] == i, let omission = omitted.first(where: { $0.file == d.file }) {
                blocks.append(noteLine(file: d.file, omission.message))
            }
        }
        if !skipped.isEmpty {
            blocks.append(skipped.prefix(Self.maxSkippedNamed).map { noteLine(file: $0, Self.skippedMessage) }.joined()
                          + (Self.moreSkipped(skipped).map { paint("note", Self.severityStyle(.note)) + ": " + $0 + "\n" } ?? ""))
        }
        return blocks.joined(separator: "\n")
    }

    /// "FILE: note: message" and a line break.
    func noteLine(file: String, _ message: String) -> String {
        Self.visible(file) + ": " + paint("note", Self.severityStyle(.note)) + ": " + Self.visible(message) + "\n"
    }

    /// One diagnostic, ending with a line break.
    public func text(of d: Diagnostic) -> String {
        let style = Self.severityStyle(d.severity)
        let file = Self.visible(d.file)
        var header = d.span.map { "\(file):\($0.start.line):\($0.start.column)" } ?? file
        header += ": " + paint("\(d.severity.rawValue)[\(Self.visible(d.code))]", style) + ": " + paint(Self.visible(d.message), Self.bold)
        var lines = [header]

        var gutterWidth = 1
        if let span = d.span, let source = sources[span.file], let sourceLine = source.lineBytes(span.start.line) {
            let number = String(span.start.line)
            gutterWidth = number.count
            let blank = String(repeating: " ", count: gutterWidth)
            let snippet = Snippet(sourceLine, span: span)
            lines.append(paint(blank + " |", Self.boldBlue))
            lines.append(paint(number + " |", Self.boldBlue) + (snippet.line.isEmpty ? "" : " " + snippet.line))
            lines.append(paint(blank + " |", Self.boldBlue) + " " + String(repeating: " ", count: snippet.caretOffset)
                         + paint(String(repeating: "^", count: snippet.caretCount), style))
        }
        let margin = String(repeating: " ", count: gutterWidth + 1) + paint("=", Self.boldBlue)
        for note in d.notes { lines.append(margin + " " + paint("note", Self.bold) + ": " + Self.visible(note.message)) }
        if let help = d.help { lines.append(margin + " " + paint("help", Self.bold) + ": " + Self.visible(help)) }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A source line prepared for display, and where the carets go under it.
struct Snippet {
    /// The shown part of the line: tabs expanded, other control characters escaped.
    let line: String
    /// Display columns before the first caret, and the number of carets.
    let caretOffset: Int
    let caretCount: Int

    static let tabWidth = 4
    /// Characters shown of a long line, and how many of them precede the caret.
    static let window = 120, lead = 40

    /// `bytes` is the line's text; only the window around the caret is decoded,
    /// so a 16 MiB line costs one scan of its bytes per diagnostic and no more.
    init(_ bytes: ArraySlice<UInt8>, span: SourceSpan) {
        let startColumn = max(1, span.start.column)
        let endColumn = span.end.line == span.start.line ? max(span.end.column, startColumn) : Int.max
        // Characters (not UTF-8 continuation bytes) in the line, and the window's first one.
        let total = bytes.reduce(0) { $0 + ($1 & 0xC0 != 0x80 ? 1 : 0) }
        let first = total <= Self.window ? 0 : max(0, min(startColumn - 1 - Self.lead, total - Self.window))
        let last = min(total, first + Self.window)
        var start = bytes.startIndex, end = bytes.endIndex, index = 0
        for i in bytes.indices where bytes[i] & 0xC0 != 0x80 {
            if index == first { start = i }
            if index == last { end = i; break }
            index += 1
        }
        let scalars = Array(String(decoding: bytes[start..<end], as: UTF8.self).unicodeScalars)

        var shown = first > 0 ? "…" : ""
        // widths[i]: display columns before the window's character i; the last entry ends the text.
        var widths = [first > 0 ? 1 : 0]
        for scalar in scalars {
            let piece = scalar == "\t" ? String(repeating: " ", count: Self.tabWidth)
                : DiagnosticRenderer.escape(scalar) ?? String(scalar)
            shown += piece
            widths.append(widths[widths.count - 1] + piece.unicodeScalars.count)
        }
        let lineEnd = widths[widths.count - 1]
        if last < total { shown += "…" }
        line = shown
        // Columns past the end of the line (a span at the line break or at the end
        // of the file) count one each; past a cut window the carets stop at the cut.
        func position(_ column: Int) -> Int {
            let i = column - 1 - first
            if i <= scalars.count { return widths[max(0, i)] }
            return last < total ? lineEnd : lineEnd + (i - scalars.count)
        }
        caretOffset = position(startColumn)
        caretCount = max(1, (endColumn == Int.max ? lineEnd : position(endColumn)) - caretOffset)
    }
}
