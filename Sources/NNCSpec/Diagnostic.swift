/// Diagnostics: what the front end and the checker say about a spec.
/// Codes are stable (`E` + four digits for errors, `W` + four digits for
/// warnings); every code is listed with its explanation in `DiagnosticCode`.

public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, note
    private var rank: Int { switch self { case .error: 0; case .warning: 1; case .note: 2 } }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A secondary message attached to a diagnostic, optionally pointing elsewhere.
public struct DiagnosticNote: Hashable, Sendable {
    public var message: String
    public var span: SourceSpan?
    public init(_ message: String, at span: SourceSpan? = nil) {
        self.message = message; self.span = span
    }
}

public struct Diagnostic: Hashable, Sendable {
    public var severity: Severity
    /// Stable code, e.g. "E0301".
    public var code: String
    public var message: String
    /// Where it is about; nil only for whole-file problems with no position.
    public var span: SourceSpan?
    /// The file the diagnostic belongs to (also when `span` is nil).
    public var file: String
    public var notes: [DiagnosticNote]
    public var help: String?

    public init(_ severity: Severity, _ code: String, _ message: String,
                file: String, span: SourceSpan?,
                notes: [DiagnosticNote] = [], help: String? = nil) {
        self.severity = severity
        self.code = code
        self.message = message
        self.file = file
        self.span = span
        self.notes = notes
        self.help = help
    }

    public static func error(_ code: String, _ message: String, at span: SourceSpan,
                             notes: [DiagnosticNote] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(.error, code, message, file: span.file, span: span, notes: notes, help: help)
    }

    /// An error about a whole file, with no position in it (an empty file, a file too large).
    public static func error(_ code: String, _ message: String, file: String,
                             notes: [DiagnosticNote] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(.error, code, message, file: file, span: nil, notes: notes, help: help)
    }

    public static func warning(_ code: String, _ message: String, at span: SourceSpan,
                               notes: [DiagnosticNote] = [], help: String? = nil) -> Diagnostic {
        Diagnostic(.warning, code, message, file: span.file, span: span, notes: notes, help: help)
    }
}

/// Collects diagnostics during one pass over one file.
public struct DiagnosticBag: Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    public init() {}
    public mutating func add(_ d: Diagnostic) { diagnostics.append(d) }
    public mutating func add(contentsOf ds: [Diagnostic]) { diagnostics.append(contentsOf: ds) }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
}
