/// `lstm`: long short-term memory, [T, F] -> [T, units] or [units]; gates i, f, g, o.
public struct LSTMOptions: LayerKind {
    public var units: Int
    public var returnSequence: Bool
    public var forgetBias: Double
    public var initializer: Initializer?

    public static let schemaCases = [LayerFields.entry("lstm", [
        Field("units", .positiveInt, required: true, "hidden units"),
        LayerFields.returns,
        Field("forget_bias", .anyNumber, default: "1.0", "initial forget-gate bias"),
        LayerFields.initializer,
    ], "long short-term memory: [T, F] -> [T, units] or [units]")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let units = o.int("units"), let returns = o.text("return"), let forgetBias = o.number("forget_bias") else { return nil }
        return .lstm(LSTMOptions(units: units, returnSequence: returns == "sequence", forgetBias: forgetBias,
                                 initializer: o.initializer()))
    }

    public var kindName: String { "lstm" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        guard let (t, f) = c.sequence() else { return nil }
        guard let width = LayerInference.add(f, units), let gates = LayerInference.product([4, units, width]) else { return c.tooLarge() }
        return InferredLayer(shape: returnSequence ? [t, .fixed(units)] : [.fixed(units)], macs: c.perStep(gates, t))
    }

    /// The kernel's flat block [W_x | W_h | b], gates i, f, g, o.
    public func parameters(input: Shape) -> [ParameterSpec] {
        let gates = 4 * units
        return [ParameterSpec(.inputWeight, [gates, input.last?.fixed ?? 0]), ParameterSpec(.recurrentWeight, [gates, units]),
                ParameterSpec(.bias, [gates])]
    }

    /// Gate weights drawn per gate (fan-out = units); the forget gate's bias starts at `forget_bias`.
    public func initialValue(of p: ParameterSpec) -> ParameterInit {
        switch p.role {
        case .inputWeight, .recurrentWeight:
            guard p.shape.count == 2 else { return .zeros }
            return .random(initializer, activation: .tanh, fanIn: p.shape[1], fanOut: p.shape[0] / 4)
        case .bias: return .slice(start: units, count: units, value: forgetBias)
        case .weight, .threshold, .components, .mean, .skipWeight, .outputWeight, .outputBias: return .zeros
        }
    }

    public var trainedBy: [LearningRule] { [.backprop] }
    public var outputActivation: ActivationKind? { .tanh }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }
}
