/// What nnc knows about one layer kind, in one place: each kind's options type
/// conforms in its own file under Layers/ (Dense.swift, LSTM.swift, ...), with
/// its schema entry, its decoder, its shape inference and parameter layout,
/// what it admits (rules, gradients), and its part in fusion. The checker, the
/// summary, the parameter store and the fusion pass read these; what runs or
/// writes a kind (the runtime's step factory and the few runtime places listed in
/// docs/layout.md, the exporters) switches over `LayerOp` itself, each switch
/// exhaustive, so a new kind makes the compiler point at them.
public protocol LayerKind: Sendable {
    /// This kind's entries in the layer schema: its options, their types and their
    /// defaults (the only defaults). Usually one; maxpool/avgpool and the bare
    /// activation layers share a type.
    static var schemaCases: [VariantCase] { get }
    /// The typed layer from its validated options (left-out options read the
    /// schema's defaults); nil after reporting what is wrong.
    static func decode(_ o: SchemaOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp?

    /// The kind as written in specs.
    var kindName: String { get }
    /// Output shape and multiply-adds per example, from the input shapes; nil after
    /// reporting why the inputs do not fit.
    func infer(_ c: inout LayerInference) -> InferredLayer?
    /// The tensors it keeps for an input of this shape, in storage order (the one
    /// layout that `nnc summary` counts, the parameter store allocates and model files name).
    func parameters(input: Shape) -> [ParameterSpec]
    /// How one of those tensors starts (default: zeros).
    func initialValue(of p: ParameterSpec) -> ParameterInit
    /// The learning rules that can train it; empty: it has nothing to learn.
    var trainedBy: [LearningRule] { get }
    /// The function last applied to its output; nil when it passes its input's
    /// values on unchanged or rearranged (dropout, noise, flatten, pooling).
    var outputActivation: ActivationKind? { get }
    /// Whether it keeps its input's shape and only maps values (activation, dropout,
    /// noise): the output's width is then decided by the layer before it.
    var mapsValuesOnly: Bool { get }
    /// What stops backprop's gradient in it (e.g. "activation step"); nil when it passes one.
    var gradientBlocker: String? { get }
    /// Its part in the fusion pass.
    var fusion: FusionRole { get }
    /// Whether it merges two or more layers (`from: [a, b]`) instead of reading one.
    var isMerge: Bool { get }

    /// Options that validate one by one but that no kernel computes (reported here so
    /// that a spec that checks clean runs as written).
    func checkOptions(_ c: inout LayerContext)
    /// What `rule` needs of this layer beyond being one it can train.
    func checkRule(_ rule: LearningRule, _ c: inout LayerContext)
    /// Without a `train` section: what its fixed weights lack.
    func checkUntrained(_ c: inout LayerContext)
}

extension LayerKind {
    public var mapsValuesOnly: Bool { false }
    public var isMerge: Bool { false }
    public func initialValue(of p: ParameterSpec) -> ParameterInit { .zeros }
    public func checkOptions(_ c: inout LayerContext) {}
    public func checkRule(_ rule: LearningRule, _ c: inout LayerContext) {}
    public func checkUntrained(_ c: inout LayerContext) {}
}

/// Shape inference's answer for one layer; its parameters come from `parameters(input:)`.
public struct InferredLayer: Sendable {
    public var shape: Shape
    public var macs: SymbolicCount
    public init(shape: Shape, macs: SymbolicCount = .zero) { self.shape = shape; self.macs = macs }
}

/// A layer's part in the fusion pass (NNCIR/Fusion.swift).
public enum FusionRole: Sendable {
    case none
    /// A GEMM head: absorbs a following activation layer when its own activation is
    /// linear (`withActivation`), then a following pooling layer when `withPool` is
    /// given and max pooling commutes with the activation.
    case head(activation: ActivationKind, withActivation: FusionRule, withPool: FusionRule?)
    /// An activation layer a head may absorb (softmax is one of a whole row: never).
    case activation(ActivationKind)
    case pool(isMax: Bool)
}

/// Every fusion rule, by the name tests, `nnc bench` and reports print. The loss-head
/// rules are chosen when the loss is attached (`Plan.attachLoss`), the others by the fusion pass.
public enum FusionRule: String, Sendable, CaseIterable {
    /// dense (linear) followed by an activation layer: one GEMM, one bias+activation pass.
    case denseActivation = "dense+bias+activation"
    /// conv2d followed by an activation layer and/or a pooling layer.
    case convActivation = "conv2d+bias+activation"
    case convActivationPool = "conv2d+bias+activation+pool"
    /// The output's softmax (or sigmoid) computed with the loss: one pass, a stable gradient.
    case softmaxCrossEntropy = "softmax+cross_entropy"
    case sigmoidBinaryCrossEntropy = "sigmoid+binary_cross_entropy"
}

// MARK: the kinds

/// Every layer kind of spec v1. Each case carries its kind's options; switches over it have no
/// `default:`, so a new kind makes the compiler point at every place that must learn it.
public enum LayerOp: Sendable {
    case dense(DenseOptions)
    case threshold(ThresholdOptions)
    case hopfield(HopfieldOptions)
    case conv2d(Conv2DOptions)
    case pool(PoolOptions)
    case flatten
    case activation(ActivationKind)
    case dropout(rate: Double)
    case noise(NoiseKind)
    case rnn(RNNOptions)
    case lstm(LSTMOptions)
    case pca(components: Int)
    case add
    case concat
}


extension LayerOp {
    /// Every layer kind, in the order of the schema (and of docs/spec-reference.md).
    public static let kinds: [any LayerKind.Type] = [
        DenseOptions.self, ThresholdOptions.self, HopfieldOptions.self, Conv2DOptions.self, PoolOptions.self,
        FlattenLayer.self, ActivationLayer.self, DropoutLayer.self, NoiseLayer.self, RNNOptions.self,
        LSTMOptions.self, PCALayer.self, AddLayer.self, ConcatLayer.self,
    ]

    /// The layer schema: every kind's entries, with the options every layer takes.
    public static let schema = VariantSchema(what: "layer", cases: kinds.flatMap { $0.schemaCases }, commonFields: [
        Field("name", .text, "the layer's name (default: kind plus its index, e.g. dense1)"),
        Field("from", .anyOf([.text, .list(.text, minCount: 1, maxCount: 1024)]),
              "the layer(s) it reads (default: the previous layer; `input` is the model's input)"),
    ])

    /// The descriptor of this layer.
    public var kind: any LayerKind {
        switch self {
        case .dense(let o): return o
        case .threshold(let o): return o
        case .hopfield(let o): return o
        case .conv2d(let o): return o
        case .pool(let o): return o
        case .flatten: return FlattenLayer()
        case .activation(let a): return ActivationLayer(function: a)
        case .dropout(let rate): return DropoutLayer(rate: rate)
        case .noise(let n): return NoiseLayer(noise: n)
        case .rnn(let o): return o
        case .lstm(let o): return o
        case .pca(let c): return PCALayer(components: c)
        case .add: return AddLayer()
        case .concat: return ConcatLayer()
        }
    }

    /// The kind as written in specs.
    public var kindName: String { kind.kindName }

    /// Decodes a validated layer `kind: {options}`; nil after an error.
    static func decode(kind name: String, _ value: Value, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        for type in kinds {
            if let entry = type.schemaCases.first(where: { $0.name == name }) {
                return type.decode(SchemaOptions(kind: name, value, entry), &diagnostics)
            }
        }
        return nil
    }
}
