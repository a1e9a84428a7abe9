/// Checks YAML nodes against `SchemaType`s and builds located `Value`s.
/// Every problem becomes a diagnostic; a node with a problem yields nil, so
/// later passes skip it instead of reporting follow-on errors.

public struct Validator {
    public private(set) var diagnostics = DiagnosticBag()

    public init() {}

    public mutating func report(_ d: Diagnostic) { diagnostics.add(d) }

    /// Validates `node` against `type`; nil when anything inside is invalid.
    public mutating func validate(_ node: YAMLNode, as type: SchemaType, what: String) -> Value? {
        switch type {
        case .bool: return boolean(node, what: what)
        case .integer(let lo, let hi): return integer(node, min: lo, max: hi, what: what)
        case .number(let lo, let hi, let ex): return number(node, min: lo, max: hi, exclusiveMin: ex, what: what)
        case .text:
            guard case .scalar(let s, _) = node.kind, !node.isNull else { return typeError(node, type, what) }
            return Value(kind: .text(s), span: node.span)
        case .keyword(let names): return keyword(node, names, what: what)
        case .shape: return shape(node, what: what)
        case .list(let element, let lo, let hi):
            guard let items = node.sequence else { return typeError(node, type, what) }
            guard items.count >= lo, items.count <= hi else {
                let wanted = lo == hi ? "exactly \(lo)" : items.count < lo ? "at least \(lo)" : "at most \(hi)"
                report(.error("E0105", "\(what) needs \(wanted) item\(lo == 1 && hi == 1 ? "" : "s"), found \(items.count)",
                              at: node.span))
                return nil
            }
            var values: [Value] = []
            var ok = true
            for item in items {
                if let v = validate(item, as: element, what: "an item of \(what)") { values.append(v) } else { ok = false }
            }
            return ok ? Value(kind: .list(values), span: node.span) : nil
        case .object(let schema):
            let (value, ok) = object(node, schema, what: what)
            return ok ? value : nil
        case .variant(let schema): return variant(node, schema, what: what)
        case .anyOf(let alternatives): return anyOf(node, alternatives, what: what)
        }
    }

    // MARK: objects

    /// Validates a mapping; returns the valid members (invalid ones left out)
    /// and whether everything was valid. `extraFields` are allowed beside the schema's.
    public mutating func object(_ node: YAMLNode, _ schema: ObjectSchema, what: String,
                                extraFields: [Field] = []) -> (Value?, Bool) {
        guard let pairs = node.mapping else {
            if node.isNull && !schema.fields.contains(where: \.required) && schema.exactlyOneOf.isEmpty {
                return (Value(kind: .object([]), span: node.span), true)   // `key:` with nothing: all defaults
            }
            return (typeError(node, .object(schema), what), false)
        }
        var fields = schema.fields + extraFields
        var ok = true
        // The discriminator's value decides which extra keys are allowed.
        if let disc = schema.discriminator,
           let discNode = pairs.first(where: { $0.key.scalar == disc.key })?.value,
           let name = discNode.scalar, let extra = disc.fields(for: name) {
            fields += extra
        }
        var members: [Value.Member] = []
        var likelyMeant = Set<String>()   // misspelt keys: not reported missing as well
        for pair in pairs {
            guard let key = pair.key.scalar else { ok = false; continue }   // the reader rejects such keys
            guard let field = fields.first(where: { $0.name == key }) else {
                ok = false
                reportUnknownKey(key, at: pair.key.span, allowed: fields.map(\.name), in: what, schema: schema)
                if let meant = closest(to: key, in: fields.map(\.name)) { likelyMeant.insert(meant) }
                continue
            }
            if let v = validate(pair.value, as: field.type, what: "'\(key)'") {
                members.append(Value.Member(key: key, keySpan: pair.key.span, value: v))
            } else {
                ok = false
            }
        }
        let present = Set(pairs.compactMap { $0.key.scalar })
        for field in fields where field.required && !present.contains(field.name) {
            ok = false
            if likelyMeant.contains(field.name) { continue }
            report(.error("E0102", "\(what) needs '\(field.name)' (\(field.doc))", at: node.span,
                          help: "add '\(field.name): ...' (\(field.type.summary))"))
        }
        for group in schema.exactlyOneOf {
            let given = pairs.filter { group.contains($0.key.scalar ?? "") }
            if given.isEmpty {
                ok = false
                report(.error("E0108", "\(what) needs one of \(group.map { "'\($0)'" }.joined(separator: ", "))",
                              at: node.span, help: "add exactly one of them"))
            } else if given.count > 1 {
                ok = false
                let first = given[0]
                for extra in given.dropFirst() {
                    report(.error("E0108", "\(what) takes only one of \(group.map { "'\($0)'" }.joined(separator: ", ")); found '\(first.key.scalar ?? "")' and '\(extra.key.scalar ?? "")'",
                                  at: extra.key.span,
                                  notes: [DiagnosticNote("'\(first.key.scalar ?? "")' is given at line \(first.key.span.start.line)", at: first.key.span)],
                                  help: "keep one of them"))
                }
            }
        }
        return (Value(kind: .object(members), span: node.span), ok)
    }

