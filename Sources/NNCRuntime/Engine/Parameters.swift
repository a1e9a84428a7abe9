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

    /// Initial values, as each layer kind says (`LayerKind.initialValue(of:)`): weights by
    /// the layer's `init` (he for relu, xavier otherwise), given values where the spec has
    /// them, the LSTM forget gate's bias `forget_bias`, everything else zero. Each tensor
    /// draws from its own stream (node and role), so a seed gives the same bits everywhere.
    public func initialize(graph: Graph, rng: inout SeededRandom) {
        values.zero()
        for e in entries {
            guard case .layer(let op) = graph.nodes[e.node].op else { continue }
            var layerRNG = rng.split(UInt64(e.node) &* 31 &+ e.role.initStream)
            let p = pointer(e)
            switch op.kind.initialValue(of: ParameterSpec(e.role, e.shape)) {
            case .zeros: break
            case .random(let given, let activation, let fanIn, let fanOut):
                fill(p, e, given, activation: activation, fanIn: fanIn, fanOut: fanOut, rng: &layerRNG)
            case .values(let v):
                for (i, x) in v.prefix(e.count).enumerated() { p[i] = Float(x) }
            case .slice(let start, let count, let value):
                guard start >= 0, count >= 0, start + count <= e.count else { continue }
                (p + start).update(repeating: Float(value), count: count)
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
