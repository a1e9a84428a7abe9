import NNCSpec

/// Data errors as ordinary diagnostics, so `nnc run` and `nnc check --data`
/// print them like any other (text, JSON, GitHub, SARIF): the code, the place
/// in the data file, and the spec's line that names the file.
extension DataError {
    /// Which place the diagnostic is printed at; the other one becomes a note.
    public enum Anchor: Sendable { case dataFile, spec }

    /// `specSpan` is where the spec names the file (or the dataset); `anchor`
    /// says which of the two places heads the diagnostic (`run`: the data file,
    /// `check --data`: the spec, whose lines a pull request changes). An error
    /// without a line in the data file is always put at the spec.
    public func diagnostic(specSpan: SourceSpan?, anchor: Anchor) -> Diagnostic {
        let dataSpan = location.flatMap { l in
            l.line.map { SourceSpan(file: l.file, at: SourceLocation(line: $0, column: l.column ?? 1)) }
        }
        let specNote = specSpan.map { DiagnosticNote("the file is named at \($0.file):\($0.start.line):\($0.start.column)", at: $0) }
        let dataNote = location.flatMap { $0.line != nil || $0.offset != nil ? DiagnosticNote("in \($0)", at: dataSpan) : nil }
        if anchor == .dataFile, let dataSpan {
            return Diagnostic(.error, code, detail, file: dataSpan.file, span: dataSpan, notes: specNote.map { [$0] } ?? [])
        }
        guard let specSpan else {
            return Diagnostic(.error, code, message, file: location?.file ?? "data", span: nil)
        }
        // Without a place in the file, the message itself names the file.
        return Diagnostic(.error, code, dataNote == nil ? message : detail, file: specSpan.file, span: specSpan,
                          notes: dataNote.map { [$0] } ?? [])
    }
}

extension DatasetSpec {
    /// Where the spec names `file` (its `path:`, `images:`, ... value), else the dataset itself.
    public func span(naming file: String?) -> SourceSpan {
        file.flatMap { pathSpans[$0] } ?? span
    }
}

/// A data error of one dataset of the spec, with the spec's span that names it.
public struct LocatedDataError: Error, CustomStringConvertible, Sendable {
    public var error: DataError
    public var specSpan: SourceSpan
    public var description: String { error.description }

    public func diagnostic(anchor: DataError.Anchor) -> Diagnostic { error.diagnostic(specSpan: specSpan, anchor: anchor) }
}
