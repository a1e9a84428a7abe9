/// `--format json` of docs/cli.md: one document on one line, keys in this order:
///
/// ```
/// {"files": 1, "errors": 1, "warnings": 0,
///  "diagnostics": [{"file": "specs/bad.yaml", "line": 14, "column": 7,
///    "severity": "error", "code": "E0301", "message": "...",
///    "notes": [{"message": "...", "file": "specs/bad.yaml", "line": 12, "column": 7}],
///    "help": "..."}]}
/// ```
///
/// Every key is always present: `line` and `column` are null for a
/// diagnostic without a span (a whole-file problem); a note without a span
/// has null `file`, `line` and `column`; `help` is null when there is none;
/// `notes` is an empty list when there are none.
///
/// After `diagnostics` come two lists, always present: `omitted`, one
/// `{"file": F, "errors": N, "warnings": N, "notes": N}` for each file with
/// more than `maxPerFile` diagnostics (those beyond are counted there, not
/// listed; `errors` and `warnings` at the top count them all), and `skipped`,
/// the paths of YAML files reached through a folder that are not specs.
extension DiagnosticRenderer {
    public func json(_ diagnostics: [Diagnostic], files: Int, skipped: [String] = []) -> String {
        let (shown, omitted) = Self.limited(diagnostics)
        let document: JSONValue = [
            "files": .int(files),
            "errors": .int(Self.errorCount(diagnostics)),
            "warnings": .int(Self.warningCount(diagnostics)),
            "diagnostics": .array(shown.map(Self.jsonValue(of:))),
            "omitted": .array(omitted.map { o in
                ["file": .string(o.file), "errors": .int(o.errors), "warnings": .int(o.warnings), "notes": .int(o.notes)]
            }),
            "skipped": .array(skipped.map { .string($0) }),
        ]
        return JSONWriter(style: .spaced).string(document) + "\n"
    }

    static func jsonValue(of d: Diagnostic) -> JSONValue {
        [
            "file": .string(d.file),
            "line": d.span.map { .int($0.start.line) } ?? .null,
            "column": d.span.map { .int($0.start.column) } ?? .null,
            "severity": .string(d.severity.rawValue),
            "code": .string(d.code),
            "message": .string(d.message),
            "notes": .array(d.notes.map { note in
                [
                    "message": .string(note.message),
                    "file": note.span.map { .string($0.file) } ?? .null,
                    "line": note.span.map { .int($0.start.line) } ?? .null,
                    "column": note.span.map { .int($0.start.column) } ?? .null,
                ]
            }),
            "help": d.help.map { .string($0) } ?? .null,
        ]
    }
}
