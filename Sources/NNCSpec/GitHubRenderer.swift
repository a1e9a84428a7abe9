/// `--format github`: one GitHub Actions workflow command per diagnostic,
///
///     ::error file=specs/bad.yaml,line=14,col=7,title=E0301::message%0Anote: ...%0Ahelp: ...
///
/// exactly the properties cli.md names, in its order. `::warning` for
/// warnings and `::notice` for notes; a diagnostic without a span has `file`
/// and `title` only. Notes and help follow the message on their
/// own lines. Escaping follows GitHub's runner: in the message `%`, CR and LF
/// become %25, %0D, %0A; in property values `:` and `,` also become %3A, %2C.
///
/// Past a file's first `maxPerFile` diagnostics, one `::notice` counts the
/// rest; the skipped (non-spec) YAML files get one `::notice` that names
/// the first `maxSkippedNamed` (annotations are few: 10 notices a step).
extension DiagnosticRenderer {
    public func github(_ diagnostics: [Diagnostic], skipped: [String] = []) -> String {
        let (shown, omitted) = Self.limited(diagnostics)
        var notices = omitted.map { "::notice file=\(Self.escapeProperty($0.file)),title=nnc::\(Self.escapeData($0.message))" }
        if !skipped.isEmpty {
            let names = skipped.prefix(Self.maxSkippedNamed).joined(separator: ", ") + (Self.moreSkipped(skipped).map { ", " + $0 } ?? "")
            let message = "skipped \(Self.counted(skipped.count, "YAML file")) without a top-level 'nnc:' key (not nnc specs): \(names)"
            notices.append("::notice title=nnc::\(Self.escapeData(message))")
        }
        return (shown.map(Self.githubCommand(of:)) + notices).map { $0 + "\n" }.joined()
    }

    static func githubCommand(of d: Diagnostic) -> String {
        let command: String
        switch d.severity {
        case .error: command = "error"
        case .warning: command = "warning"
        case .note: command = "notice"
        }
        var properties = [("file", d.file)]
        if let span = d.span {
            properties.append(("line", String(span.start.line)))
            properties.append(("col", String(span.start.column)))
        }
        properties.append(("title", d.code))
        let list = properties.map { "\($0.0)=\(escapeProperty($0.1))" }.joined(separator: ",")
        return "::\(command) \(list)::\(escapeData(fullMessage(d)))"
    }

    static func escapeData(_ s: String) -> String { escape(s, property: false) }

    static func escapeProperty(_ s: String) -> String { escape(s, property: true) }

    private static func escape(_ s: String, property: Bool) -> String {
        var out = ""
        for character in s.unicodeScalars {
            switch character {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            case ":" where property: out += "%3A"
            case "," where property: out += "%2C"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
