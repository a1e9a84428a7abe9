/// Validated options, read by a decoder (a layer kind's, the optimizer's, ...).
/// An option left out reads the schema's default (the only place defaults live);
/// a value that neither the spec nor the schema gives is nil, and the decoder
/// gives up (the validator has already reported it).
public struct SchemaOptions: Sendable {
    /// The variant case as written ("maxpool", "logistic", "adam"), or the key.
    public let kind: String
    public let value: Value
    let fields: [Field]

    init(kind: String, _ value: Value, _ entry: VariantCase) {
        self.kind = kind; self.value = value
        if case .object(let schema)? = entry.payload { fields = schema.fields } else { fields = [] }
    }

    init(kind: String, _ value: Value, fields: [Field]) {
        self.kind = kind; self.value = value; self.fields = fields
    }

    /// The options of an object value, read against its schema.
    public init(_ value: Value, _ schema: ObjectSchema) { self.init(kind: "", value, fields: schema.fields) }

    /// The options of a variant value (`adam: {lr: 0.01}` or bare `adam`), or, when the
    /// value is left out, of the schema's default case `defaultCase`; nil when neither names a case.
    public init?(variant value: Value?, of type: SchemaType, defaultCase: String?, at span: SourceSpan) {
        guard case .variant(let schema) = type, let name = value?.variant?.name ?? defaultCase,
              let entry = schema.case(name) else { return nil }
        self.init(kind: name, value?.variant?.payload ?? Value(kind: .object([]), span: value?.span ?? span), entry)
    }

    public var span: SourceSpan { value.span }
    public subscript(key: String) -> Value? { value[key] }
    public func has(_ key: String) -> Bool { value.has(key) }
    /// Where an option's value (or, failing that, the layer) is, for diagnostics.
    public func span(of key: String) -> SourceSpan { value[key]?.span ?? value.span }
    public func keySpan(_ key: String) -> SourceSpan { value.keySpan(key) ?? value.span }

    /// The schema's default of `key`, as a user would write it.
    func schemaDefault(_ key: String) -> String? { fields.first { $0.name == key }?.defaultValue }

    /// The written value of `key` converted by `read`, or else the schema's default.
    func read<T>(_ key: String, _ read: (Value) -> T?, _ parse: (String) -> T?) -> T? {
        if let v = value[key] { return read(v) }
        return schemaDefault(key).flatMap(parse)
    }
    public func int(_ key: String) -> Int? { read(key, \.integer) { Int($0) } }
    public func number(_ key: String) -> Double? { read(key, \.number) { Double($0) } }
    public func bool(_ key: String) -> Bool? { read(key, \.bool) { Bool($0) } }
    public func text(_ key: String) -> String? { read(key, \.text) { $0 } }
    public func activation(_ key: String = "activation") -> ActivationKind? { text(key).flatMap(ActivationKind.init(name:)) }

    /// `n` or `[h, w]`: a pair; nil when neither is written nor defaulted.
    public func pair(_ key: String) -> (Int, Int)? {
        if let v = value[key] { return Self.pair(v) }
        return schemaDefault(key).flatMap { Int($0) }.map { ($0, $0) }
    }
    static func pair(_ v: Value) -> (Int, Int)? {
        if let n = v.integer { return (n, n) }
        let l = v.list?.compactMap(\.integer) ?? []
        return l.count == 2 ? (l[0], l[1]) : nil
    }

    /// A nested options object (rnn's `output`), reading its own schema defaults.
    public func object(_ key: String) -> SchemaOptions? {
        guard let v = value[key] else { return nil }
        guard case .object(let schema)? = fields.first(where: { $0.name == key })?.type else {
            return SchemaOptions(kind: key, v, fields: [])
        }
        return SchemaOptions(kind: key, v, fields: schema.fields)
    }

    /// The written initializer; nil: the layer's default (`Initializer.resolved`).
    public func initializer() -> Initializer? {
        guard let (name, payload) = value["init"]?.variant else { return nil }
        switch name {
        case "xavier": return .xavier
        case "he": return .he
        case "zeros": return .zeros
        case "uniform": return payload?.number.map(Initializer.uniform)
        case "normal": return payload?.number.map(Initializer.normal)
        default: return nil
        }
    }
}

/// Options several layer kinds share, with one schema entry each.
public enum LayerFields {
    public static let activation = Field("activation", .keyword(SpecSchema.activations), default: "linear", "activation applied to the output")
    public static let bias = Field("bias", .bool, default: "true", "learn a bias per unit")
    public static let initializer = Field("init", SpecSchema.initSchema, "initializer (default: he for relu, xavier otherwise)")
    public static let returns = Field("return", .keyword(["sequence", "last"]), default: "sequence",
                                      "the whole sequence [T, units] or the last step [units] (sequence-to-one)")
    public static let intOrPair = SchemaType.anyOf([.positiveInt, .list(.positiveInt, minCount: 2, maxCount: 2)])

    /// A schema entry: bare (`- flatten`) when no option is required.
    public static func entry(_ name: String, _ fields: [Field], exactlyOneOf: [[String]] = [], _ doc: String) -> VariantCase {
        let bare = !fields.contains { $0.required } && exactlyOneOf.isEmpty
        return VariantCase(name, .object(ObjectSchema(fields, exactlyOneOf: exactlyOneOf)), bare: bare, doc)
    }
}
