import NNCSpec

/// The fusion pass: finds op patterns that run as one step. Each group names
/// the rule that selected it; the runtime executes a group as one fused
/// kernel sequence and tests check it against the unfused ops.

/// Every fusion rule, by the name tests, `nnc bench` and reports print. The loss-head
/// rules are chosen when the loss is attached (`Plan.attachLoss`), the others here.
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

public struct FusionGroup: Sendable, Equatable {
    public typealias Rule = FusionRule
    public var rule: Rule
    /// The head (dense or conv2d) node.
    public var head: Int
    /// An activation layer absorbed into the head, if any.
    public var activation: Int?
    /// A pooling layer absorbed after it, if any.
    public var pool: Int?
    /// The node whose output the group produces.
    public var output: Int { pool ?? activation ?? head }
}

public enum Fusion {
    /// Fusion groups in node order. A node is absorbed only when its producer
    /// has no other reader and is not the model's output.
    public static func groups(_ graph: Graph) -> [FusionGroup] {
        var readers = Array(repeating: [Int](), count: graph.nodes.count)
        for node in graph.nodes { for i in node.inputs { readers[i].append(node.id) } }
        func soleReader(_ id: Int) -> IRNode? {
            guard id != graph.output, readers[id].count == 1, let r = readers[id].first else { return nil }
            let node = graph.nodes[r]
            return node.inputs == [id] ? node : nil
        }
        func activationLayer(_ node: IRNode?) -> Int? {
            guard let node, case .layer(.activation(let a)) = node.op, a != .softmax else { return nil }
            return node.id
        }
        var result: [FusionGroup] = []
        for node in graph.layers {
            guard case .layer(let op) = node.op else { continue }
            switch op {
            case .dense(let o) where o.activation == .linear:
                if let act = activationLayer(soleReader(node.id)) {
                    result.append(FusionGroup(rule: .denseActivation, head: node.id, activation: act, pool: nil))
                }
            case .conv2d(let o):
                var act: Int?
                if o.activation == .linear { act = activationLayer(soleReader(node.id)) }
                // The fused step max-pools before it activates: legal only when the
                // activation commutes with max (elementwise, non-decreasing).
                let activation = act.flatMap { id -> ActivationKind? in
                    if case .layer(.activation(let a)) = graph.nodes[id].op { return a }; return nil } ?? o.activation
                var pool: Int?
                if let next = soleReader(act ?? node.id), case .layer(.pool(let p)) = next.op,
                   !p.isMax || activation.commutesWithMaxPool { pool = next.id }
                if act != nil || pool != nil {
                    result.append(FusionGroup(rule: pool == nil ? .convActivation : .convActivationPool,
                                              head: node.id, activation: act, pool: pool))
                }
            case .dense, .threshold, .hopfield, .pool, .flatten, .activation, .dropout, .noise, .rnn, .lstm, .pca, .add, .concat:
                break
            }
        }
        return result
    }
}
