/// The spec language as data: one table that the validator checks against,
/// the JSON Schema generator prints, and the docs describe. Adding an option
/// here makes it parse, check and appear in `nnc schema` at once.

/// What a value may be.
public indirect enum SchemaType: Sendable {
    case bool
    /// A whole number within the range (inclusive).
    case integer(min: Int, max: Int)
    /// A number within the range; `exclusiveMin` excludes the lower bound.
    case number(min: Double, max: Double, exclusiveMin: Bool)
    /// Free text (a name, a path, a description).
    case text
    /// One of the listed names.
    case keyword([String])
    /// A shape: a list of positive integers or symbolic names.
    case shape
    case list(SchemaType, minCount: Int, maxCount: Int)
    case object(ObjectSchema)
    /// `name` (bare) or `{name: payload}`: a choice among named cases.
    case variant(VariantSchema)
    /// The first alternative whose node kind fits (scalar, list or mapping).
    case anyOf([SchemaType])

    public static let positiveInt = SchemaType.integer(min: 1, max: 1 << 40)
    public static let count = SchemaType.integer(min: 0, max: 1 << 40)
    public static let probability = SchemaType.number(min: 0, max: 1, exclusiveMin: false)
    public static let nonNegative = SchemaType.number(min: 0, max: .greatestFiniteMagnitude, exclusiveMin: false)
    public static let positive = SchemaType.number(min: 0, max: .greatestFiniteMagnitude, exclusiveMin: true)
    public static let anyNumber = SchemaType.number(min: -.greatestFiniteMagnitude, max: .greatestFiniteMagnitude, exclusiveMin: false)

    /// A short name for messages ("a whole number", "one of relu, tanh").
    public var summary: String {
        switch self {
        case .bool: return "true or false"
        case .integer(let lo, let hi):
            if lo == 1 && hi >= 1 << 40 { return "a positive whole number" }
            if lo == 0 && hi >= 1 << 40 { return "a whole number ≥ 0" }
            return "a whole number in \(lo)...\(hi)"
        case .number(let lo, let hi, let ex):
            if lo == 0 && hi == 1 && !ex { return "a number in [0, 1]" }
            if lo == 0 && ex && hi == .greatestFiniteMagnitude { return "a positive number" }
            if lo == 0 && hi == .greatestFiniteMagnitude { return "a number ≥ 0" }
            if lo == -.greatestFiniteMagnitude { return "a number" }
            return "a number in \(ex ? "(" : "[")\(formatNumber(lo)), \(formatNumber(hi))]"
        case .text: return "text"
        case .keyword(let names): return "one of \(names.joined(separator: ", "))"
        case .shape: return "a shape such as [64] or [1, 8, 8]"
        case .list(let t, _, _): return "a list of \(t.summary)"
        case .object: return "a mapping"
        case .variant(let v): return "one of \(v.cases.map(\.name).joined(separator: ", "))"
        case .anyOf(let ts): return ts.map(\.summary).joined(separator: " or ")
        }
    }
}

public func formatNumber(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
    return String(x)
}

public struct Field: Sendable {
    public var name: String
    public var type: SchemaType
    public var required: Bool
    /// The default as the user would write it (for docs and the schema), nil when none.
    public var defaultValue: String?
    public var doc: String

    public init(_ name: String, _ type: SchemaType, required: Bool = false,
                default defaultValue: String? = nil, _ doc: String) {
        self.name = name; self.type = type; self.required = required
        self.defaultValue = defaultValue; self.doc = doc
    }
}

public struct ObjectSchema: Sendable {
    public var fields: [Field]
    /// Each group: exactly one of these keys must be present.
    public var exactlyOneOf: [[String]]
    /// Keys whose allowed companions depend on their value: e.g. `source: parity`
    /// allows `bits` beside it.
    public var discriminator: Discriminator?

    public init(_ fields: [Field], exactlyOneOf: [[String]] = [], discriminator: Discriminator? = nil) {
        self.fields = fields; self.exactlyOneOf = exactlyOneOf; self.discriminator = discriminator
    }

    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }
}

public struct Discriminator: Sendable {
    public var key: String
    public var extraFields: [(value: String, fields: [Field])]
    public init(key: String, extraFields: [(value: String, fields: [Field])]) {
        self.key = key; self.extraFields = extraFields
    }
    public func fields(for value: String) -> [Field]? {
        extraFields.first { $0.value == value }?.fields
    }
}

public struct VariantCase: Sendable {
    public var name: String
    /// The value under the name; nil: the case takes no value (bare only).
    public var payload: SchemaType?
    /// Whether the bare name alone is allowed (all payload options have defaults).
    public var bareAllowed: Bool
    public var doc: String
    public init(_ name: String, _ payload: SchemaType?, bare: Bool = true, _ doc: String) {
        self.name = name; self.payload = payload; self.bareAllowed = bare; self.doc = doc
    }
}

public struct VariantSchema: Sendable {
    public var what: String          // "layer", "optimizer", ... for messages
    public var cases: [VariantCase]
    /// Fields allowed beside the case's own payload in every case (e.g. `name`, `from` on layers).
    public var commonFields: [Field]
    public init(what: String, cases: [VariantCase], commonFields: [Field] = []) {
        self.what = what; self.cases = cases; self.commonFields = commonFields
    }
    public func `case`(_ name: String) -> VariantCase? { cases.first { $0.name == name } }
}
