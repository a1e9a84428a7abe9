/// `conv2d`: 2-D cross-correlation, [C, H, W] -> [filters, H', W'].
public struct Conv2DOptions: LayerKind {
    public var filters: Int
    public var kernel: (Int, Int)
    public var stride: (Int, Int)
    public var padding: Padding
    public var activation: ActivationKind
    public var bias: Bool
    public var initializer: Initializer?

    public init(filters: Int, kernel: (Int, Int), stride: (Int, Int), padding: Padding, activation: ActivationKind,
                bias: Bool, initializer: Initializer?) {
        self.filters = filters; self.kernel = kernel; self.stride = stride; self.padding = padding
        self.activation = activation; self.bias = bias; self.initializer = initializer
    }

    public static let schemaCases = [LayerFields.entry("conv2d", [
        Field("filters", .positiveInt, required: true, "output channels"),
        Field("kernel", LayerFields.intOrPair, required: true, "kernel size n or [h, w]"),
        Field("stride", LayerFields.intOrPair, default: "1", "stride n or [h, w]"),
        Field("padding", .anyOf([.keyword(["valid", "same"]), .count, .list(.count, minCount: 2, maxCount: 2)]),
              default: "valid", "valid, same, n or [h, w] zeros on each side"),
        LayerFields.activation, LayerFields.bias, LayerFields.initializer,
    ], "2-D cross-correlation: [C, H, W] -> [filters, H', W']")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let filters = o.int("filters"), let kernel = o.pair("kernel"), let stride = o.pair("stride"),
              let activation = o.activation(), let bias = o.bool("bias") else { return nil }
        let padding: Padding
        switch o.text("padding") {
        case "same": padding = .same
        case "valid": padding = .valid
        default:
            guard let p = o["padding"], let (h, w) = LayerOptions.pair(p) else { return nil }
            padding = .explicit(h, w)
        }
        return .conv2d(Conv2DOptions(filters: filters, kernel: kernel, stride: stride, padding: padding,
                                     activation: activation, bias: bias, initializer: o.initializer()))
    }

    public var kindName: String { "conv2d" }

    /// Zeros added on each side, (rows, columns); nil for `same` with an even kernel.
    public var resolvedPadding: (Int, Int)? {
        switch padding {
        case .valid: return (0, 0)
        case .explicit(let ph, let pw): return (ph, pw)
        case .same:
            guard kernel.0 % 2 == 1, kernel.1 % 2 == 1 else { return nil }
            return ((kernel.0 - 1) / 2, (kernel.1 - 1) / 2)
        }
    }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        guard let (channels, h, w) = c.image() else { return nil }
        guard let pad = resolvedPadding else {
            c.error("E0310", "'conv2d' 'padding: same' needs an odd kernel, got \(kernel.0)×\(kernel.1)", at: "padding",
                    help: "use an odd kernel size or explicit padding")
            return nil
        }
        guard let oh = c.window(h, kernel.0, stride.0, pad.0, "H", at: "kernel"),
              let ow = c.window(w, kernel.1, stride.1, pad.1, "W", at: "kernel") else { return nil }
        guard let perFilter = LayerInference.product([channels, kernel.0, kernel.1]),
              let weights = LayerInference.mul(perFilter, filters),
              let macs = LayerInference.product([weights, oh, ow]) else { return c.tooLarge() }
        return InferredLayer(shape: [.fixed(filters), .fixed(oh), .fixed(ow)], macs: SymbolicCount(value: macs, symbol: nil))
    }

    public func parameters(input: Shape) -> [ParameterSpec] {
        [ParameterSpec(.weight, [filters, input.first?.fixed ?? 0, kernel.0, kernel.1])]
            + (bias ? [ParameterSpec(.bias, [filters])] : [])
    }

    /// Weights [filters, C, kh, kw]: fans count the receptive field.
    public func initialValue(of p: ParameterSpec) -> ParameterInit {
        guard p.role == .weight, p.shape.count == 4 else { return .zeros }
        let receptive = p.shape[2] * p.shape[3]
        return .random(initializer, activation: activation, fanIn: p.shape[1] * receptive, fanOut: p.shape[0] * receptive)
    }

    public var trainedBy: [LearningRule] { [.backprop] }
    public var outputActivation: ActivationKind? { activation }
    public var gradientBlocker: String? { activation.isDifferentiable ? nil : "activation \(activation.rawValue)" }
    public var fusion: FusionRole {
        .head(activation: activation, withActivation: .convActivation, withPool: .convActivationPool)
    }
}

public enum Padding: Sendable, Equatable {
    case valid, same
    case explicit(Int, Int)
}
