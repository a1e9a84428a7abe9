/// Prints diagnostics in the formats of docs/cli.md: `text` (with source
/// lines and carets), `json`, `github` (workflow commands) and `sarif` (2.1.0).
/// Each format lives in its own file: TextRenderer.swift, JSONRenderer.swift,
/// GitHubRenderer.swift, SARIFRenderer.swift.
///
/// Every output ends with a line break, except that `text` and `github`
/// print nothing at all for no diagnostics and no skipped files. Every format
/// shows at most `maxPerFile` diagnostics per file and counts the rest.

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
    /// (only the json format prints it); `skipped` the YAML files that were
    /// not specs. Each format shows at most `maxPerFile` diagnostics per file.
    public func render(_ diagnostics: [Diagnostic], format: DiagnosticFormat, files: Int, skipped: [String] = []) -> String {
        switch format {
        case .text: return text(diagnostics, skipped: skipped)
        case .json: return json(diagnostics, files: files, skipped: skipped)
        case .github: return github(diagnostics, skipped: skipped)
        case .sarif: return sarif(diagnostics, skipped: skipped)
        }
    }

    // MARK: Bounded output

    /// Most diagnostics shown per file, so that output stays proportional to
    /// what a reader can use; the rest are counted in an `Omission`.
    public static let maxPerFile = 100

    /// The diagnostics of one file left out of the output.
    public struct Omission: Sendable, Hashable {
        public var file: String
        public var errors = 0, warnings = 0, notes = 0
        /// "and 2900 more errors in this file (nnc shows the first 100 per file)".
        public var message: String {
            let counts = [(errors, "error"), (warnings, "warning"), (notes, "note")]
                .filter { $0.0 > 0 }.map { counted($0.0, "more " + $0.1) }
            return "and \(counts.joined(separator: " and ")) in this file (nnc shows the first \(maxPerFile) per file)"
        }
    }

    /// The first `maxPerFile` diagnostics of each file, in order, and what was
    /// left out of each file (in order of first omission).
    static func limited(_ diagnostics: [Diagnostic]) -> (shown: [Diagnostic], omitted: [Omission]) {
        var perFile: [String: Int] = [:]
        var omitted: [Omission] = []
        var omissionIndex: [String: Int] = [:]
        var shown: [Diagnostic] = []
        for d in diagnostics {
            let n = perFile[d.file, default: 0]
            perFile[d.file] = n + 1
            if n < maxPerFile { shown.append(d); continue }
            let i = omissionIndex[d.file] ?? omitted.count
            if i == omitted.count { omitted.append(Omission(file: d.file)); omissionIndex[d.file] = i }
            switch d.severity {
            case .error: omitted[i].errors += 1
            case .warning: omitted[i].warnings += 1
            case .note: omitted[i].notes += 1
            }
        }
        return (shown, omitted)
    }

    /// Why a file reached through a folder was not checked.
    public static let skippedMessage = "skipped: no top-level 'nnc:' key, so not an nnc spec (name the file to check it anyway)"

    /// Skipped files named one by one in text and github output; the rest are counted.
    public static let maxSkippedNamed = 20

    /// The line after the named skipped files: "and 480 more YAML files skipped (no top-level 'nnc:' key)".
    static func moreSkipped(_ skipped: [String]) -> String? {
        let more = skipped.count - maxSkippedNamed
        return more > 0 ? "and \(more) more YAML file\(more == 1 ? "" : "s") skipped (no top-level 'nnc:' key)" : nil
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

    // MARK: Terminal safety

    /// `text` as it may reach a terminal: every character a spec or a file name
    /// could use to move the cursor, forge a line or reorder what is shown
    /// (C0 and C1 controls, DEL, format characters such as bidi overrides and
    /// zero-width joiners, line and paragraph separators) becomes a visible
    /// escape: `\e`, `\n`, `\r`, `\t`, `\0`, else `\u{202E}`. The text
    /// format, the snippet lines and `nnc run`'s messages all go through here.
    public static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if let escaped = escape(scalar) { out += escaped } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// `visible` line by line: the line feeds of `text` itself are kept (a
    /// table, a report), every other character is escaped as `visible` does.
    public static func visibleLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { visible(String($0)) }.joined(separator: "\n")
    }

    /// The visible escape of one character, or nil when it is shown as it is.
    static func escape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar {
        case "\u{1B}": return "\\e"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\0": return "\\0"
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator:
                return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: return nil
            }
        }
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