    mutating func reportUnknownKey(_ key: String, at span: SourceSpan, allowed: [String], in what: String,
                                   schema: ObjectSchema) {
        var help = "allowed keys: " + allowed.joined(separator: ", ")
        if let home = MisplacedKeys.help(key: key, section: what) {
            help = home
        } else if let suggestion = closest(to: key, in: allowed) {
            help = "did you mean '\(suggestion)'? " + help
        } else if let disc = schema.discriminator,
                  let owners = Optional(disc.extraFields.filter { $0.fields.contains { $0.name == key } }.map(\.value)),
                  !owners.isEmpty {
            help = "'\(key)' is an option of \(disc.key) \(owners.joined(separator: ", ")); " + help
        }
        report(.error("E0101", "unknown key '\(key)' in \(what)", at: span, help: help))
    }

    // MARK: variants

    mutating func variant(_ node: YAMLNode, _ schema: VariantSchema, what: String) -> Value? {
        let names = schema.cases.map(\.name)
        switch node.kind {
        case .scalar(let name, _):
            guard let c = schema.case(name) else {
                reportUnknownName(name, at: node.span, allowed: names, what: schema.what)
                return nil
            }
            guard c.bareAllowed else {
                report(.error("E0102", "\(schema.what) '\(name)' needs options", at: node.span,
                              help: "write '\(name): \(c.payload.map(example) ?? "...")'"))
                return nil
            }
            return Value(kind: .variant(name, nil), span: node.span)
        case .mapping(let pairs):
            guard pairs.count == 1, let pair = pairs.first, let name = pair.key.scalar else {
                let keys = pairs.compactMap { $0.key.scalar }
                let cases = keys.filter { schema.case($0) != nil }
                let others = keys.filter { schema.case($0) == nil }
                if cases.count == 1, !others.isEmpty {
                    let misplaced = pairs.first { $0.key.scalar == others[0] }
                    report(.error("E0103", "\(what): '\(others.joined(separator: "', '"))' must go inside the options of '\(cases[0])'",
                                  at: misplaced?.key.span ?? node.span,
                                  help: "write '\(cases[0]): {..., \(others[0]): ...}' (check the indentation)"))
                } else {
                    report(.error("E0103", "\(what) must be a \(schema.what) name or a one-key map '\(schema.what): {options}', found keys \(keys.joined(separator: ", "))",
                                  at: node.span))
                }
                return nil
            }
            guard let c = schema.case(name) else {
                reportUnknownName(name, at: pair.key.span, allowed: names, what: schema.what)
                return nil
            }
            if pair.value.isNull {   // `flatten:` — the same as bare
                guard c.bareAllowed else {
                    report(.error("E0102", "\(schema.what) '\(name)' needs options", at: pair.key.span,
                                  help: "write '\(name): \(c.payload.map(example) ?? "...")'"))
                    return nil
                }
                return Value(kind: .variant(name, nil), span: pair.key.span)
            }
            guard let payloadType = c.payload else {
                report(.error("E0103", "\(schema.what) '\(name)' takes no options", at: pair.value.span,
                              help: "write just '\(name)'"))
                return nil
            }
            if case .object(let objectSchema) = payloadType {
                let (v, ok) = object(pair.value, objectSchema, what: "'\(name)'", extraFields: schema.commonFields)
                return ok ? Value(kind: .variant(name, v), span: pair.key.span) : nil
            }
            guard let payload = validate(pair.value, as: payloadType, what: "'\(name)'") else { return nil }
            return Value(kind: .variant(name, payload), span: pair.key.span)
        case .sequence:
            report(.error("E0103", "\(what) must be a \(schema.what) name or a one-key map, found a list", at: node.span))
            return nil
        }
    }

    private func example(_ t: SchemaType) -> String {
        switch t {
        case .object(let o): return "{" + o.fields.filter(\.required).map { "\($0.name): ..." }.joined(separator: ", ") + "}"
        case .number, .integer: return "<number>"
        default: return "..."
        }
    }

    mutating func reportUnknownName(_ name: String, at span: SourceSpan, allowed: [String], what: String) {
        var help = "known \(what)s: " + allowed.joined(separator: ", ")
        if let s = closest(to: name, in: allowed) { help = "did you mean '\(s)'? " + help }
        report(.error("E0104", "unknown \(what) '\(name)'", at: span, help: help))
    }

