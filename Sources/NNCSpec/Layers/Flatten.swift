/// `flatten`: any shape -> [product].
public struct FlattenLayer: LayerKind {
    public static let schemaCases = [LayerFields.entry("flatten", [], "any shape -> [product]")]
    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? { .flatten }

    public var kindName: String { "flatten" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        let fixed = c.x.compactMap(\.fixed)
        guard fixed.count == c.x.count else {
            c.error("E0309", "'flatten' needs fixed sizes, got \(describe(c.x))",
                    help: "use 'return: last' on the recurrent layer before it, or fix the symbolic dimension")
            return nil
        }
        guard let n = LayerInference.product(fixed) else { return c.tooLarge() }
        return InferredLayer(shape: [.fixed(n)])
    }

    public func parameters(input: Shape) -> [ParameterSpec] { [] }
    public var trainedBy: [LearningRule] { [] }
    public var outputActivation: ActivationKind? { nil }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }
}
