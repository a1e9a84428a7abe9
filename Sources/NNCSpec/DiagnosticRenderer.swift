/// Prints diagnostics in the formats of docs/cli.md: `text` (with source
/// lines and carets), `json`, `github` (workflow commands) and `sarif` (2.1.0).
/// Each format lives in its own file: TextRenderer.swift, JSONRenderer.swift,
/// GitHubRenderer.swift, SARIFRenderer.swift.
///
/// Every output ends with a line break, except that `text` and `github`
/// print nothing at all for no diagnostics.

public enum DiagnosticFormat: String, CaseIterable, Sendable {
    case text, json, github, sarif
}

public struct DiagnosticRenderer: Sendable {
    /// The files the diagnostics are about, by path, for printing source lines.
    /// A diagnostic whose file is missing is printed without its source line.
    public var sources: [String: SourceFile]
    /// ANSI colours in `text` (the CLI passes whether stderr is a terminal).
    public var color: Bool
    /// nnc's version, written into SARIF's `tool.driver.version` (omitted when nil).
    public var toolVersion: String?
    /// Written into SARIF's `tool.driver.informationUri` (omitted when nil).
    public var informationURI: String?

    public init(sources: [String: SourceFile] = [:], color: Bool = false,
                toolVersion: String? = nil, informationURI: String? = nil) {
        self.sources = sources
        self.color = color
        self.toolVersion = toolVersion
        self.informationURI = informationURI
    }

    /// Convenience: the sources keyed by their paths.
    public init(files: [SourceFile], color: Bool = false, toolVersion: String? = nil, informationURI: String? = nil) {
        var byPath: [String: SourceFile] = [:]
        for file in files { byPath[file.path] = file }
        self.init(sources: byPath, color: color, toolVersion: toolVersion, informationURI: informationURI)
    }

    /// `diagnostics` in `format`; `files` is the number of files checked
    /// (only the json format prints it).
    public func render(_ diagnostics: [Diagnostic], format: DiagnosticFormat, files: Int) -> String {
        switch format {
        case .text: return text(diagnostics)
        case .json: return json(diagnostics, files: files)
        case .github: return github(diagnostics)
        case .sarif: return sarif(diagnostics)
        }
    }

    /// The last line of `nnc check` in text format, without a line break:
    /// "error: 2 errors and 1 warning in 3 files", "warning: 1 warning in 1 file",
    /// or "no errors or warnings in 3 files". The label is coloured like a
    /// diagnostic's severity when `color` is on.
    public func summaryLine(errors: Int, warnings: Int, files: Int) -> String {
        let fileCount = Self.counted(files, "file")
        if errors == 0 && warnings == 0 { return "no errors or warnings in \(fileCount)" }
        let counts = [errors > 0 ? Self.counted(errors, "error") : nil,
                      warnings > 0 ? Self.counted(warnings, "warning") : nil].compactMap { $0 }
        let severity: Severity = errors > 0 ? .error : .warning
        return "\(paint(severity.rawValue, Self.severityStyle(severity))): \(counts.joined(separator: " and ")) in \(fileCount)"
    }

    static func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    // MARK: Shared helpers

    static func errorCount(_ diagnostics: [Diagnostic]) -> Int { diagnostics.filter { $0.severity == .error }.count }
    static func warningCount(_ diagnostics: [Diagnostic]) -> Int { diagnostics.filter { $0.severity == .warning }.count }

    /// The message followed by its notes and help, one per line, as the
    /// one-string formats (github, SARIF) show them.
    static func fullMessage(_ d: Diagnostic) -> String {
        ([d.message] + d.notes.map { "note: " + $0.message } + (d.help.map { ["help: " + $0] } ?? []))
            .joined(separator: "\n")
    }

    /// ANSI select graphic rendition codes.
    static let bold = "1", boldRed = "1;31", boldYellow = "1;33", boldCyan = "1;36", boldBlue = "1;34"

    static func severityStyle(_ severity: Severity) -> String {
        switch severity {
        case .error: boldRed
        case .warning: boldYellow
        case .note: boldCyan
        }
    }

    /// `text` wrapped in an ANSI style when colour is on.
    func paint(_ text: String, _ style: String) -> String {
        color ? "\u{1B}[\(style)m\(text)\u{1B}[0m" : text
    }
}
