/// Text to `YAMLNode`s: checks the bytes, runs libyaml's event parser and
/// hands the events to `YAMLTreeBuilder`. The only file that imports CYAML.
import CYAML

/// Limits that keep a broken or hostile file from costing more than a real spec.
public struct YAMLLimits: Sendable, Hashable {
    /// Largest file read, in bytes (E0010).
    public var maxFileBytes: Int
    /// Most nodes in the document once aliases are expanded (E0006). The
    /// largest spec we know has a few thousand.
    public var maxNodes: Int
    /// Deepest nesting of mappings and lists, aliases expanded (E0007). Specs nest fewer than 10.
    public var maxDepth: Int

    public init(maxFileBytes: Int = 16 << 20, maxNodes: Int = 200_000, maxDepth: Int = 64) {
        self.maxFileBytes = maxFileBytes
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }
}

public struct YAMLReadResult: Sendable {
    /// The document's root. Nil when reading had to stop: E0002, E0003, E0004,
    /// E0006, E0007, E0008, E0010, or an undefined or recursive alias (E0009).
    /// With only duplicate keys (E0005), complex keys or unknown tags (E0009)
    /// the root is given (first values kept, offending pairs and tags dropped)
    /// so the decoder can report the spec's other errors in the same run.
    public var root: YAMLNode?
    public var diagnostics: [Diagnostic]

    public init(root: YAMLNode?, diagnostics: [Diagnostic]) {
        self.root = root
        self.diagnostics = diagnostics
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

public enum YAMLReader {
    /// Reads the single YAML document of `file`.
    ///
    /// Accepts a UTF-8 BOM and CRLF line ends. Every node's span has 1-based
    /// lines and columns (columns count Unicode scalars, as libyaml's marks do).
    public static func read(_ file: SourceFile, limits: YAMLLimits = .init()) -> YAMLReadResult {
        if file.bytes.count > limits.maxFileBytes {
            return fail(SourceFile.tooLarge(path: file.path, bytes: file.bytes.count, limit: limits.maxFileBytes))
        }
        if let problem = firstTextProblem(file.bytes) {
            let span = SourceSpan(file: file.path, at: file.location(ofByte: problem.offset))
            return fail(.error("E0002", problem.message, at: span, help: problem.help))
        }
        if file.bytes.isEmpty {
            return fail(.error("E0004", "the file is empty", file: file.path,
                               help: "write at least `nnc: 1` and a `model:` section"))
        }
        return file.bytes.withUnsafeBufferPointer { parse($0, file: file, limits: limits) }
    }

    private static func fail(_ diagnostic: Diagnostic) -> YAMLReadResult {
        YAMLReadResult(root: nil, diagnostics: [diagnostic])
    }

    // MARK: libyaml

    private static func parse(_ text: UnsafeBufferPointer<UInt8>, file: SourceFile, limits: YAMLLimits) -> YAMLReadResult {
        var builder = YAMLTreeBuilder(path: file.path, limits: limits)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard let base = text.baseAddress, yaml_parser_initialize(parser) == 1 else {
            return fail(.error("E0003", "the YAML parser could not start (out of memory)", file: file.path))
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, base, text.count)

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                return YAMLReadResult(root: nil, diagnostics: builder.diagnostics + [syntaxError(parser.pointee, file: file)])
            }
            let converted = convert(event, path: file.path)
            yaml_event_delete(&event)
            guard builder.consume(converted) else {
                return YAMLReadResult(root: nil, diagnostics: builder.diagnostics)
            }
            if case .streamEnd = converted { break }
        }

        var diagnostics = builder.diagnostics
        guard let root = builder.root else {
            diagnostics.append(.error("E0004", "the file holds no YAML document (it is empty or has only comments)",
                                      file: file.path, help: "write at least `nnc: 1` and a `model:` section"))
            return YAMLReadResult(root: nil, diagnostics: diagnostics)
        }
        if root.isNull {
            // An empty scalar is marked where the next token starts; the document start is clearer.
            diagnostics.append(.error("E0004", "the document is empty", at: builder.firstDocument ?? root.span,
                                      help: "write at least `nnc: 1` and a `model:` section"))
            return YAMLReadResult(root: nil, diagnostics: diagnostics)
        }
        return YAMLReadResult(root: root, diagnostics: diagnostics)
    }

