/// `noise`: input corruption during training only (denoising autoencoders).
public struct NoiseLayer: LayerKind {
    public var noise: NoiseKind

    public static let schemaCases = [LayerFields.entry("noise", [
        Field("gaussian", .nonNegative, "std of added Gaussian noise"),
        Field("mask", .probability, "probability of zeroing each unit"),
        Field("salt_pepper", .probability, "probability of setting a unit to 0 or 1"),
    ], exactlyOneOf: [["gaussian", "mask", "salt_pepper"]], "input corruption during training only (denoising)")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        if let g = o.number("gaussian") { return .noise(.gaussian(g)) }
        if let m = o.number("mask") { return .noise(.mask(m)) }
        if let s = o.number("salt_pepper") { return .noise(.saltPepper(s)) }
        return nil
    }

    public var kindName: String { "noise" }
    public func infer(_ c: inout LayerInference) -> InferredLayer? { InferredLayer(shape: c.x) }
    public func parameters(input: Shape) -> [ParameterSpec] { [] }
    public var trainedBy: [LearningRule] { [] }
    public var outputActivation: ActivationKind? { nil }
    public var mapsValuesOnly: Bool { true }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }
}

public enum NoiseKind: Sendable, Equatable {
    case gaussian(Double)
    case mask(Double)
    case saltPepper(Double)
}
