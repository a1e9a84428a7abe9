import NNCIR
import NNCKernels
import NNCSpec

/// Every learnable tensor of a model in one contiguous block (so clipping and
/// optimizer updates are single passes), with gradients and optimizer state
/// beside it. Named `layer.role` (e.g. `dense1.weight`), the names used in
/// model.safetensors.
public final class ParameterStore: @unchecked Sendable {
    // @unchecked: the buffers are owned here and driven by one run at a time.
    public struct Entry: Sendable {
        public var name: String
        public var node: Int
        public var role: ParameterRole
        public var shape: [Int]
        /// False for kernel storage the layer does not learn (kept at zero, not saved).
        public var learned: Bool
        public var offset: Int
        public var count: Int
    }

    public private(set) var entries: [Entry]
    public let values: FloatBuffer
    public let gradients: FloatBuffer
    public var count: Int { values.count }

    /// Allocates the parameters of every node of `graph`, in the layout shape inference
    /// resolved (`IRNode.parameterLayout`): the same tensors `nnc summary` counts.
    public init(graph: Graph) {
        var entries: [Entry] = []
        var offset = 0
        for node in graph.nodes {
            for spec in node.parameterLayout {
                entries.append(Entry(name: "\(node.name).\(spec.role.rawValue)", node: node.id, role: spec.role, shape: spec.shape,
                                     learned: spec.learned, offset: offset, count: spec.count))
                offset += spec.count
            }
        }
        self.entries = entries
        values = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
    }

    public func entry(node: Int, role: ParameterRole) -> Entry? { entries.first { $0.node == node && $0.role == role } }
    public func pointer(_ e: Entry) -> UnsafeMutablePointer<Float> { values.pointer + e.offset }
    public func gradient(_ e: Entry) -> UnsafeMutablePointer<Float> { gradients.pointer + e.offset }
    public func values(of e: Entry) -> [Float] { Array(UnsafeBufferPointer(start: pointer(e), count: e.count)) }

    /// Initial values: weights by the layer's `init` (he for relu, xavier
    /// otherwise), biases zero (the LSTM forget gate's bias `forget_bias`),
    /// given `weights`/`threshold` of threshold layers, everything else zero.
    public func initialize(graph: Graph, rng: inout SeededRandom) {
        values.zero()
        for e in entries {
            guard case .layer(let op) = graph.nodes[e.node].op else { continue }
            var layerRNG = rng.split(UInt64(e.node) &* 31 &+ e.role.initStream)
            let p = pointer(e)
            switch op {
            case .dense(let o) where e.role == .weight:
                fill(p, e, o.initializer, activation: o.activation, fanIn: e.shape[1], fanOut: e.shape[0], rng: &layerRNG)
            case .conv2d(let o) where e.role == .weight:
                let receptive = e.shape[2] * e.shape[3]
                fill(p, e, o.initializer, activation: o.activation, fanIn: e.shape[1] * receptive,
                     fanOut: e.shape[0] * receptive, rng: &layerRNG)
            case .rnn(let o) where [.inputWeight, .recurrentWeight, .skipWeight, .outputWeight].contains(e.role):
                // Stored [out, in] like dense weights.
                let act = e.role == .outputWeight ? (o.output?.activation ?? .linear) : o.activation
                fill(p, e, o.initializer, activation: act, fanIn: e.shape[1], fanOut: e.shape[0], rng: &layerRNG)
            case .lstm(let o) where e.role == .inputWeight || e.role == .recurrentWeight:
                fill(p, e, o.initializer, activation: .tanh, fanIn: e.shape[1], fanOut: e.shape[0] / 4, rng: &layerRNG)
            case .lstm(let o) where e.role == .bias:
                // Gate order i, f, g, o: the forget gate's bias starts at forget_bias.
                let h = e.count / 4
                (p + h).update(repeating: Float(o.forgetBias), count: h)
            case .threshold(let o):
                if e.role == .weight, let w = o.weights {
                    for (r, row) in w.enumerated() { for (c, x) in row.enumerated() { p[r * e.shape[1] + c] = Float(x) } }
                } else if e.role == .threshold {
                    switch o.threshold {
                    case .same(let s)?: p.update(repeating: Float(s), count: e.count)
                    case .perUnit(let s)?: for (i, x) in s.enumerated() where i < e.count { p[i] = Float(x) }
                    case .auto?, nil: break
                    }
                }
            case .dense, .conv2d, .rnn, .lstm, .hopfield, .pool, .flatten, .activation, .dropout, .noise, .pca, .add, .concat:
                break
            }
        }
    }

    func fill(_ p: UnsafeMutablePointer<Float>, _ e: Entry, _ initializer: Initializer?, activation: ActivationKind,
              fanIn: Int, fanOut: Int, rng: inout SeededRandom) {
        let rule = Initializer.resolved(initializer, activation: activation)
        switch rule {
        case .zeros:
            p.update(repeating: 0, count: e.count)
        case .xavier:
            let a = Float((6.0 / Double(max(1, fanIn + fanOut))).squareRoot())
            for i in 0..<e.count { p[i] = (2 * rng.uniformFloat() - 1) * a }
        case .he:
            let std = Float((2.0 / Double(max(1, fanIn))).squareRoot())
            for i in 0..<e.count { p[i] = rng.normalFloat() * std }
        case .uniform(let a):
            for i in 0..<e.count { p[i] = (2 * rng.uniformFloat() - 1) * Float(a) }
        case .normal(let std):
            for i in 0..<e.count { p[i] = rng.normalFloat() * Float(std) }
        }
    }

    /// The kernel's description of an rnn layer (batch and steps set per call).
    static func rnnShape(_ o: RNNOptions, batch: Int, steps: Int, inputSize: Int) -> RNNShape {
        RNNShape(batch: batch, steps: steps, inputSize: inputSize, hiddenSize: o.units, outputSize: o.output?.units ?? 0,
                 activation: kernelActivation(o.activation), feedback: o.feedbackFromOutput ? .output : .hidden,
                 leak: Float(o.leak), skip: o.skip ?? 0, returnSequence: o.returnSequence)
    }

    /// (name, shape, values) of every learned tensor, for model.safetensors (storage the
    /// layer does not learn, an rnn's zero bias slots without `bias`, is not exported).
    public func namedTensors(graph: Graph) -> [(name: String, shape: [Int], values: [Float])] {
        entries.filter(\.learned).map { ($0.name, $0.shape, values(of: $0)) }
    }
}
