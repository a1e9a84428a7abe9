import NNCSpec

/// Pass 1: the spec's layer list to a graph. Resolves `name` and `from`
/// (duplicates, unknown names, forward references, arity of merges) and
/// warns about layers whose output nobody reads.
enum Lowering {
    static func lower(_ model: ModelSpec, into diagnostics: inout DiagnosticBag) -> Graph {
        var nodes = [IRNode(id: 0, name: "input", op: .input, inputs: [], shape: model.input, span: model.inputSpan)]
        var byName: [String: Int] = ["input": 0]
        // Names defined anywhere, to tell "later layer" from "unknown layer".
        var allNames: [String: SourceSpan] = [:]
        for layer in model.layers.compactMap({ $0 }) where allNames[layer.name] == nil { allNames[layer.name] = layer.span }
        var previous: Int? = 0
        // Invalid layers still occupy a node (with no shape), so that readers of them stay quiet.
        for (position, item) in model.layers.enumerated() {
            let id = nodes.count
            guard let layer = item else {
                nodes.append(IRNode(id: id, name: "#invalid\(position)", op: .layer(.flatten), inputs: [], shape: nil,
                                    span: model.span))
                previous = id
                markInvalid(&nodes, id)
                continue
            }
            var inputs: [Int] = []
            var resolved = true
            if let from = layer.from {
                for ref in from {
                    if let index = byName[ref.name] {
                        inputs.append(index)
                    } else if ref.name == layer.name {
                        diagnostics.add(.error("E0203", "layer '\(layer.name)' reads itself", at: ref.span,
                                               help: "recurrence is written with an rnn or lstm layer"))
                        resolved = false
                    } else if let later = allNames[ref.name] {
                        diagnostics.add(.error("E0203", "layer '\(layer.name)' reads '\(ref.name)', which comes later (line \(later.start.line))",
                                               at: ref.span, notes: [DiagnosticNote("'\(ref.name)' is defined here", at: later)],
                                               help: "move '\(ref.name)' before '\(layer.name)'"))
                        resolved = false
                    } else {
                        var help = "name a layer defined earlier, or 'input'"
                        if let s = closest(to: ref.name, in: Array(byName.keys).sorted()) { help = "did you mean '\(s)'? " + help }
                        diagnostics.add(.error("E0201", "'from' names '\(ref.name)', which is not a layer before '\(layer.name)'",
                                               at: ref.span, help: help))
                        resolved = false
                    }
                }
            } else if let previous {
                inputs = [previous]
            }
            if let earlier = byName[layer.name] {
                diagnostics.add(.error("E0202", "a layer named '\(layer.name)' already exists", at: layer.span,
                                       notes: [DiagnosticNote("the first '\(layer.name)' is at line \(nodes[earlier].span.start.line)",
                                                              at: nodes[earlier].span)],
                                       help: "give this layer another 'name'"))
            } else {
                byName[layer.name] = id
            }
            let isMerge = layer.op.kind.isMerge
            if resolved {
                let count = layer.from?.count ?? 1
                if isMerge && count < 2 {
                    diagnostics.add(.error("E0204", "'\(layer.op.kindName)' merges two or more layers, got \(count)",
                                           at: layer.optionSpans["from"] ?? layer.span,
                                           help: "write 'from: [a, b]' with the layers to merge"))
                    resolved = false
                } else if !isMerge && count != 1 {
                    diagnostics.add(.error("E0204", "'\(layer.op.kindName)' reads one layer, 'from' names \(count)",
                                           at: layer.optionSpans["from"] ?? layer.span,
                                           help: "merge them first with '- add: {from: [...]}' or '- concat: {from: [...]}'"))
                    resolved = false
                }
            }
            nodes.append(IRNode(id: id, name: layer.name, op: .layer(layer.op), inputs: resolved ? inputs : [],
                                shape: nil, span: layer.span, optionSpans: layer.optionSpans))
            if !resolved { markInvalid(&nodes, id) }
            previous = id
        }
        let graph = Graph(nodes: nodes, output: nodes.count - 1)
        warnUnused(graph, into: &diagnostics)
        return graph
    }

    static func markInvalid(_ nodes: inout [IRNode], _ id: Int) {
        nodes[id].valid = false
    }

    static func warnUnused(_ graph: Graph, into diagnostics: inout DiagnosticBag) {
        // A layer whose reader had errors only looks unused: say nothing then.
        guard graph.nodes.allSatisfy(\.valid) else { return }
        var read = Set<Int>()
        for node in graph.nodes { read.formUnion(node.inputs) }
        for node in graph.layers where node.id != graph.output && !read.contains(node.id) && node.valid {
            diagnostics.add(.warning("W0201", "the output of '\(node.name)' is never read", at: node.span,
                                     help: "remove the layer, or read it with 'from: \(node.name)'"))
        }
    }
}
