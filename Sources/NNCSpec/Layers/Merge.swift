/// `add`: elementwise sum of the `from` layers (equal shapes).
public struct AddLayer: MergeLayer {
    public static let schemaCases = [LayerFields.entry("add", [], "elementwise sum of the `from` layers (equal shapes)")]
    public static func decode(_ o: SchemaOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? { .add }

    public var kindName: String { "add" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        for (i, s) in c.inputs.enumerated().dropFirst() where s != c.x {
            c.mergeError(i, "'add' needs equal shapes")
            return nil
        }
        return InferredLayer(shape: c.x)
    }
}

/// `concat`: the `from` layers joined along the last axis.
public struct ConcatLayer: MergeLayer {
    public static let schemaCases = [LayerFields.entry("concat", [], "concatenation of the `from` layers along the last axis")]
    public static func decode(_ o: SchemaOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? { .concat }

    public var kindName: String { "concat" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        var last = 0
        for (i, s) in c.inputs.enumerated() {
            guard s.count == c.x.count, s.dropLast() == c.x.dropLast() else {
                c.mergeError(i, "'concat' needs shapes that agree on every axis but the last")
                return nil
            }
            guard let n = s.last?.fixed else {
                c.error("E0309", "'concat' needs a fixed last dimension, got \(describe(s))")
                return nil
            }
            guard let sum = LayerInference.add(last, n) else { return c.tooLarge() }
            last = sum
        }
        return InferredLayer(shape: Array(c.x.dropLast()) + [.fixed(last)])
    }
}

/// A layer that merges two or more `from` layers (add, concat): nothing learned, a
/// linear function of its inputs.
public protocol MergeLayer: LayerKind {}

extension MergeLayer {
    public func parameters(input: Shape) -> [ParameterSpec] { [] }
    public var trainedBy: [LearningRule] { [] }
    public var outputActivation: ActivationKind? { .linear }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }
    public var isMerge: Bool { true }
}