    // MARK: alternatives

    mutating func anyOf(_ node: YAMLNode, _ alternatives: [SchemaType], what: String) -> Value? {
        let fitting = alternatives.filter { Self.fits(node, $0) }
        guard !fitting.isEmpty else { return typeError(node, .anyOf(alternatives), what) }
        if fitting.count == 1 { return validate(node, as: fitting[0], what: what) }
        // Several alternatives fit the node's kind: take the first that accepts it;
        // otherwise report the one that fits the text best (numeric-looking → a number type).
        let numericText = Self.looksNumeric(node)
        var chosen: (trial: Validator, matches: Bool)?
        for alt in fitting {
            var trial = Validator()
            if let v = trial.validate(node, as: alt, what: what) { return v }
            let matches = Self.isNumeric(alt) == numericText
            if chosen == nil || (matches && chosen?.matches == false) { chosen = (trial, matches) }
        }
        diagnostics.add(contentsOf: chosen?.trial.diagnostics.diagnostics ?? [])
        return nil
    }

    static func isNumeric(_ t: SchemaType) -> Bool {
        switch t {
        case .integer, .number: return true
        default: return false
        }
    }

    static func looksNumeric(_ node: YAMLNode) -> Bool {
        guard case .scalar(let s, .plain) = node.kind else { return false }
        return parseNumber(s) != nil
    }

    /// Whether the node's kind (scalar, list, mapping) can be of this type at all.
    static func fits(_ node: YAMLNode, _ type: SchemaType) -> Bool {
        switch (node.kind, type) {
        case (.scalar, .bool), (.scalar, .integer), (.scalar, .number), (.scalar, .text), (.scalar, .keyword): return true
        case (.sequence, .shape), (.sequence, .list): return true
        case (.mapping, .object): return true
        case (.scalar, .variant), (.mapping, .variant): return true
        case (_, .anyOf(let ts)): return ts.contains { fits(node, $0) }
        default: return false
        }
    }

    // MARK: scalars

    mutating func typeError(_ node: YAMLNode, _ type: SchemaType, _ what: String) -> Value? {
        var help: String?
        if case .scalar(_, .quoted) = node.kind {
            switch type {
            case .bool, .integer, .number: help = "remove the quotes"
            default: break
            }
        }
        report(.error("E0103", "\(what) must be \(type.summary), found \(node.kindDescription)", at: node.span, help: help))
        return nil
    }

    static let trueWords: Set<String> = ["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"]
    static let falseWords: Set<String> = ["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"]

    mutating func boolean(_ node: YAMLNode, what: String) -> Value? {
        if case .scalar(let s, .plain) = node.kind {
            if Self.trueWords.contains(s) { return Value(kind: .bool(true), span: node.span) }
            if Self.falseWords.contains(s) { return Value(kind: .bool(false), span: node.span) }
        }
        return typeError(node, .bool, what)
    }

