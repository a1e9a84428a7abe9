/// A small JSON writer with exact control over key order and layout, for
/// `--format json`, SARIF, `nnc schema` and metrics.json.

/// A JSON value. Objects keep their keys in the order given (and may repeat
/// none: the writer does not check). Literals work:
/// `let v: JSONValue = ["files": 1, "ok": true, "names": ["a", "b"]]`.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    /// Written in the shortest form that reads back as the same Double;
    /// NaN and the infinities (which JSON cannot express) are written as null.
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}

public struct JSONWriter: Sendable {
    public enum Style: Sendable, Hashable {
        /// One line, no spaces: `{"a":1,"b":[1,2]}`.
        case compact
        /// One line, a space after `:` and `,`: `{"a": 1, "b": [1, 2]}`.
        case spaced
        /// One member per line, nested levels indented by `indent` spaces.
        case pretty(indent: Int)
    }

    public var style: Style

    public init(style: Style = .spaced) { self.style = style }

    /// The JSON text of `value`, without a final line break.
    public func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, level: 0, to: &out)
        return out
    }

    private func write(_ value: JSONValue, level: Int, to out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += Self.number(d)
        case .string(let s): out += Self.quoted(s)
        case .array(let items):
            writeContainer("[", "]", count: items.count, level: level, to: &out) { i, out in
                write(items[i], level: level + 1, to: &out)
            }
        case .object(let members):
            writeContainer("{", "}", count: members.count, level: level, to: &out) { i, out in
                out += Self.quoted(members[i].key)
                out += style == .compact ? ":" : ": "
                write(members[i].value, level: level + 1, to: &out)
            }
        }
    }

    private func writeContainer(_ open: String, _ close: String, count: Int, level: Int, to out: inout String,
                                element: (Int, inout String) -> Void) {
        out += open
        guard count > 0 else { out += close; return }
        for i in 0..<count {
            switch style {
            case .compact: if i > 0 { out += "," }
            case .spaced: if i > 0 { out += ", " }
            case .pretty(let indent):
                out += i > 0 ? ",\n" : "\n"
                out += String(repeating: " ", count: indent * (level + 1))
            }
            element(i, &out)
        }
        if case .pretty(let indent) = style {
            out += "\n" + String(repeating: " ", count: indent * level)
        }
        out += close
    }

    /// `s` as a JSON string literal: quotes, backslashes and control
    /// characters escaped; everything else (non-ASCII too) left as UTF-8.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A finite Double in its shortest round-trip form (`0.1`, `3.0`, `1e-07`);
    /// `null` for NaN and the infinities.
    public static func number(_ d: Double) -> String {
        d.isFinite ? d.description : "null"
    }
}
