/// `nnc schema`: the spec language as a JSON Schema (draft 2020-12), printed
/// from the same `SpecSchema` tables the validator checks against.
public enum JSONSchemaExport {
    public static let id = "https://nnc.dev/schema/spec-v1.json"

    public static func document() -> JSONValue {
        var root = object(SpecSchema.root, doc: "An nnc network spec, version 1.")
        root = prepend([("$schema", "https://json-schema.org/draft/2020-12/schema"), ("$id", .string(id)),
                        ("title", "nnc spec v1")], to: root)
        return root
    }

    public static func text() -> String { JSONWriter(style: .pretty(indent: 2)).string(document()) + "\n" }

    static func prepend(_ members: [(String, JSONValue)], to value: JSONValue) -> JSONValue {
        guard case .object(let existing) = value else { return value }
        return .object(members.map { (key: $0.0, value: $0.1) } + existing)
    }

    static func type(_ t: SchemaType) -> JSONValue {
        switch t {
        case .bool: return ["type": "boolean"]
        case .integer(let lo, let hi): return ["type": "integer", "minimum": .int(lo), "maximum": .int(hi)]
        case .number(let lo, let hi, let exclusive):
            var members: [(key: String, value: JSONValue)] = [(key: "type", value: "number")]
            if lo > -Double.greatestFiniteMagnitude {
                members.append((key: exclusive ? "exclusiveMinimum" : "minimum", value: .double(lo)))
            }
            if hi < Double.greatestFiniteMagnitude { members.append((key: "maximum", value: .double(hi))) }
            return .object(members)
        case .text: return ["type": "string"]
        case .keyword(let names): return ["enum": .array(names.map(JSONValue.string))]
        case .shape:
            return ["type": "array", "minItems": 1,
                    "items": ["anyOf": [["type": "integer", "minimum": 1],
                                        ["type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"]]]]
        case .list(let element, let lo, let hi):
            var members: [(key: String, value: JSONValue)] = [(key: "type", value: "array"), (key: "items", value: type(element))]
            if lo > 0 { members.append((key: "minItems", value: .int(lo))) }
            if hi < 1 << 40 { members.append((key: "maxItems", value: .int(hi))) }
            return .object(members)
        case .object(let o): return object(o, doc: nil)
        case .variant(let v): return variant(v)
        case .anyOf(let ts): return ["anyOf": .array(ts.map(type))]
        }
    }

    static func field(_ f: Field) -> JSONValue {
        var schema = type(f.type)
        var extra: [(String, JSONValue)] = [("description", .string(f.doc))]
        if let d = f.defaultValue { extra.append(("default", defaultValue(d, f.type))) }
        if case .object(let members) = schema { schema = .object(members + extra.map { (key: $0.0, value: $0.1) }) }
        return schema
    }

    /// The default as JSON: numbers and booleans typed, everything else as written.
    static func defaultValue(_ text: String, _ t: SchemaType) -> JSONValue {
        if text == "true" { return true }
        if text == "false" { return false }
        if case .value(let i) = Validator.parseInteger(text) { return .int(i) }
        if let d = Validator.parseNumber(text), d.isFinite { return .double(d) }
        if text.hasPrefix("["), text.hasSuffix("]") {
            let items = text.dropFirst().dropLast().split(separator: ",").map { $0.trimmingSpaces() }
            return .array(items.map { Int($0).map(JSONValue.int) ?? .string($0) })
        }
        return .string(text)
    }

    static func object(_ o: ObjectSchema, doc: String?, extraFields: [Field] = []) -> JSONValue {
        let fields = o.fields + extraFields
        var members: [(key: String, value: JSONValue)] = [(key: "type", value: "object")]
        if let doc { members.append((key: "description", value: .string(doc))) }
        members.append((key: "properties", value: .object(fields.map { (key: $0.name, value: field($0)) })))
        let required = fields.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { members.append((key: "required", value: .array(required))) }
        var allOf: [JSONValue] = []
        for group in o.exactlyOneOf {
            let choices: [JSONValue] = group.map { name in ["required": [.string(name)]] }
            allOf.append(["oneOf": .array(choices)])
        }
        if let disc = o.discriminator {
            for (value, extra) in disc.extraFields where !extra.isEmpty {
                let constant: JSONValue = ["const": .string(value)]
                allOf.append(["if": ["properties": .object([(key: disc.key, value: constant)]),
                                     "required": [.string(disc.key)]],
                              "then": ["properties": .object(extra.map { (key: $0.name, value: field($0)) })]])
            }
        }
        if !allOf.isEmpty { members.append((key: "allOf", value: .array(allOf))) }
        // With per-source options in `then`, unevaluatedProperties sees them; plain objects can be strict directly.
        members.append((key: o.discriminator == nil ? "additionalProperties" : "unevaluatedProperties", value: false))
        return .object(members)
    }

    static func variant(_ v: VariantSchema) -> JSONValue {
        var alternatives: [JSONValue] = []
        let bare = v.cases.filter(\.bareAllowed).map { JSONValue.string($0.name) }
        if !bare.isEmpty { alternatives.append(["enum": .array(bare)]) }
        for c in v.cases {
            var payload: JSONValue
            switch c.payload {
            case .object(let o)?: payload = object(o, doc: nil, extraFields: v.commonFields)
            case let t?: payload = type(t)
            case nil: payload = v.commonFields.isEmpty ? ["type": "null"] : object(ObjectSchema([]), doc: nil, extraFields: v.commonFields)
            }
            if c.bareAllowed { payload = ["anyOf": [payload, ["type": "null"]]] }
            alternatives.append(["type": "object", "description": .string(c.doc),
                                 "properties": .object([(key: c.name, value: payload)]),
                                 "required": [.string(c.name)], "additionalProperties": false])
        }
        return ["description": .string("a \(v.what)"), "anyOf": .array(alternatives)]
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
