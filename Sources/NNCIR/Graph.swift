import NNCSpec

/// The IR: the model as a graph of nodes in evaluation order (node 0 is the
/// input), each with its resolved inputs and, after shape inference, its
/// output shape. Lowered from the typed spec by `Lowering`.

public enum IROp: Sendable {
    case input
    case layer(LayerOp)

    public var kindName: String {
        switch self {
        case .input: return "input"
        case .layer(let op): return op.kindName
        }
    }
}

public struct IRNode: Sendable {
    public var id: Int
    public var name: String
    public var op: IROp
    /// Indices of the nodes it reads (earlier nodes only).
    public var inputs: [Int]
    /// Output shape; nil when unknown because of an error (its own or an input's).
    public var shape: Shape?
    /// Where diagnostics about this node point.
    public var span: SourceSpan
    /// False for a layer that had errors before shape inference (its output stays unknown).
    public var valid: Bool = true
    /// Span of each option's value, by option name.
    public var optionSpans: [String: SourceSpan] = [:]
    /// The tensors it learns, in storage order (filled by shape inference), and their
    /// learned values: what `nnc summary` counts and the runtime allocates, from one layout.
    public var parameterLayout: [ParameterSpec] = []
    public var parameters: Int = 0
    /// Multiply-adds per example (filled by shape inference).
    public var multiplyAdds: SymbolicCount = .zero
}

public struct Graph: Sendable {
    public var nodes: [IRNode]
    /// The node whose output is the model's output (the last layer).
    public var output: Int

    /// Nodes that are layers (everything but the input), in order.
    public var layers: ArraySlice<IRNode> { nodes.dropFirst() }
    public var totalParameters: Int { nodes.reduce(0) { $0 &+ $1.parameters } }
}

extension IRNode {
    /// Whether it is a layer that learns (some rule can train it).
    public var hasParameters: Bool {
        guard case .layer(let op) = op else { return false }
        return !op.kind.trainedBy.isEmpty
    }
}

extension Graph {
    /// The activation applied last on the path to the output, looking through
    /// layers that keep values (dropout, noise, flatten, pooling); nil if none.
    public var finalActivation: ActivationKind? {
        var id = output
        while id > 0, case .layer(let op) = nodes[id].op {
            if let a = op.kind.outputActivation { return a }
            guard let next = nodes[id].inputs.first else { return nil }
            id = next
        }
        return nil
    }

    /// The layers with learnable parameters (those some rule can train).
    public var trainableLayers: [IRNode] {
        layers.filter { node in
            node.hasParameters
        }
    }
}
