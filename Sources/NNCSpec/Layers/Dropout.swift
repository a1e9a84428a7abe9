/// `dropout`: inverted dropout, in training only.
public struct DropoutLayer: LayerKind {
    public var rate: Double

    public static let schemaCases = [LayerFields.entry("dropout", [
        Field("rate", .number(min: 0, max: 1, exclusiveMin: false), required: true, "fraction of units zeroed in training (< 1)"),
    ], "inverted dropout, training only")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let rate = o.number("rate") else { return nil }
        if rate >= 1 {
            diagnostics.add(.error("E0105", "dropout 'rate' must be below 1 (1 drops every unit), found \(formatNumber(rate))",
                                   at: o.span(of: "rate")))
            return nil
        }
        return .dropout(rate: rate)
    }

    public var kindName: String { "dropout" }
    public func infer(_ c: inout LayerInference) -> InferredLayer? { InferredLayer(shape: c.x) }
    public func parameters(input: Shape) -> [ParameterSpec] { [] }
    public var trainedBy: [LearningRule] { [] }
    public var outputActivation: ActivationKind? { nil }
    public var mapsValuesOnly: Bool { true }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }
}
