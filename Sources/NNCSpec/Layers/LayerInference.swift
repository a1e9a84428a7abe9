import NNCData

/// The context a layer kind's checks and shape inference report into: where the
/// layer is, where each option is, and where its inputs come from.
public struct LayerContext {
    public let name: String
    public let kindName: String
    public let span: SourceSpan
    public let optionSpans: [String: SourceSpan]
    public private(set) var diagnostics = DiagnosticBag()

    public init(name: String, kindName: String, span: SourceSpan, optionSpans: [String: SourceSpan]) {
        self.name = name; self.kindName = kindName; self.span = span; self.optionSpans = optionSpans
    }

    /// The span of an option's value, or the layer's.
    public func span(of option: String?) -> SourceSpan { option.flatMap { optionSpans[$0] } ?? span }

    public mutating func error(_ code: String, _ message: String, at option: String? = nil,
                               notes: [DiagnosticNote] = [], help: String? = nil) {
        diagnostics.add(.error(code, message, at: span(of: option), notes: notes, help: help))
    }
}

/// A layer's shape inference: its inputs' shapes and sources, and the arithmetic
/// every kind shares (overflow-checked sizes, windows, the expected input forms).
public struct LayerInference {
    public struct Source: Sendable {
        public var name: String
        public var span: SourceSpan
        /// Whether it is the model's input (not a layer).
        public var isModelInput: Bool
        public init(name: String, span: SourceSpan, isModelInput: Bool) {
            self.name = name; self.span = span; self.isModelInput = isModelInput
        }
    }
    public var context: LayerContext
    /// The input shapes, one per source; never empty.
    public let inputs: [Shape]
    public let sources: [Source]
    /// The first input (the only one but for merges).
    public let x: Shape

    public init(_ context: LayerContext, inputs: [Shape], sources: [Source]) {
        self.context = context; self.inputs = inputs; self.sources = sources; x = inputs.first ?? []
    }

    var kind: String { "'\(context.kindName)'" }

    /// An error about the input's form, with a note on where the input comes from.
    public mutating func error(_ code: String, _ message: String, at option: String? = nil, help: String? = nil) {
        var notes: [DiagnosticNote] = []
        if let source = sources.first {
            let what = source.isModelInput ? "the model's input" : "'\(source.name)'"
            notes.append(DiagnosticNote("the input comes from \(what) (line \(source.span.start.line)) with shape \(describe(x))",
                                        at: source.span))
        }
        context.error(code, message, at: option, notes: notes, help: help)
    }

    public mutating func tooLarge() -> InferredLayer? {
        error("E0307", "'\(context.name)' is too large: its sizes overflow", help: "use smaller layers")
        return nil
    }

    /// Two merged inputs that do not fit `rule`, with a note on every input's shape.
    public mutating func mergeError(_ bad: Int, _ rule: String) {
        let notes = sources.enumerated().map { i, s in
            DiagnosticNote("'\(s.name)' (line \(s.span.start.line)) has shape \(describe(inputs[i]))", at: s.span)
        }
        let first = sources.first?.name ?? "", other = sources.indices.contains(bad) ? sources[bad].name : ""
        let otherShape = inputs.indices.contains(bad) ? describe(inputs[bad]) : "?"
        context.error("E0305", "\(rule): '\(first)' is \(describe(x)) but '\(other)' is \(otherShape)", at: "from",
                      notes: notes, help: "make the merged layers produce matching shapes")
    }

    // MARK: input forms

    /// An image [C, H, W] with fixed sizes.
    public mutating func image() -> (c: Int, h: Int, w: Int)? {
        guard x.count == 3 else {
            let help: String
            if x.count == 1, let n = x[0].fixed, let side = Optional(Int(Double(n).squareRoot())), side * side == n {
                help = "give the input as an image [1, \(side), \(side)] (for built-in images: 'image: true')"
            } else {
                help = "give the input as [channels, height, width]"
            }
            error("E0302", "\(kind) expects an image [C, H, W], got \(describe(x))", help: help)
            return nil
        }
        guard let c = x[0].fixed, let h = x[1].fixed, let w = x[2].fixed else {
            error("E0309", "\(kind) needs fixed channels, height and width, got \(describe(x))")
            return nil
        }
        return (c, h, w)
    }

    /// A sequence [T, F] with a fixed F (T may be symbolic).
    public mutating func sequence() -> (t: Dim, f: Int)? {
        guard x.count == 2 else {
            error("E0303", "\(kind) expects a sequence [T, F], got \(describe(x))",
                  help: x.count == 1 ? "give the input as [T, \(x[0])] with a sequence length T" : "flatten each step to a vector first")
            return nil
        }
        guard let f = x[1].fixed else {
            error("E0308", "\(kind) needs a fixed number of features per step, got \(describe(x))")
            return nil
        }
        return (x[0], f)
    }

    /// Output size of a window along one axis: ⌊(n + 2p − k)/s⌋ + 1, reported with its arithmetic when < 1.
    public mutating func window(_ n: Int, _ k: Int, _ s: Int, _ p: Int, _ axis: String, at option: String) -> Int? {
        guard let twice = Self.mul(2, p), let padded = Self.add(n, twice) else { _ = tooLarge(); return nil }
        let numerator = padded - k
        let out = numerator >= 0 ? numerator / s + 1 : 0
        guard out >= 1 else {
            let arithmetic = "\(axis)' = ⌊(\(n) + 2·\(p) − \(k))/\(s)⌋ + 1 = \(numerator < 0 ? "\(Int((Double(numerator) / Double(s)).rounded(.down)) + 1)" : "\(out)")"
            error("E0304", "\(kind) output \(axis == "H" ? "height" : "width") is not positive: \(arithmetic)", at: option,
                  help: "use a \(option) of at most \(padded), padding, or a smaller stride")
            return nil
        }
        return out
    }

    // MARK: arithmetic

    /// a × b, or nil on overflow.
    public static func mul(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }
    /// a + b, or nil on overflow.
    public static func add(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? nil : r
    }
    public static func product(_ xs: [Int]) -> Int? { SizeLimits.checkedProduct(xs) }

    /// `value` multiply-adds per step, over `steps` steps (symbolic when T is).
    public func perStep(_ value: Int, _ steps: Dim?) -> SymbolicCount {
        switch steps {
        case .none: return SymbolicCount(value: value, symbol: nil)
        case .fixed(let t)?: return SymbolicCount(value: Self.mul(value, t) ?? Int.max, symbol: nil)
        case .symbol(let s)?: return SymbolicCount(value: value, symbol: s)
        }
    }
}

/// A count that may grow with a symbolic dimension: `value` × `symbol` (or just `value`).
public struct SymbolicCount: Sendable, Equatable, CustomStringConvertible {
    public var value: Int
    public var symbol: String?
    public static let zero = SymbolicCount(value: 0, symbol: nil)
    public init(value: Int, symbol: String?) { self.value = value; self.symbol = symbol }
    public var description: String {
        guard let symbol else { return formatCount(value) }
        return "\(formatCount(value))·\(symbol)"
    }
}

/// 1234567 -> "1,234,567".
public func formatCount(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}
