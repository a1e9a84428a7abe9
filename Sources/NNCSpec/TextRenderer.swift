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
/// spaces (and counted so under the carets), control characters as U+FFFD.
/// A diagnostic without a span, or whose file is not in `sources`, is printed
/// without the source lines. Diagnostics are separated by a blank line.
extension DiagnosticRenderer {
    public func text(_ diagnostics: [Diagnostic]) -> String {
        diagnostics.map(text(of:)).joined(separator: "\n")
    }

    /// One diagnostic, ending with a line break.
    public func text(of d: Diagnostic) -> String {
        let style = Self.severityStyle(d.severity)
        var header = d.span.map { "\(d.file):\($0.start.line):\($0.start.column)" } ?? d.file
        header += ": " + paint("\(d.severity.rawValue)[\(d.code)]", style) + ": " + paint(d.message, Self.bold)
        var lines = [header]

        var gutterWidth = 1
        if let span = d.span, let source = sources[span.file], let sourceLine = source.line(span.start.line) {
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
        for note in d.notes { lines.append(margin + " " + paint("note", Self.bold) + ": " + note.message) }
        if let help = d.help { lines.append(margin + " " + paint("help", Self.bold) + ": " + help) }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A source line prepared for display, and where the carets go under it.
private struct Snippet {
    /// The line with tabs expanded and control characters replaced.
    let line: String
    /// Display columns before the first caret, and the number of carets.
    let caretOffset: Int
    let caretCount: Int

    static let tabWidth = 4

    init(_ text: String, span: SourceSpan) {
        let scalars = Array(text.unicodeScalars)
        var shown = String.UnicodeScalarView()
        for scalar in scalars {
            switch scalar.value {
            case 0x09: shown.append(contentsOf: String(repeating: " ", count: Self.tabWidth).unicodeScalars)
            case 0x00..<0x20, 0x7F..<0xA0: shown.append("\u{FFFD}")
            default: shown.append(scalar)
            }
        }
        line = String(shown)
        // Display width of the text before 1-based `column`; columns past the
        // end of the line (a span at the line break or at the end of the file) count one each.
        func width(before column: Int) -> Int {
            var w = 0
            for i in 0..<max(0, column - 1) {
                w += i < scalars.count && scalars[i] == "\t" ? Self.tabWidth : 1
            }
            return w
        }
        let startColumn = max(1, span.start.column)
        let endColumn = span.end.line == span.start.line ? span.end.column : scalars.count + 1
        caretOffset = width(before: startColumn)
        caretCount = max(1, width(before: max(endColumn, startColumn)) - caretOffset)
    }
}
