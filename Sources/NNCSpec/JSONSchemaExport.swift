/// `nnc schema`: the spec language as a JSON Schema, printed from the same
/// `SpecSchema` tables the validator checks against. It declares draft
/// 2020-12 but uses only what draft-07 validators also understand (no
/// `unevaluatedProperties`, no `$defs`), so that editors embedding an older
/// validator (yaml-language-server before 1.20) catch the same typos. For
/// editors: every property has its doc as `description`; enum values have
/// `enumDescriptions` (read by yaml-language-server and VS Code's JSON
/// service for hover); a list element that is one of several named kinds
/// (`- dense: {...}`) names the kinds through `propertyNames`, so a misspelt
/// kind is answered with every valid one.
public enum JSONSchemaExport {
    /// Not a URL: the schema is not served anywhere; editors load the file
    /// written by `nnc schema` (docs/editors.md).
    public static let id = "urn:nnc:spec:v1"

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
        case .keyword(let names): return enumeration(names, docs: names.map { valueDocs[$0] })
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

    /// `{"enum": names, "enumDescriptions": docs}`; without descriptions when none is known.
    static func enumeration(_ names: [String], docs: [String?]) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [(key: "enum", value: .array(names.map(JSONValue.string)))]
        if docs.contains(where: { $0 != nil }) {
            members.append((key: "enumDescriptions", value: .array(docs.map { .string($0 ?? "") })))
        }
        return .object(members)
    }

    /// Docs of keyword values that are also named kinds (an activation is a layer kind too).
    static let valueDocs: [String: String] = {
        var docs: [String: String] = [:]
        for c in SpecSchema.layerSchema.cases where docs[c.name] == nil { docs[c.name] = c.doc }
        return docs
    }()

    static func object(_ o: ObjectSchema, doc: String?, extraFields: [Field] = []) -> JSONValue {
        let fields = o.fields + extraFields
        var properties = fields.map { (key: $0.name, value: field($0)) }
        var members: [(key: String, value: JSONValue)] = [(key: "type", value: "object")]
        if let doc { members.append((key: "description", value: .string(doc))) }
        var allOf: [JSONValue] = []
        for group in o.exactlyOneOf {
            let choices: [JSONValue] = group.map { name in ["required": [.string(name)]] }
            allOf.append(["oneOf": .array(choices)])
        }
        if let disc = o.discriminator {
            // Every option of every value is a property (so additionalProperties
            // catches typos); each value then admits only its own options.
            let base = fields.map { JSONValue.string($0.name) }
            var seen = Set(fields.map(\.name))
            for (_, extra) in disc.extraFields {
                for f in extra where !seen.contains(f.name) {
                    seen.insert(f.name)
                    let owners = disc.extraFields.filter { $0.fields.contains { $0.name == f.name } }.map(\.value)
                    properties.append((key: f.name, value: ["description": .string("an option of \(disc.key) \(owners.joined(separator: ", "))")]))
                }
            }
            for (value, extra) in disc.extraFields {
                let constant: JSONValue = ["const": .string(value)]
                var then: [(key: String, value: JSONValue)] = []
                if !extra.isEmpty { then.append((key: "properties", value: .object(extra.map { (key: $0.name, value: field($0)) }))) }
                then.append((key: "propertyNames", value: ["enum": .array(base + extra.map { .string($0.name) })]))
                allOf.append(["if": ["properties": .object([(key: disc.key, value: constant)]), "required": [.string(disc.key)]],
                              "then": .object(then)])
            }
            allOf.append(["if": ["not": ["required": [.string(disc.key)]]], "then": ["propertyNames": ["enum": .array(base)]]])
        }
        members.append((key: "properties", value: .object(properties)))
        let required = fields.filter(\.required).map { JSONValue.string($0.name) }
        if !required.isEmpty { members.append((key: "required", value: .array(required))) }
        if !allOf.isEmpty { members.append((key: "allOf", value: .array(allOf))) }
        members.append((key: "additionalProperties", value: false))
        return .object(members)
    }

    /// A bare name (`- softmax`) or a one-key mapping (`- dense: {...}`): the
    /// mapping's key must be one of the kinds (`propertyNames`, so a misspelt
    /// kind gets the list of all), and each kind's property carries its doc.
    static func variant(_ v: VariantSchema) -> JSONValue {
        var alternatives: [JSONValue] = []
        let bare = v.cases.filter(\.bareAllowed)
        if !bare.isEmpty { alternatives.append(enumeration(bare.map(\.name), docs: bare.map(\.doc))) }
        var properties: [(key: String, value: JSONValue)] = []
        for c in v.cases {
            var payload: JSONValue
            switch c.payload {
            case .object(let o)?: payload = object(o, doc: nil, extraFields: v.commonFields)
            case let t?: payload = type(t)
            case nil: payload = v.commonFields.isEmpty ? ["type": "null"] : object(ObjectSchema([]), doc: nil, extraFields: v.commonFields)
            }
            if c.bareAllowed { payload = ["anyOf": [payload, ["type": "null"]]] }
            properties.append((key: c.name, value: prepend([("description", .string(c.doc))], to: payload)))
        }
        alternatives.append(["type": "object", "properties": .object(properties),
                             "propertyNames": enumeration(v.cases.map(\.name), docs: v.cases.map(\.doc)),
                             "minProperties": 1, "maxProperties": 1])
        return ["description": .string("a \(v.what)"), "anyOf": .array(alternatives)]
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
