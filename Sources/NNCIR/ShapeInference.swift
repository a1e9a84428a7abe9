import NNCSpec

/// Pass 2: every node's output shape from its inputs', with symbolic
/// dimensions carried through; parameters and multiply-adds per example.
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
            if let result = infer(op, shapes, node) {
                guard let layout = ParameterLayout.of(op, input: shapes[0]) else { _ = tooLarge(node); continue }
                graph.nodes[id].shape = result.shape
                graph.nodes[id].parameterLayout = layout
                graph.nodes[id].parameters = ParameterLayout.learnedCount(layout)
                graph.nodes[id].multiplyAdds = result.macs
            }
        }
        checkMemory()
    }

    /// A node's output shape and work; its parameters come from `ParameterLayout`.
    struct Result {
        var shape: Shape
        var macs = SymbolicCount.zero
    }

    mutating func error(_ code: String, _ message: String, _ node: IRNode, at option: String? = nil,
                        input: Int = 0, help: String? = nil, extraNotes: [DiagnosticNote] = []) {
        var notes = extraNotes
        if node.inputs.indices.contains(input) {
            let source = graph.nodes[node.inputs[input]]
            if let shape = source.shape {
                let what = source.id == 0 ? "the model's input" : "'\(source.name)'"
                notes.insert(DiagnosticNote("the input comes from \(what) (line \(source.span.start.line)) with shape \(describe(shape))",
                                            at: source.span), at: 0)
            }
        }
        let span = option.flatMap { node.optionSpans[$0] } ?? node.span
        diagnostics.add(.error(code, message, at: span, notes: notes, help: help))
    }

    /// a × b, or nil on overflow.
    static func mul(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }
    /// a + b, or nil on overflow.
    static func add(_ a: Int, _ b: Int) -> Int? {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? nil : r
    }
    static func product(_ xs: [Int]) -> Int? {
        xs.reduce(Optional(1)) { acc, x in acc.flatMap { mul($0, x) } }
    }

    mutating func tooLarge(_ node: IRNode) -> Result? {
        error("E0307", "'\(node.name)' is too large: its sizes overflow", node,
              help: "use smaller layers")
        return nil
    }

    mutating func infer(_ op: LayerOp, _ inputs: [Shape], _ node: IRNode) -> Result? {
        let x = inputs[0]
        let kind = "'\(op.kindName)'"
        switch op {
        case .dense(let o):
            guard x.count <= 2 else {
                error("E0301", "\(kind) expects a vector input, got \(describe(x))", node,
                      help: "insert '- flatten' before this layer")
                return nil
            }
            guard let features = x.last?.fixed else {
                error("E0308", "\(kind) needs a fixed number of input features, got \(describe(x))", node,
                      help: "give the last dimension a number")
                return nil
            }
            guard let weights = Self.mul(features, o.units) else { return tooLarge(node) }
            let outShape = Array(x.dropLast()) + [.fixed(o.units)]
            return Result(shape: outShape, macs: perStep(weights, x.count == 2 ? x[0] : nil))
        case .threshold(let o):
            guard x.count == 1 else {
                error("E0301", "\(kind) expects a vector input, got \(describe(x))", node,
                      help: x.count > 1 ? "insert '- flatten' before this layer" : nil)
                return nil
            }
            guard let features = x[0].fixed else {
                error("E0308", "\(kind) needs a fixed number of inputs, got \(describe(x))", node)
                return nil
            }
            if let w = o.weights {
                let badRow = w.firstIndex { $0.count != features }
                if w.count != o.units || badRow != nil {
                    let found = badRow.map { "row \($0 + 1) has \(w[$0].count) values" } ?? "\(w.count) rows"
                    error("E0306", "\(kind) weights must be [\(o.units)][\(features)] (units × inputs); \(found)", node,
                          at: "weights", help: "give \(o.units) row\(o.units == 1 ? "" : "s") of \(features) weights")
                    return nil
                }
            }
            if case .perUnit(let t) = o.threshold, t.count != o.units {
                error("E0306", "\(kind) has \(o.units) units but \(t.count) thresholds", node, at: "threshold",
                      help: "give one threshold per unit, or a single number for all")
                return nil
            }
            guard let weights = Self.mul(features, o.units) else { return tooLarge(node) }
            return Result(shape: [.fixed(o.units)], macs: perStep(weights, nil))
        case .hopfield:
            guard x.count == 1, let k = x[0].fixed else {
                error(x.count == 1 ? "E0308" : "E0301", "\(kind) expects a vector of a fixed number of units, got \(describe(x))", node,
                      help: x.count > 1 ? "insert '- flatten' before this layer" : nil)
                return nil
            }
            guard let w = Self.mul(k, k) else { return tooLarge(node) }
            return Result(shape: x, macs: perStep(w, nil))
        case .conv2d(let o):
            guard let (c, h, w) = image(x, node, kind) else { return nil }
            var pad = (0, 0)
            switch o.padding {
            case .valid: break
            case .explicit(let ph, let pw): pad = (ph, pw)
            case .same:
                guard o.kernel.0 % 2 == 1, o.kernel.1 % 2 == 1 else {
                    error("E0310", "\(kind) 'padding: same' needs an odd kernel, got \(o.kernel.0)×\(o.kernel.1)", node,
                          at: "padding", help: "use an odd kernel size or explicit padding")
                    return nil
                }
                pad = ((o.kernel.0 - 1) / 2, (o.kernel.1 - 1) / 2)
            }
            guard let oh = window(h, o.kernel.0, o.stride.0, pad.0, "H", node, kind, at: "kernel"),
                  let ow = window(w, o.kernel.1, o.stride.1, pad.1, "W", node, kind, at: "kernel") else { return nil }
            guard let perFilter = Self.product([c, o.kernel.0, o.kernel.1]),
                  let weights = Self.mul(perFilter, o.filters),
                  let macs = Self.product([weights, oh, ow]) else { return tooLarge(node) }
            return Result(shape: [.fixed(o.filters), .fixed(oh), .fixed(ow)], macs: SymbolicCount(value: macs, symbol: nil))
        case .pool(let o):
            guard let (c, h, w) = image(x, node, kind) else { return nil }
            guard let oh = window(h, o.size.0, o.stride.0, 0, "H", node, kind, at: "size"),
                  let ow = window(w, o.size.1, o.stride.1, 0, "W", node, kind, at: "size") else { return nil }
            return Result(shape: [.fixed(c), .fixed(oh), .fixed(ow)])
        case .flatten:
            let fixed = x.compactMap(\.fixed)
            guard fixed.count == x.count else {
                error("E0309", "\(kind) needs fixed sizes, got \(describe(x))", node,
                      help: "use 'return: last' on the recurrent layer before it, or fix the symbolic dimension")
                return nil
            }
            guard let n = Self.product(fixed) else { return tooLarge(node) }
            return Result(shape: [.fixed(n)])
        case .activation, .dropout, .noise:
            return Result(shape: x)
        case .rnn(let o):
            guard let (t, f) = sequence(x, node, kind) else { return nil }
            if let d = o.skip, let steps = t.fixed, d >= steps {
                error("E0310", "\(kind) 'skip: \(d)' reaches past the sequence of length \(steps)", node, at: "skip",
                      help: "use a skip below \(steps)")
                return nil
            }
            let h = o.units
            let recurrentWidth = o.feedbackFromOutput ? (o.output?.units ?? h) : h
            if o.feedbackFromOutput && o.output == nil {
                error("E0504", "\(kind) 'feedback: output' needs an 'output' block (o(t) is what is fed back)", node,
                      at: "feedback", help: "add 'output: {units: N}'")
                return nil
            }
            guard let u = Self.mul(h, f), let wRec = Self.mul(h, recurrentWidth), let skipW = Self.mul(h, o.skip == nil ? 0 : h),
                  let v = Self.mul(o.output?.units ?? 0, h) else { return tooLarge(node) }
            let perStepMacs = u + wRec + skipW + v
            // The skip term exists from step d on: T − d of the T steps when T is known.
            var macs = perStep(perStepMacs, t)
            if let d = o.skip, let steps = t.fixed, let skipped = Self.mul(skipW, min(d, steps)) {
                macs.value -= skipped
            }
            let width = o.output?.units ?? h
            return Result(shape: o.returnSequence ? [t, .fixed(width)] : [.fixed(width)], macs: macs)
        case .lstm(let o):
            guard let (t, f) = sequence(x, node, kind) else { return nil }
            guard let gates = Self.mul(4 * o.units, f + o.units) else { return tooLarge(node) }
            return Result(shape: o.returnSequence ? [t, .fixed(o.units)] : [.fixed(o.units)], macs: perStep(gates, t))
        case .pca(let components):
            guard x.count == 1, let f = x[0].fixed else {
                error("E0301", "\(kind) expects a vector of fixed size, got \(describe(x))", node,
                      help: x.count > 1 ? "insert '- flatten' before this layer" : nil)
                return nil
            }
            guard components <= f else {
                error("E0310", "\(kind) keeps \(components) components of a \(f)-dimensional input", node, at: "components",
                      help: "use at most \(f) components")
                return nil
            }
            guard let w = Self.mul(f, components) else { return tooLarge(node) }
            return Result(shape: x, macs: perStep(2 * w, nil))
        case .add:
            for (i, s) in inputs.enumerated().dropFirst() where s != x {
                mergeError(kind, node, inputs, i, "'add' needs equal shapes")
                return nil
            }
            return Result(shape: x)
        case .concat:
            var last = 0
            for (i, s) in inputs.enumerated() {
                guard s.count == x.count, s.dropLast() == x.dropLast() else {
                    mergeError(kind, node, inputs, i, "'concat' needs shapes that agree on every axis but the last")
                    return nil
                }
                guard let n = s.last?.fixed else {
                    error("E0309", "\(kind) needs a fixed last dimension, got \(describe(s))", node)
                    return nil
                }
                last += n
            }
            return Result(shape: Array(x.dropLast()) + [.fixed(last)])
        }
    }

    func perStep(_ value: Int, _ steps: Dim?) -> SymbolicCount {
        switch steps {
        case .none: return SymbolicCount(value: value, symbol: nil)
        case .fixed(let t)?: return SymbolicCount(value: Self.mul(value, t) ?? Int.max, symbol: nil)
        case .symbol(let s)?: return SymbolicCount(value: value, symbol: s)
        }
    }

    mutating func mergeError(_ kind: String, _ node: IRNode, _ inputs: [Shape], _ bad: Int, _ rule: String) {
        let names = node.inputs.map { graph.nodes[$0] }
        let notes = names.enumerated().map { i, n in
            DiagnosticNote("'\(n.name)' (line \(n.span.start.line)) has shape \(describe(inputs[i]))", at: n.span)
        }
        diagnostics.add(.error("E0305", "\(rule): '\(names[0].name)' is \(describe(inputs[0])) but '\(names[bad].name)' is \(describe(inputs[bad]))",
                               at: node.optionSpans["from"] ?? node.span, notes: notes,
                               help: "make the merged layers produce matching shapes"))
    }

    mutating func image(_ x: Shape, _ node: IRNode, _ kind: String) -> (Int, Int, Int)? {
        guard x.count == 3 else {
            let help: String
            if x.count == 1, let n = x[0].fixed, let side = Optional(Int(Double(n).squareRoot())), side * side == n {
                help = "give the input as an image [1, \(side), \(side)] (for built-in images: 'image: true')"
            } else {
                help = "give the input as [channels, height, width]"
            }
            error("E0302", "\(kind) expects an image [C, H, W], got \(describe(x))", node, help: help)
            return nil
        }
        guard let c = x[0].fixed, let h = x[1].fixed, let w = x[2].fixed else {
            error("E0309", "\(kind) needs fixed channels, height and width, got \(describe(x))", node)
            return nil
        }
        return (c, h, w)
    }

    mutating func sequence(_ x: Shape, _ node: IRNode, _ kind: String) -> (Dim, Int)? {
        guard x.count == 2 else {
            error("E0303", "\(kind) expects a sequence [T, F], got \(describe(x))", node,
                  help: x.count == 1 ? "give the input as [T, \(x[0])] with a sequence length T" : "flatten each step to a vector first")
            return nil
        }
        guard let f = x[1].fixed else {
            error("E0308", "\(kind) needs a fixed number of features per step, got \(describe(x))", node)
            return nil
        }
        return (x[0], f)
    }

    /// Output size of a window along one axis: ⌊(n + 2p − k)/s⌋ + 1, reported with its arithmetic when < 1.
    mutating func window(_ n: Int, _ k: Int, _ s: Int, _ p: Int, _ axis: String, _ node: IRNode, _ kind: String,
                         at option: String) -> Int? {
        let numerator = n + 2 * p - k
        let out = numerator >= 0 ? numerator / s + 1 : 0
        guard out >= 1 else {
            let arithmetic = "\(axis)' = ⌊(\(n) + 2·\(p) − \(k))/\(s)⌋ + 1 = \(numerator < 0 ? "\(Int((Double(numerator) / Double(s)).rounded(.down)) + 1)" : "\(out)")"
            error("E0304", "\(kind) output \(axis == "H" ? "height" : "width") is not positive: \(arithmetic)", node, at: option,
                  help: "use a \(option) of at most \(n + 2 * p), padding, or a smaller stride")
            return nil
        }
        return out
    }

    mutating func checkMemory() {
        var total = 0
        for node in graph.nodes {
            let activations = node.shape.flatMap { Self.product($0.compactMap(\.fixed)) } ?? 0
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
