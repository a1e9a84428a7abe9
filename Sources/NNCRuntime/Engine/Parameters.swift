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
        public var role: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int
    }

    public private(set) var entries: [Entry]
    public let values: FloatBuffer
    public let gradients: FloatBuffer
    public var count: Int { values.count }

    /// Lays out the parameters of every node of `graph` (shapes resolved with `bindings`).
    public init(graph: Graph) {
        var entries: [Entry] = []
        var offset = 0
        for node in graph.nodes {
            for (role, shape) in Self.layout(node, graph: graph) {
                let n = shape.reduce(1, *)
                entries.append(Entry(name: "\(node.name).\(role)", node: node.id, role: role, shape: shape, offset: offset, count: n))
                offset += n
            }
        }
        self.entries = entries
        values = FloatBuffer(count: offset)
        gradients = FloatBuffer(count: offset)
    }

    public func entry(node: Int, role: String) -> Entry? { entries.first { $0.node == node && $0.role == role } }
    public func pointer(_ e: Entry) -> UnsafeMutablePointer<Float> { values.pointer + e.offset }
    public func gradient(_ e: Entry) -> UnsafeMutablePointer<Float> { gradients.pointer + e.offset }
    public func values(of e: Entry) -> [Float] { Array(UnsafeBufferPointer(start: pointer(e), count: e.count)) }

    /// The tensors each kind of layer learns, in order: (role, shape).
    static func layout(_ node: IRNode, graph: Graph) -> [(String, [Int])] {
        guard case .layer(let op) = node.op, let inputNode = node.inputs.first else { return [] }
        let inShape = graph.nodes[inputNode].shape ?? []
        let features = inShape.last?.fixed ?? 0
        switch op {
        case .dense(let o):
            return [("weight", [o.units, features])] + (o.bias ? [("bias", [o.units])] : [])
        case .threshold(let o):
            return [("weight", [o.units, features]), ("threshold", [o.units])]
        case .hopfield:
            return [("weight", [features, features])]
        case .conv2d(let o):
            let channels = inShape.first?.fixed ?? 0
            return [("weight", [o.filters, channels, o.kernel.0, o.kernel.1])] + (o.bias ? [("bias", [o.filters])] : [])
        case .rnn(let o):
            // The kernel's flat layout [U | W | b | W_skip | V | c] (bias always present; frozen at 0 without `bias`).
            return rnnShape(o, batch: 1, steps: 1, inputSize: features).parameterSlices.map { ($0.name, $0.shape) }
        case .lstm(let o):
            return LSTMShape(batch: 1, steps: 1, inputSize: features, hiddenSize: o.units).parameterSlices.map { ($0.name, $0.shape) }
        case .pca(let c):
            return [("components", [c, features]), ("mean", [features])]
        case .pool, .flatten, .activation, .dropout, .noise, .add, .concat:
            return []
        }
    }

    /// Initial values: weights by the layer's `init` (he for relu, xavier
    /// otherwise), biases zero (the LSTM forget gate's bias `forget_bias`),
    /// given `weights`/`threshold` of threshold layers, everything else zero.
    public func initialize(graph: Graph, rng: inout SeededRandom) {
        values.zero()
        for e in entries {
            guard case .layer(let op) = graph.nodes[e.node].op else { continue }
            var layerRNG = rng.split(UInt64(e.node) &* 31 &+ UInt64(e.role.utf8.count))
            let p = pointer(e)
            switch op {
            case .dense(let o) where e.role == "weight":
                fill(p, e, o.initializer, activation: o.activation, fanIn: e.shape[1], fanOut: e.shape[0], rng: &layerRNG)
            case .conv2d(let o) where e.role == "weight":
                let receptive = e.shape[2] * e.shape[3]
                fill(p, e, o.initializer, activation: o.activation, fanIn: e.shape[1] * receptive,
                     fanOut: e.shape[0] * receptive, rng: &layerRNG)
            case .rnn(let o) where e.role.hasSuffix("weight"):
                // Stored [out, in] like dense weights.
                let act = e.role == "output_weight" ? (o.output?.activation ?? .linear) : o.activation
                fill(p, e, o.initializer, activation: act, fanIn: e.shape[1], fanOut: e.shape[0], rng: &layerRNG)
            case .lstm(let o) where e.role.hasSuffix("weight"):
                fill(p, e, o.initializer, activation: .tanh, fanIn: e.shape[1], fanOut: e.shape[0] / 4, rng: &layerRNG)
            case .lstm(let o) where e.role == "bias":
                // Gate order i, f, g, o: the forget gate's bias starts at forget_bias.
                let h = e.count / 4
                (p + h).update(repeating: Float(o.forgetBias), count: h)
            case .threshold(let o):
                if e.role == "weight", let w = o.weights {
                    for (r, row) in w.enumerated() { for (c, x) in row.enumerated() { p[r * e.shape[1] + c] = Float(x) } }
                } else if e.role == "threshold" {
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
        let rule = initializer ?? (activation == .relu ? .he : .xavier)
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

    /// (name, shape, values) of every tensor, for model.safetensors.
    /// An rnn with `bias: false` keeps zero bias slots (the kernel's layout) but does not export them.
    public func namedTensors(graph: Graph) -> [(name: String, shape: [Int], values: [Float])] {
        entries.filter { e in
            guard case .layer(.rnn(let o)) = graph.nodes[e.node].op, !o.bias else { return true }
            return e.role != "bias" && e.role != "output_bias"
        }.map { ($0.name, $0.shape, values(of: $0)) }
    }
}
