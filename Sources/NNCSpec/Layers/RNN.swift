/// `rnn`: a simple recurrent layer (Elman, or Jordan with `feedback: output`),
/// [T, F] -> [T, units] or [units], with an optional output block o(t) = c + V h(t).
public struct RNNOptions: LayerKind {
    public var units: Int
    public var activation: ActivationKind
    public var feedbackFromOutput: Bool
    public var output: (units: Int, activation: ActivationKind)?
    public var returnSequence: Bool
    public var leak: Double
    public var skip: Int?
    public var bias: Bool
    public var initializer: Initializer?

    public static let schemaCases = [LayerFields.entry("rnn", [
        Field("units", .positiveInt, required: true, "hidden units"),
        Field("activation", .keyword(SpecSchema.activations), default: "tanh", "hidden activation"),
        Field("feedback", .keyword(["hidden", "output"]), default: "hidden", "feed h(t−1) (Elman) or o(t−1) back"),
        Field("output", .object(ObjectSchema([
            Field("units", .positiveInt, required: true, "output units"),
            Field("activation", .keyword(SpecSchema.activations), default: "softmax", "activation of o(t)"),
        ])), "output block o(t) = c + V h(t)"),
        LayerFields.returns,
        Field("leak", .number(min: 0, max: 1, exclusiveMin: false), default: "0", "α of leaky units h(t) = α h(t−1) + (1 − α) tanh(a(t)), < 1"),
        Field("skip", .positiveInt, "add connections from h(t − skip)"),
        LayerFields.bias, LayerFields.initializer,
    ], "simple recurrent layer: [T, F] -> [T, units] or [units]")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let units = o.int("units"), let activation = o.activation(), let feedback = o.text("feedback"),
              let returns = o.text("return"), let leak = o.number("leak"), let bias = o.bool("bias") else { return nil }
        if leak >= 1 {
            diagnostics.add(.error("E0105", "'leak' must be below 1 (at 1 the units never change), found \(formatNumber(leak))",
                                   at: o.span(of: "leak")))
            return nil
        }
        var output: (units: Int, activation: ActivationKind)?
        if let block = o.object("output") {
            guard let units = block.int("units"), let activation = block.activation() else { return nil }
            output = (units, activation)
        }
        return .rnn(RNNOptions(units: units, activation: activation, feedbackFromOutput: feedback == "output", output: output,
                               returnSequence: returns == "sequence", leak: leak, skip: o.int("skip"), bias: bias,
                               initializer: o.initializer()))
    }

    public var kindName: String { "rnn" }

    /// The width of what is fed back: h(t−1), or o(t−1) with `feedback: output`.
    public var recurrentWidth: Int { feedbackFromOutput ? (output?.units ?? units) : units }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        guard let (t, f) = c.sequence() else { return nil }
        if let d = skip, let steps = t.fixed, d >= steps {
            c.error("E0310", "'rnn' 'skip: \(d)' reaches past the sequence of length \(steps)", at: "skip",
                    help: "use a skip below \(steps)")
            return nil
        }
        if feedbackFromOutput && output == nil {
            c.error("E0504", "'rnn' 'feedback: output' needs an 'output' block (o(t) is what is fed back)", at: "feedback",
                    help: "add 'output: {units: N}'")
            return nil
        }
        let h = units
        guard let u = LayerInference.mul(h, f), let wRec = LayerInference.mul(h, recurrentWidth),
              let skipW = LayerInference.mul(h, skip == nil ? 0 : h), let v = LayerInference.mul(output?.units ?? 0, h),
              let perStep = LayerInference.add(u, wRec).flatMap({ LayerInference.add($0, skipW) })
                .flatMap({ LayerInference.add($0, v) }) else { return c.tooLarge() }
        // The skip term exists from step d on: T − d of the T steps when T is known.
        var macs = c.perStep(perStep, t)
        if let d = skip, let steps = t.fixed, let skipped = LayerInference.mul(skipW, min(d, steps)) {
            macs.value -= skipped
        }
        let width = output?.units ?? h
        return InferredLayer(shape: returnSequence ? [t, .fixed(width)] : [.fixed(width)], macs: macs)
    }

    /// The kernel's flat block [U | W | b | W_skip | V | c].
    public func parameters(input: Shape) -> [ParameterSpec] {
        let h = units
        var specs = [ParameterSpec(.inputWeight, [h, input.last?.fixed ?? 0]), ParameterSpec(.recurrentWeight, [h, recurrentWidth]),
                     ParameterSpec(.bias, [h], learned: bias)]
        if skip != nil { specs.append(ParameterSpec(.skipWeight, [h, h])) }
        if let out = output {
            specs += [ParameterSpec(.outputWeight, [out.units, h]), ParameterSpec(.outputBias, [out.units], learned: bias)]
        }
        return specs
    }

    /// Weights are stored [out, in] like dense weights; biases start at zero.
    public func initialValue(of p: ParameterSpec) -> ParameterInit {
        guard p.shape.count == 2 else { return .zeros }
        let act = p.role == .outputWeight ? (output?.activation ?? .linear) : activation
        return .random(initializer, activation: act, fanIn: p.shape[1], fanOut: p.shape[0])
    }

    public var trainedBy: [LearningRule] { [.backprop] }
    public var outputActivation: ActivationKind? { output?.activation ?? activation }
    public var gradientBlocker: String? {
        guard let out = output, !out.activation.isDifferentiable else { return nil }
        return "output activation \(out.activation.rawValue)"
    }
    public var fusion: FusionRole { .none }

    public func checkOptions(_ c: inout LayerContext) {
        if !activation.isRecurrentHidden {
            c.error("E0507", "'\(c.name)' (rnn) cannot use activation '\(activation.rawValue)' for its hidden units: the recurrence needs an elementwise function with a gradient",
                    at: "activation",
                    help: "use tanh (the classic form), sigmoid, relu, arctan or linear; put softmax on the output block: 'output: {units: N, activation: softmax}'")
        }
    }
}
