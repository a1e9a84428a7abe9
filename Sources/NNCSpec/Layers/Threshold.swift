/// `threshold`: McCulloch–Pitts / perceptron units, y = Θ(Σ w·x − s).
public struct ThresholdOptions: LayerKind {
    public var units: Int
    public var weights: [[Double]]?
    public var threshold: ThresholdValue?
    public var tolerance: Double
    public var bipolar: Bool

    public static let schemaCases = [LayerFields.entry("threshold", [
        Field("units", .positiveInt, required: true, "number of threshold units"),
        Field("weights", SpecSchema.numberMatrix, "fixed or starting weights, [units][inputs]"),
        Field("threshold", .anyOf([.anyNumber, .list(.anyNumber, minCount: 1, maxCount: SpecSchema.maxSize), .keyword(["auto"])]),
              "s in y = Θ(Σ w·x − s): a number, one per unit, or auto (s = l − ½, l active inputs)"),
        Field("tolerance", .nonNegative, default: "0", "how far `threshold: auto` is lowered"),
        Field("output", .keyword(["binary", "bipolar"]), default: "binary", "0/1 or −1/+1 outputs"),
    ], "McCulloch–Pitts / perceptron units: y = Θ(Σ w·x − s)")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let units = o.int("units"), let tolerance = o.number("tolerance"), let output = o.text("output") else { return nil }
        var threshold: ThresholdValue?
        if let t = o["threshold"] {
            if t.text == "auto" { threshold = .auto }
            else if let n = t.number { threshold = .same(n) }
            else if let l = t.list { threshold = .perUnit(l.compactMap(\.number)) }
        }
        if o.has("tolerance"), threshold != .auto {
            diagnostics.add(.error("E0110", "'tolerance' lowers 'threshold: auto' only", at: o.keySpan("tolerance"),
                                   help: "add 'threshold: auto' or remove 'tolerance'"))
            return nil
        }
        let weights = o["weights"]?.list?.map { $0.list?.compactMap(\.number) ?? [] }
        return .threshold(ThresholdOptions(units: units, weights: weights, threshold: threshold, tolerance: tolerance,
                                           bipolar: output == "bipolar"))
    }

    public var kindName: String { "threshold" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        let x = c.x
        guard x.count == 1 else {
            c.error("E0301", "'threshold' expects a vector input, got \(describe(x))",
                    help: x.count > 1 ? "insert '- flatten' before this layer" : nil)
            return nil
        }
        guard let features = x[0].fixed else {
            c.error("E0308", "'threshold' needs a fixed number of inputs, got \(describe(x))")
            return nil
        }
        if let w = weights {
            let badRow = w.firstIndex { $0.count != features }
            if w.count != units || badRow != nil {
                let found = badRow.map { "row \($0 + 1) has \(w[$0].count) values" } ?? "\(w.count) rows"
                c.error("E0306", "'threshold' weights must be [\(units)][\(features)] (units × inputs); \(found)",
                        at: "weights", help: "give \(units) row\(units == 1 ? "" : "s") of \(features) weights")
                return nil
            }
        }
        if case .perUnit(let t) = threshold, t.count != units {
            c.error("E0306", "'threshold' has \(units) units but \(t.count) thresholds", at: "threshold",
                    help: "give one threshold per unit, or a single number for all")
            return nil
        }
        guard let macs = LayerInference.mul(features, units) else { return c.tooLarge() }
        return InferredLayer(shape: [.fixed(units)], macs: c.perStep(macs, nil))
    }

    public func parameters(input: Shape) -> [ParameterSpec] {
        [ParameterSpec(.weight, [units, input.last?.fixed ?? 0]), ParameterSpec(.threshold, [units])]
    }

    /// Given `weights` (rows [units][inputs], checked by `infer`) and `threshold`; else zero.
    public func initialValue(of p: ParameterSpec) -> ParameterInit {
        switch p.role {
        case .weight: return weights.map { .values($0.flatMap { $0 }) } ?? .zeros
        case .threshold:
            switch threshold {
            case .same(let s)?: return .values(Array(repeating: s, count: units))
            case .perUnit(let s)?: return .values(s)
            case .auto?, nil: return .zeros
            }
        case .bias, .components, .mean, .inputWeight, .recurrentWeight, .skipWeight, .outputWeight, .outputBias: return .zeros
        }
    }

    public var trainedBy: [LearningRule] { [.perceptron, .hebbian, .clippedHebbian] }
    public var outputActivation: ActivationKind? { bipolar ? .sign : .step }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }

    public func checkRule(_ rule: LearningRule, _ c: inout LayerContext) {
        if rule == .clippedHebbian && bipolar {
            c.error("E0501", "rule 'clipped_hebbian' trains a binary threshold layer; '\(c.name)' is bipolar", help: "use 'output: binary'")
        }
    }

    public func checkUntrained(_ c: inout LayerContext) {
        let hasThreshold: Bool = { if case .auto? = threshold { return false }; return threshold != nil }()
        if weights == nil || !hasThreshold {
            c.error("E0506", "'\(c.name)' keeps fixed weights without a 'train' section, so it needs 'weights' and a numeric 'threshold'",
                    help: "give 'weights' and 'threshold', or add 'train: {rule: perceptron}'")
        }
    }
}

public enum ThresholdValue: Sendable, Equatable {
    case same(Double)
    case perUnit([Double])
    /// s = l − ½ − tolerance, l = active inputs (binary associative memory).
    case auto
}
