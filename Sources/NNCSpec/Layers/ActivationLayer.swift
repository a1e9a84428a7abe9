/// A bare activation layer (`- relu`, `- softmax`, ...): the function applied elementwise
/// (softmax: over the last axis).
public struct ActivationLayer: LayerKind {
    public var function: ActivationKind

    public static let schemaCases: [VariantCase] = [
        ("relu", "max(0, x)"), ("sigmoid", "1/(1 + e^−x)"), ("logistic", "alias of sigmoid"), ("tanh", "hyperbolic tangent"),
        ("arctan", "arc tangent"), ("softmax", "exp(x_i)/Σ exp(x_j) over the last axis"),
        ("step", "Heaviside step: 1 if x ≥ 0 else 0"), ("sign", "1 if x ≥ 0 else −1"),
    ].map { LayerFields.entry($0.0, [], $0.1) }

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        ActivationKind(name: o.kind).map(LayerOp.activation)
    }

    public var kindName: String { function.rawValue }
    public func infer(_ c: inout LayerInference) -> InferredLayer? { InferredLayer(shape: c.x) }
    public func parameters(input: Shape) -> [ParameterSpec] { [] }
    public var trainedBy: [LearningRule] { [] }
    public var outputActivation: ActivationKind? { function }
    public var mapsValuesOnly: Bool { true }
    public var gradientBlocker: String? { function.isDifferentiable ? nil : function.rawValue }
    public var fusion: FusionRole { .activation(function) }
}