    /// Parses a YAML 1.1 integer: optional sign, digits with `_`, 0x hex, 0o/0b. nil if not an integer;
    /// `.overflow` if it is one but does not fit 64 bits.
    enum IntegerParse { case value(Int), overflow, notInteger }
    static func parseInteger(_ text: String) -> IntegerParse {
        var s = Substring(text.filter { $0 != "_" })
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        var radix = 10
        if s.hasPrefix("0x") { radix = 16; s = s.dropFirst(2) }
        else if s.hasPrefix("0o") { radix = 8; s = s.dropFirst(2) }
        else if s.hasPrefix("0b") { radix = 2; s = s.dropFirst(2) }
        guard !s.isEmpty, s.allSatisfy({ $0.isHexDigit }) else { return .notInteger }
        if radix == 10 && !s.allSatisfy({ $0.isASCII && $0.isNumber }) { return .notInteger }
        guard let magnitude = UInt64(s, radix: radix) else {
            return s.allSatisfy({ $0.isHexDigit }) ? .overflow : .notInteger
        }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else { return .overflow }
            return .value(magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude))
        }
        guard magnitude <= UInt64(Int.max) else { return .overflow }
        return .value(Int(magnitude))
    }

    /// Parses a number (integers, decimals, exponents, YAML's .inf/.nan).
    static func parseNumber(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        if case .value(let i) = parseInteger(text) { return Double(i) }
        let cleaned = text.filter { $0 != "_" }
        guard cleaned.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              cleaned.contains(where: { $0.isNumber }) else { return nil }
        return Double(cleaned)
    }

    mutating func integer(_ node: YAMLNode, min lo: Int, max hi: Int, what: String) -> Value? {
        guard case .scalar(let s, .plain) = node.kind, !node.isNull else {
            return typeError(node, .integer(min: lo, max: hi), what)
        }
        switch Self.parseInteger(s) {
        case .value(let v):
            guard v >= lo, v <= hi else {
                let range = hi >= 1 << 40 ? "at least \(lo)" : lo == hi ? "\(lo)" : "in \(lo)...\(hi)"
                report(.error("E0105", "\(what) must be \(range), found \(v)", at: node.span))
                return nil
            }
            return Value(kind: .integer(v), span: node.span)
        case .overflow:
            report(.error("E0105", "\(what) is too large: \(s)", at: node.span,
                          help: hi >= 1 << 40 ? "use a value up to \(1 << 40)" : "use a value in \(lo)...\(hi)"))
            return nil
        case .notInteger:
            if let d = Self.parseNumber(s), d.isFinite {
                report(.error("E0106", "\(what) must be a whole number, found \(s)", at: node.span,
                              help: d == d.rounded() && abs(d) < 1e15 ? "write \(Int(d))" : nil))
                return nil
            }
            return typeError(node, .integer(min: lo, max: hi), what)
        }
    }

    mutating func number(_ node: YAMLNode, min lo: Double, max hi: Double, exclusiveMin: Bool, what: String) -> Value? {
        let type = SchemaType.number(min: lo, max: hi, exclusiveMin: exclusiveMin)
        guard case .scalar(let s, .plain) = node.kind, !node.isNull, let d = Self.parseNumber(s) else {
            return typeError(node, type, what)
        }
        guard d.isFinite else {
            report(.error("E0105", "\(what) must be a finite number, found \(s)", at: node.span))
            return nil
        }
        guard d >= lo, d <= hi, !(exclusiveMin && d == lo) else {
            report(.error("E0105", "\(what) must be \(type.summary), found \(s)", at: node.span))
            return nil
        }
        if case .value(let i) = Self.parseInteger(s) { return Value(kind: .integer(i), span: node.span) }
        return Value(kind: .number(d), span: node.span)
    }

    mutating func keyword(_ node: YAMLNode, _ names: [String], what: String) -> Value? {
        guard case .scalar(let s, _) = node.kind, !node.isNull else {
            return typeError(node, .keyword(names), what)
        }
        guard names.contains(s) else {
            var help = "allowed: " + names.joined(separator: ", ")
            if let c = closest(to: s, in: names) { help = "did you mean '\(c)'? " + help }
            report(.error("E0104", "unknown value '\(s)' for \(what)", at: node.span, help: help))
            return nil
        }
        return Value(kind: .text(s), span: node.span)
    }

    mutating func shape(_ node: YAMLNode, what: String) -> Value? {
        guard let items = node.sequence else {
            report(.error("E0107", "\(what) must be a shape such as [64] or [1, 8, 8], found \(node.kindDescription)",
                          at: node.span, help: node.scalar.flatMap { Int($0) }.map { "write [\($0)]" }))
            return nil
        }
        guard !items.isEmpty else {
            report(.error("E0107", "\(what) must have at least one dimension", at: node.span, help: "e.g. [64]"))
            return nil
        }
        var dims: Shape = []
        var ok = true
        for item in items {
            guard case .scalar(let s, .plain) = item.kind, !item.isNull else {
                report(.error("E0107", "a dimension must be a positive integer or a name, found \(item.kindDescription)", at: item.span))
                ok = false
                continue
            }
            switch Self.parseInteger(s) {
            case .value(let n) where n >= 1 && n <= SpecSchema.maxSize:
                dims.append(.fixed(n))
            case .value(let n):
                report(.error(n < 1 ? "E0107" : "E0307",
                              n < 1 ? "a dimension must be positive, found \(n)" : "dimension \(n) is too large",
                              at: item.span))
                ok = false
            case .overflow:
                report(.error("E0307", "dimension \(s) is too large", at: item.span)); ok = false
            case .notInteger:
                if let first = s.unicodeScalars.first, first.properties.isAlphabetic || first == "_",
                   s.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" }) {
                    dims.append(.symbol(s))
                } else {
                    report(.error("E0107", "a dimension must be a positive integer or a name such as T, found '\(s)'", at: item.span))
                    ok = false
                }
            }
        }
        return ok ? Value(kind: .shape(dims), span: node.span) : nil
    }
}

// MARK: did you mean

/// The allowed name closest to `word` by edit distance, if close enough to be a likely typo.
public func closest(to word: String, in candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(w, Array(c.lowercased()))
        if d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    guard let (name, distance) = best else { return nil }
    let limit = max(1, min(3, (w.count + 1) / 3))
    return distance <= limit ? name : nil
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                current[j] = min(current[j], previous2[j - 2] + 1)
            }
        }
        previous2 = previous
        previous = current
    }
    return previous[b.count]
}
