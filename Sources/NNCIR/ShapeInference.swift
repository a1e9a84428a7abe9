import NNCSpec

/// Pass 2: every node's output shape from its inputs', with symbolic
/// dimensions carried through; its parameter layout and multiply-adds per
/// example. The arithmetic of each kind is its descriptor's (`LayerKind.infer`).
/// A node whose input is unknown stays unknown and is not reported again.
struct ShapeInference {
    var graph: Graph
    var diagnostics: DiagnosticBag

    /// Floats a model may need (parameters plus one example's activations): 2^34 = 64 GiB.
    static let memoryLimit = 1 << 34

    mutating func run() {
        for id in graph.nodes.indices where id > 0 {
            let node = graph.nodes[id]
            guard node.valid, case .layer(let op) = node.op else { continue }
            let inputShapes = node.inputs.map { graph.nodes[$0].shape }
            guard !inputShapes.isEmpty, inputShapes.allSatisfy({ $0 != nil }) else { continue }
            let shapes = inputShapes.compactMap { $0 }
            let sources = node.inputs.map { i in
                LayerInference.Source(name: graph.nodes[i].name, span: graph.nodes[i].span, isModelInput: i == 0)
            }
            let kind = op.kind
            var inference = LayerInference(LayerContext(name: node.name, kindName: kind.kindName, span: node.span,
                                                        optionSpans: node.optionSpans),
                                           inputs: shapes, sources: sources)
            let result = kind.infer(&inference)
            let layout = result == nil ? nil : ParameterLayout.checked(kind.parameters(input: shapes[0]))
            if result != nil && layout == nil { _ = inference.tooLarge() }
            diagnostics.add(contentsOf: inference.context.diagnostics.diagnostics)
            guard let result, let layout else { continue }
            graph.nodes[id].shape = result.shape
            graph.nodes[id].parameterLayout = layout
            graph.nodes[id].parameters = ParameterLayout.learnedCount(layout)
            graph.nodes[id].multiplyAdds = result.macs
        }
        checkMemory()
    }

    mutating func checkMemory() {
        var total = 0
        for node in graph.nodes {
            let activations = node.shape.flatMap { LayerInference.product($0.compactMap(\.fixed)) } ?? 0
            let (t1, o1) = total.addingReportingOverflow(node.parameters)
            let (t2, o2) = t1.addingReportingOverflow(activations)
            guard !o1, !o2, t2 <= Self.memoryLimit else {
                diagnostics.add(.error("E0307", "the model needs more than 2^34 floats (64 GiB) for its parameters and one example's activations, reached at '\(node.name)'",
                                       at: node.span, help: "use smaller layers"))
                return
            }
            total = t2
        }
    }
}
