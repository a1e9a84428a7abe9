import NNCSpec

/// The fusion pass: finds op patterns that run as one step. Each group names
/// the rule that selected it; the runtime executes a group as one fused
/// kernel sequence and tests check it against the unfused ops.

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
        func absorbable(_ node: IRNode?) -> (id: Int, role: FusionRole)? {
            guard let node, case .layer(let op) = node.op else { return nil }
            return (node.id, op.kind.fusion)
        }
        var result: [FusionGroup] = []
        for node in graph.layers {
            guard case .layer(let op) = node.op,
                  case .head(let own, let withActivation, let withPool) = op.kind.fusion else { continue }
            // An activation layer is absorbed into a head with a linear activation (never softmax:
            // one of a whole row).
            var activation = own, act: Int?
            if own == .linear, let next = absorbable(soleReader(node.id)), case .activation(let a) = next.role, a != .softmax {
                act = next.id
                activation = a
            }
            // The fused step max-pools before it activates: legal only when the
            // activation commutes with max (elementwise, non-decreasing).
            var pool: Int?
            if withPool != nil, let next = absorbable(soleReader(act ?? node.id)), case .pool(let isMax) = next.role,
               !isMax || activation.commutesWithMaxPool { pool = next.id }
            if act != nil || pool != nil {
                result.append(FusionGroup(rule: pool != nil ? (withPool ?? withActivation) : withActivation,
                                          head: node.id, activation: act, pool: pool))
            }
        }
        return result
    }
}
