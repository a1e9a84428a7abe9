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

/// How a tensor starts, as its layer kind says (`LayerKind.initialValue(of:)`); the
/// parameter store draws or copies it.
public enum ParameterInit: Sendable, Equatable {
    case zeros
    /// Drawn by `Initializer.resolved(given, activation:)` with these fans.
    case random(Initializer?, activation: ActivationKind, fanIn: Int, fanOut: Int)
    /// Given values in storage order (the rest zero).
    case values([Double])
    /// Zero but for `count` values from `start`, which are `value` (the LSTM forget gate's bias).
    case slice(start: Int, count: Int, value: Double)
}
