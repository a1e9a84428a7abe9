import NNCSpec

/// What a tensor is to its layer. Its raw value is the second half of the tensor's
/// name in model.safetensors (`dense1.weight`, `rnn1.recurrent_weight`).
public enum ParameterRole: String, Sendable, CaseIterable {
    case weight, bias, threshold, components, mean
    case inputWeight = "input_weight", recurrentWeight = "recurrent_weight", skipWeight = "skip_weight"
    case outputWeight = "output_weight", outputBias = "output_bias"

    /// The label of the tensor's own random stream at initialization. Fixed per role
    /// (earlier versions derived it from the name's length; the values are kept so that a
    /// seed gives the same weights as before). Roles that share a label are never both drawn
    /// at random in one layer (biases and means start at zero).
    public var initStream: UInt64 {
        switch self {
        case .weight: return 6
        case .bias, .mean: return 4
        case .threshold: return 9
        case .components: return 10
        case .inputWeight: return 12
        case .recurrentWeight: return 16
        case .skipWeight, .outputBias: return 11
        case .outputWeight: return 13
        }
    }
}

/// One tensor of a layer: shape and whether training changes it.
public struct ParameterSpec: Sendable, Equatable {
    public var role: ParameterRole
    public var shape: [Int]
    /// False for storage the kernel needs but the layer does not learn (an rnn's bias
    /// slots without `bias`: kept at zero, not counted, not written to model files).
    public var learned: Bool
    public var count: Int { shape.reduce(1, *) }
    public init(_ role: ParameterRole, _ shape: [Int], learned: Bool = true) {
        self.role = role; self.shape = shape; self.learned = learned
    }
}

/// The tensors of each layer kind, in storage order: the one layout that `nnc summary`
/// counts, the parameter store allocates, and model files name. Sizes are checked
/// for overflow (nil: too large). Recurrent layouts are the kernels' flat blocks:
/// rnn [U | W | b | W_skip | V | c], lstm [W_x | W_h | b] with gates i, f, g, o.
enum ParameterLayout {
    static func of(_ op: LayerOp, input: Shape) -> [ParameterSpec]? {
        let features = input.last?.fixed ?? 0
        func checked(_ specs: [ParameterSpec]) -> [ParameterSpec]? {
            var total = 0
            for s in specs {
                var n = 1
                for d in s.shape {
                    let (m, o) = n.multipliedReportingOverflow(by: d)
                    if o { return nil }
                    n = m
                }
                let (t, o) = total.addingReportingOverflow(n)
                if o { return nil }
                total = t
            }
            return specs
        }
        switch op {
        case .dense(let o):
            return checked([ParameterSpec(.weight, [o.units, features])] + (o.bias ? [ParameterSpec(.bias, [o.units])] : []))
        case .threshold(let o):
            return checked([ParameterSpec(.weight, [o.units, features]), ParameterSpec(.threshold, [o.units])])
        case .hopfield:
            return checked([ParameterSpec(.weight, [features, features])])
        case .conv2d(let o):
            let channels = input.first?.fixed ?? 0
            return checked([ParameterSpec(.weight, [o.filters, channels, o.kernel.0, o.kernel.1])]
                           + (o.bias ? [ParameterSpec(.bias, [o.filters])] : []))
        case .rnn(let o):
            let h = o.units
            let recurrent = o.feedbackFromOutput ? (o.output?.units ?? h) : h
            var specs = [ParameterSpec(.inputWeight, [h, features]), ParameterSpec(.recurrentWeight, [h, recurrent]),
                         ParameterSpec(.bias, [h], learned: o.bias)]
            if o.skip != nil { specs.append(ParameterSpec(.skipWeight, [h, h])) }
            if let out = o.output {
                specs += [ParameterSpec(.outputWeight, [out.units, h]), ParameterSpec(.outputBias, [out.units], learned: o.bias)]
            }
            return checked(specs)
        case .lstm(let o):
            let gates = 4 * o.units
            return checked([ParameterSpec(.inputWeight, [gates, features]), ParameterSpec(.recurrentWeight, [gates, o.units]),
                            ParameterSpec(.bias, [gates])])
        case .pca(let c):
            return checked([ParameterSpec(.components, [c, features]), ParameterSpec(.mean, [features])])
        case .pool, .flatten, .activation, .dropout, .noise, .add, .concat:
            return []
        }
    }

    /// Learned values of a layout.
    static func learnedCount(_ layout: [ParameterSpec]) -> Int {
        layout.reduce(0) { $0 &+ ($1.learned ? $1.count : 0) }
    }
}