    private static func location(_ mark: yaml_mark_t) -> SourceLocation {
        SourceLocation(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func convert(_ event: yaml_event_t, path: String) -> YAMLTreeBuilder.Event {
        let span = SourceSpan(file: path, start: location(event.start_mark), end: location(event.end_mark))
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_DOCUMENT_START_EVENT: return .documentStart(span)
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let style: ScalarStyle = scalar.style == YAML_PLAIN_SCALAR_STYLE ? .plain : .quoted
            return .scalar(value, style, tag: string(scalar.tag), anchor: string(scalar.anchor), span)
        case YAML_ALIAS_EVENT:
            return .alias(string(event.data.alias.anchor) ?? "", span)
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(tag: string(start.tag), anchor: string(start.anchor), span)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd(span)
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(tag: string(start.tag), anchor: string(start.anchor), span)
        case YAML_MAPPING_END_EVENT: return .mappingEnd(span)
        default: return .streamEnd  // YAML_STREAM_END_EVENT (the parser emits no empty events)
        }
    }

    /// E0003 from libyaml's error fields: its problem text at its problem
    /// mark, and what it was parsing (the context) as a note.
    private static func syntaxError(_ parser: yaml_parser_t, file: SourceFile) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        if parser.error == YAML_MEMORY_ERROR {
            return .error("E0003", "the YAML parser ran out of memory", file: file.path)
        }
        // Reader errors carry a byte offset; scanner and parser errors a mark.
        let at = parser.error == YAML_READER_ERROR
            ? file.location(ofByte: Int(parser.problem_offset))
            : location(parser.problem_mark)
        var notes: [DiagnosticNote] = []
        if let context = parser.context.map({ String(cString: $0) }) {
            let contextAt = location(parser.context_mark)
            if contextAt != at {
                notes.append(DiagnosticNote("\(context) that starts at line \(contextAt.line), column \(contextAt.column)",
                                            at: SourceSpan(file: file.path, at: contextAt)))
            }
        }
        let span = SourceSpan(file: file.path, at: at)
        let offending = file.line(at.line)?.unicodeScalars.dropFirst(at.column - 1).first
        if offending == "\t" {
            return .error("E0003", "tab character in indentation: YAML indents with spaces only", at: span,
                          notes: notes + [DiagnosticNote("the YAML parser says: \(problem)")],
                          help: "replace the tabs at the start of the line with spaces")
        }
        return .error("E0003", problem, at: span, notes: notes, help: syntaxHelp[problem])
    }

    /// Advice for libyaml's most common complaints about hand-written specs.
    private static let syntaxHelp: [String: String] = [
        "mapping values are not allowed in this context":
            "check the indentation of this line, or quote a value that contains ': '",
        "did not find expected key":
            "check the indentation: the keys of one mapping start in the same column",
        "found character that cannot start any token":
            "quote the value: '@', '`' and '%' cannot start unquoted text",
    ]

    // MARK: Text check

    /// The byte offset of the first thing that is not YAML text, what it is
    /// and what to do: invalid UTF-8, a NUL byte, or a character YAML does not
    /// allow (C0 and C1 controls other than tab, LF, CR and NEL; U+FFFE, U+FFFF).
    /// libyaml rejects these too, but without a line and column.
    static func firstTextProblem(_ bytes: [UInt8]) -> (offset: Int, message: String, help: String)? {
        let resave = "save the file as UTF-8 text"
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            return (0, "the file is UTF-16 text (it starts with a UTF-16 byte order mark); nnc reads UTF-8", resave)
        }
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let length: Int, minimum: UInt32
            switch lead {
            case 0x00:
                return (i, "the file contains a NUL byte: it looks like a binary file, not YAML text",
                        "check that the path names the spec and not a data or model file")
            case 0x01..<0x80: length = 1; minimum = 0
            case 0xC2...0xDF: length = 2; minimum = 0x80
            case 0xE0...0xEF: length = 3; minimum = 0x800
            case 0xF0...0xF4: length = 4; minimum = 0x1_0000
            default: return (i, invalidUTF8(lead), resave)
            }
            guard i + length <= bytes.count else { return (i, invalidUTF8(lead), resave) }
            var scalar = length == 1 ? UInt32(lead) : UInt32(lead) & (0xFF >> (length + 1))
            for k in 1..<length {
                let next = bytes[i + k]
                guard next & 0xC0 == 0x80 else { return (i, invalidUTF8(lead), resave) }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            if scalar < minimum || (0xD800...0xDFFF).contains(scalar) || scalar > 0x10_FFFF {
                return (i, invalidUTF8(lead), resave)
            }
            if !isAllowedInYAML(scalar) {
                let hex = String(scalar, radix: 16, uppercase: true)
                let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
                return (i, "the character U+\(code) is not allowed in YAML text (is this a binary file?)",
                        "remove the character; write it as an escape such as \\x1B inside double quotes if it is meant")
            }
            i += length
        }
        return nil
    }

    private static func invalidUTF8(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        return "invalid UTF-8: the byte 0x\(hex.count == 1 ? "0" + hex : hex) does not start a valid UTF-8 character"
    }

    /// YAML 1.1's printable set, as libyaml checks it.
    private static func isAllowedInYAML(_ c: UInt32) -> Bool {
        c == 0x09 || c == 0x0A || c == 0x0D || (0x20...0x7E).contains(c) || c == 0x85
            || (0xA0...0xD7FF).contains(c) || (0xE000...0xFFFD).contains(c) || (0x1_0000...0x10_FFFF).contains(c)
    }
}
