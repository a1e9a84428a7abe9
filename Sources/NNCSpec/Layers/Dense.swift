/// `dense`: fully connected, y = f(W x + b); on [T, F] applied at each step.
public struct DenseOptions: LayerKind {
    public var units: Int
    public var activation: ActivationKind
    public var bias: Bool
    public var initializer: Initializer?
    public var penalty: Penalty

    public init(units: Int, activation: ActivationKind, bias: Bool, initializer: Initializer?, penalty: Penalty) {
        self.units = units; self.activation = activation; self.bias = bias; self.initializer = initializer; self.penalty = penalty
    }

    static let penaltySchema = SchemaType.object(ObjectSchema([
        Field("l1", .nonNegative, default: "0", "λ of λ Σ|h_i| on the layer's output (sparse code)"),
        Field("l2", .nonNegative, default: "0", "λ of λ Σ w² on the layer's weights (weight decay)"),
        Field("contractive", .nonNegative, default: "0", "λ of λ ‖∂h/∂x‖²_F (dense layer with sigmoid or tanh)"),
    ]))

    public static let schemaCases = [LayerFields.entry("dense", [
        Field("units", .positiveInt, required: true, "output size"),
        LayerFields.activation, LayerFields.bias, LayerFields.initializer,
        Field("penalty", penaltySchema, "regularization penalty"),
    ], "fully connected: [F] -> [units]; on [T, F] applied at each step")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let units = o.int("units"), let activation = o.activation(), let bias = o.bool("bias") else { return nil }
        var penalty = Penalty()
        if let p = o.object("penalty") {
            guard let l1 = p.number("l1"), let l2 = p.number("l2"), let contractive = p.number("contractive") else { return nil }
            penalty = Penalty(l1: l1, l2: l2, contractive: contractive)
        }
        return .dense(DenseOptions(units: units, activation: activation, bias: bias, initializer: o.initializer(), penalty: penalty))
    }

    public var kindName: String { "dense" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        let x = c.x
        guard x.count <= 2 else {
            c.error("E0301", "'dense' expects a vector input, got \(describe(x))", help: "insert '- flatten' before this layer")
            return nil
        }
        guard let features = x.last?.fixed else {
            c.error("E0308", "'dense' needs a fixed number of input features, got \(describe(x))", help: "give the last dimension a number")
            return nil
        }
        guard let weights = LayerInference.mul(features, units) else { return c.tooLarge() }
        return InferredLayer(shape: Array(x.dropLast()) + [.fixed(units)], macs: c.perStep(weights, x.count == 2 ? x[0] : nil))
    }

    public func parameters(input: Shape) -> [ParameterSpec] {
        [ParameterSpec(.weight, [units, input.last?.fixed ?? 0])] + (bias ? [ParameterSpec(.bias, [units])] : [])
    }

    public func initialValue(of p: ParameterSpec) -> ParameterInit {
        guard p.role == .weight, p.shape.count == 2 else { return .zeros }
        return .random(initializer, activation: activation, fanIn: p.shape[1], fanOut: p.shape[0])
    }

    public var trainedBy: [LearningRule] { [.backprop, .hebbian, .delta, .leastSquares] }
    public var outputActivation: ActivationKind? { activation }
    public var gradientBlocker: String? { activation.isDifferentiable ? nil : "activation \(activation.rawValue)" }
    public var fusion: FusionRole { .head(activation: activation, withActivation: .denseActivation, withPool: nil) }

    /// Activations a linear fit (least squares, delta) can sit under: the fit is of Wx, the
    /// activation only thresholds it at recall (Adaline).
    public static let linearFitActivations: Set<ActivationKind> = [.linear, .sign, .step]

    public func checkRule(_ rule: LearningRule, _ c: inout LayerContext) {
        if rule == .hebbian && bias {
            c.error("E0501", "rule 'hebbian' trains a dense layer without bias; '\(c.name)' has one", help: "add 'bias: false' to '\(c.name)'")
        } else if [.leastSquares, .delta].contains(rule), !Self.linearFitActivations.contains(activation) {
            c.error("E0501", "rule '\(rule.rawValue)' fits the linear part Wx of a layer whose output is linear or thresholded; '\(c.name)' has activation '\(activation.rawValue)'",
                    at: "activation", help: "use activation linear, sign or step, or use 'backprop'")
        }
    }
}
