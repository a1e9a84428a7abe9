/// `pca`: project onto the leading principal components and reconstruct, [F] -> [F].
public struct PCALayer: LayerKind {
    public var components: Int

    public static let schemaCases = [LayerFields.entry("pca", [
        Field("components", .positiveInt, required: true, "principal components kept"),
    ], "project onto the leading components and reconstruct: [F] -> [F]")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        o.int("components").map { .pca(components: $0) }
    }

    public var kindName: String { "pca" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        let x = c.x
        guard x.count == 1, let f = x[0].fixed else {
            c.error("E0301", "'pca' expects a vector of fixed size, got \(describe(x))",
                    help: x.count > 1 ? "insert '- flatten' before this layer" : nil)
            return nil
        }
        guard components <= f else {
            c.error("E0310", "'pca' keeps \(components) components of a \(f)-dimensional input", at: "components",
                    help: "use at most \(f) components")
            return nil
        }
        guard let w = LayerInference.mul(f, components), let macs = LayerInference.mul(2, w) else { return c.tooLarge() }
        return InferredLayer(shape: x, macs: c.perStep(macs, nil))
    }

    public func parameters(input: Shape) -> [ParameterSpec] {
        let f = input.last?.fixed ?? 0
        return [ParameterSpec(.components, [components, f]), ParameterSpec(.mean, [f])]
    }

    public var trainedBy: [LearningRule] { [.pca] }
    public var outputActivation: ActivationKind? { .linear }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }

    public func checkUntrained(_ c: inout LayerContext) {
        c.error("E0506", "'\(c.name)' is fitted only through training", help: "add 'train: {rule: pca}'")
    }
}
