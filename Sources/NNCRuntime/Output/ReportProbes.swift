import NNCIR

/// Figures read from inside the network on one example (the first of the evaluated part),
/// after the evaluation: a CNN's feature maps after its first image stage, and a recurrent
/// net's hidden-state traces and its outputs against the targets over time.
enum ReportProbes {
    struct Figures {
        var featureMaps: ImageGrid?
        var sequencePlots: [LinePlot] = []
    }

    static func compute(plan: Plan, data: Dataset) -> Figures {
        var figures = Figures()
        guard data.count > 0 else { return figures }
        plan.loadInputs(data, [0][...])
        plan.forward(1, training: false)
        let nodes = plan.graph.nodes
        func dims(_ id: Int) -> [Int]? {
            nodes[id].shape?.map { d -> Int in
                switch d {
                case .fixed(let x): return x
                case .symbol: return plan.sequenceLength ?? 0
                }
            }
        }
        // CNN: the output of the first step that yields [C, H, W] (after a conv stage, its activation and pool).
        let hasConv = nodes.contains { $0.op.kindName == "conv2d" }
        if hasConv, let step = plan.steps.first(where: { dims($0.output)?.count == 3 && $0.output != 0 }),
           let d = dims(step.output), d[0] > 0, d[1] > 1, d[2] > 1 {
            let (c, h, w) = (min(d[0], 32), d[1], d[2])
            let buffer = plan.values[step.output]
            if buffer.count >= d[0] * h * w {
                let maps = (0..<c).map { k in (0..<(h * w)).map { buffer.pointer[k * h * w + $0] } }
                figures.featureMaps = ImageGrid(title: "feature maps of the first example after '\(nodes[step.output].name)' (\(c) of \(d[0]))",
                                                rows: [.init(label: "channels", images: maps, height: h, width: w)])
            }
        }
        // Recurrent: the first rnn/lstm layer whose output is one vector per step [T, U].
        // The first example's real length (sequences may be padded).
        func length(_ t: Int) -> Int { min(t, data.lengths?.first ?? t) }
        if let layer = nodes.first(where: { ["rnn", "lstm"].contains($0.op.kindName) }),
           let (states, units, steps) = hiddenStates(plan, layer: layer.id, dims: dims(layer.id)), steps > 1 {
            let shown = min(units, 6), steps = length(steps)
            figures.sequencePlots.append(LinePlot(title: "hidden state of '\(layer.name)' (first example, \(shown) of \(units) units)",
                                                  xLabel: "time step", yLabel: "h(t)", series: (0..<shown).map { u in
                .init(name: "unit \(u + 1)", points: (0..<steps).map { .init(x: Double($0 + 1), y: Double(states($0, u))) })
            }))
        }
        // Outputs over time against the targets (sequence-to-sequence: [T, K]).
        if case .vectors(let targets, let shape) = data.targets, shape.count == 2, shape[0] > 1,
           let d = dims(plan.output), d == shape, targets.count >= shape[0] * shape[1] {
            let y = plan.values[plan.output]
            let k = shape[1], steps = length(shape[0])
            figures.sequencePlots.append(LinePlot(title: "output against target over time (first example\(k > 1 ? ", component 1" : ""))",
                                                  xLabel: "time step", yLabel: "value", series: [
                .init(name: "target", points: (0..<steps).map { .init(x: Double($0 + 1), y: Double(targets[$0 * k])) }),
                .init(name: "output", points: (0..<steps).map { .init(x: Double($0 + 1), y: Double(y.pointer[$0 * k])) }),
            ]))
        }
        return figures
    }

    /// h(t) of the first example for every step of a recurrent layer after a forward pass of one
    /// example: its output when it returns the sequence [T, U]; for `return: last` ([U]) the
    /// kernel's storage, which keeps h for every step (h [T+1, N, H], slot t+1 = h(t)).
    static func hiddenStates(_ plan: Plan, layer: Int, dims: [Int]?) -> ((Int, Int) -> Float, Int, Int)? {
        guard let d = dims else { return nil }
        if d.count == 2, d[1] > 0, plan.values[layer].count >= d[0] * d[1] {
            let h = plan.values[layer].pointer, units = d[1]
            return ({ t, u in h[t * units + u] }, units, d[0])
        }
        guard let step = plan.steps.first(where: { $0.node == layer }) else { return nil }
        switch step.kind {
        case .lstm(let l):
            var shape = l.shape
            shape.batch = 1
            let h = l.storage.pointer + shape.storageHiddenOffset, units = shape.hiddenSize
            return ({ t, u in h[(t + 1) * units + u] }, units, shape.steps)
        case .rnn(let r):
            var shape = r.shape
            shape.batch = 1
            let h = r.storage.pointer + shape.storageHiddenOffset, units = shape.hiddenSize
            return ({ t, u in h[(t + 1) * units + u] }, units, shape.steps)
        case .dense, .conv, .pool, .activation, .dropout, .noise, .flatten, .add, .concat, .threshold, .hopfield, .pca, .loss:
            return nil
        }
    }
}
