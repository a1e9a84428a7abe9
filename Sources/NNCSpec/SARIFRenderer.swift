/// `--format sarif`: a SARIF 2.1.0 log with one run of the tool "nnc".
///
/// - `tool.driver.rules`: one rule per code used, in code order, with
///   `id`, `name` (the title in PascalCase), `shortDescription` (the title),
///   `fullDescription` (the explanation), `help` (the fix) and
///   `defaultConfiguration.level` (error for E codes, warning for W codes),
///   all from `DiagnosticCodes`; a code not in the table gets only its `id`.
/// - `results`: `ruleId`, `ruleIndex`, `level` (error, warning, note),
///   `message.text` (the message, then the notes and help on their own lines),
///   `locations` (one physical location; no `region` without a span) and
///   `relatedLocations` for the notes that have a span.
/// - Regions use 1-based lines and columns with an exclusive `endColumn`, as
///   SARIF defines them; columns count Unicode scalars, so the run declares
///   `"columnKind": "unicodeCodePoints"`.
/// - Paths become URI references: relative paths stay relative (to the
///   directory nnc ran in), absolute paths become `file://` URIs; characters
///   outside RFC 3986's unreserved set and `/` are percent-encoded.
/// - Past a file's first `maxPerFile` diagnostics, the rest are counted in
///   one `toolExecutionNotifications` entry of `invocations[0]` (level note,
///   located at the file); each skipped non-spec YAML file gets one too.
///   `invocations` is present only when there is such a notification.
extension DiagnosticRenderer {
    public func sarif(_ diagnostics: [Diagnostic], skipped: [String] = []) -> String {
        let (shown, omitted) = Self.limited(diagnostics)
        let diagnostics = shown
        let codes = Set(diagnostics.map(\.code)).sorted()
        var ruleIndex: [String: Int] = [:]
        for (i, code) in codes.enumerated() { ruleIndex[code] = i }

        var driver: [(key: String, value: JSONValue)] = [("name", "nnc")]
        if let informationURI { driver.append(("informationUri", .string(informationURI))) }
        if let toolVersion { driver.append(("version", .string(toolVersion))) }
        driver.append(("rules", .array(codes.map(Self.sarifRule))))

        let results: [JSONValue] = diagnostics.map { d in
            var result: [(key: String, value: JSONValue)] = [
                ("ruleId", .string(d.code)),
                ("ruleIndex", .int(ruleIndex[d.code] ?? 0)),
                ("level", .string(d.severity.rawValue)),
                ("message", ["text": .string(Self.fullMessage(d))]),
                ("locations", [Self.sarifLocation(file: d.file, span: d.span)]),
            ]
            let related = d.notes.compactMap { note in note.span.map { (note.message, $0) } }
            if !related.isEmpty {
                result.append(("relatedLocations", .array(related.enumerated().map { i, note in
                    Self.sarifLocation(file: note.1.file, span: note.1, id: i + 1, message: note.0)
                })))
            }
            return .object(result)
        }

        var run: [(key: String, value: JSONValue)] = [
            ("tool", ["driver": .object(driver)]),
            ("columnKind", "unicodeCodePoints"),
            ("results", .array(results)),
        ]
        let notices = omitted.map { ($0.file, $0.message) } + skipped.map { ($0, Self.skippedMessage) }
        if !notices.isEmpty {
            run.append(("invocations", [[
                "executionSuccessful": true,
                "toolExecutionNotifications": .array(notices.map { file, message in
                    ["level": "note", "message": ["text": .string(message)],
                     "locations": [Self.sarifLocation(file: file, span: nil)]]
                }),
            ]]))
        }
        let log: JSONValue = [
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [.object(run)],
        ]
        return JSONWriter(style: .pretty(indent: 2)).string(log) + "\n"
    }

    static func sarifRule(_ code: String) -> JSONValue {
        guard let entry = DiagnosticCodes.lookup(code) else { return ["id": .string(code)] }
        let name = entry.title.split { !$0.isLetter && !$0.isNumber }
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        return [
            "id": .string(code),
            "name": .string(name),
            "shortDescription": ["text": .string(entry.title)],
            "fullDescription": ["text": .string(entry.explanation)],
            "help": ["text": .string(entry.fix)],
            "defaultConfiguration": ["level": code.hasPrefix("W") ? "warning" : "error"],
        ]
    }

    /// `{"physicalLocation": {"artifactLocation": {"uri": ...}, "region": {...}}}`,
    /// preceded by `id` and `message` for a related location.
    static func sarifLocation(file: String, span: SourceSpan?, id: Int? = nil, message: String? = nil) -> JSONValue {
        var physical: [(key: String, value: JSONValue)] = [("artifactLocation", ["uri": .string(uriReference(file))])]
        if let span {
            // SARIF needs the end after the start; a span never ends before it starts, but be safe.
            let end = span.end > span.start ? span.end : SourceLocation(line: span.start.line, column: span.start.column + 1)
            physical.append(("region", [
                "startLine": .int(span.start.line), "startColumn": .int(span.start.column),
                "endLine": .int(end.line), "endColumn": .int(end.column),
            ]))
        }
        var location: [(key: String, value: JSONValue)] = []
        if let id { location.append(("id", .int(id))) }
        if let message { location.append(("message", ["text": .string(message)])) }
        location.append(("physicalLocation", .object(physical)))
        return .object(location)
    }

    /// A file path as a URI reference (RFC 3986).
    static func uriReference(_ path: String) -> String {
        var out = path.hasPrefix("/") ? "file://" : ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}
