import NNCIR
import NNCKernels
import NNCSpec

/// What classic nets show after their metrics:
///
/// - a truth table (inputs | output | target, wrong rows marked ✗) when the
///   evaluated data is the truth table of a logic function: inputs named
///   x1..xN, every one of the 2^N rows of 0/1 values once, N ≤ 6, class (or
///   one-hot) targets; a one-unit output is shown as its value, a wider one
///   as the class it picks;
/// - recall grids (original | degraded | recalled, or input | target |
///   recalled for pattern pairs) of the first `evaluate.show` examples, drawn
///   with '#' (on) and '.' (off), for associative memories (a Hopfield layer,
///   or rule hebbian, clipped_hebbian, least_squares or delta with pattern
///   targets or `target: input`) on 0/1 or ±1 patterns. Grids take the image
///   shape of `letters` and `bars_and_stripes`, of [1, H, W] inputs, or the
///   squarest H×W with H·W = K.
enum ClassicPresentation {
    static func lines(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset) -> [String] {
        if let table = truthTable(graph: graph, plan: plan, data: data) { return [table] }
        if let grids = recallGrids(spec: spec, graph: graph, plan: plan, data: data, clean: clean) { return [grids] }
        return []
    }

    // MARK: truth tables

    /// A logic net's truth table: every input combination once (0/1 inputs x1…xn, n ≤ 6), with class targets.
    struct TruthRows {
        var n: Int
        var inputs: [[Int]]
        /// As printed ("1", "0.9571", "class 2"), and as a number (the value, or the predicted class).
        var outputs: [String]
        var outputValues: [Double]
        var targets: [Int]
        var wrong: [Bool]
    }

    static func truthRows(graph: Graph, plan: Plan, data: Dataset) -> TruthRows? {
        let n = data.inputSize
        guard (1...6).contains(n), data.count == 1 << n, data.featureNames == (1...n).map({ "x\($0)" }),
              let labels = classLabels(data), plan.rows(plan.output, 1) == 1 else { return nil }
        var seen = Set<Int>()
        for row in 0..<data.count {
            var code = 0
            for j in 0..<n {
                let v = data.inputs[row * n + j]
                guard v == 0 || v == 1 else { return nil }
                code = code << 1 | Int(v)
            }
            seen.insert(code)
        }
        guard seen.count == data.count else { return nil }

        let recalled = ClassicMetrics.recall(plan: plan, data: data, count: data.count)
        let width = recalled.width
        let evaluator = Evaluator(plan: plan, targetIsInput: false, finalActivation: graph.finalActivation)
        let integral = recalled.outputs.allSatisfy { $0 == $0.rounded() }
        var t = TruthRows(n: n, inputs: [], outputs: [], outputValues: [], targets: [], wrong: [])
        for row in 0..<data.count {
            t.inputs.append((0..<n).map { Int(data.inputs[row * n + $0]) })
            let predicted = recalled.outputs.withUnsafeBufferPointer { y in
                y.baseAddress.map { evaluator.predictedClass($0 + row * width, width) } ?? -1
            }
            if width == 1 {
                let y = recalled.outputs[row]
                t.outputs.append(integral ? String(Int(y)) : formatMetric(Double(y)))
                t.outputValues.append(Double(y))
            } else {
                t.outputs.append("class \(predicted)")
                t.outputValues.append(Double(predicted))
            }
            t.targets.append(Int(labels[row]))
            t.wrong.append(predicted != Int(labels[row]))
        }
        return t
    }

    /// The truth table for the report.
    static func truthFigure(graph: Graph, plan: Plan, data: Dataset) -> TruthTable? {
        guard let t = truthRows(graph: graph, plan: plan, data: data) else { return nil }
        return TruthTable(title: "truth table", inputNames: (1...t.n).map { "x\($0)" }, outputNames: ["output"],
                          rows: t.inputs.indices.map { r in
            .init(inputs: t.inputs[r].map(Double.init), outputs: [t.outputValues[r]], expected: [Double(t.targets[r])], wrong: t.wrong[r])
        })
    }

    static func truthTable(graph: Graph, plan: Plan, data: Dataset) -> String? {
        guard let t = truthRows(graph: graph, plan: plan, data: data) else { return nil }
        let n = t.n
        let rows = t.inputs.indices.map { r in t.inputs[r].map(String.init) + [t.outputs[r], String(t.targets[r]), t.wrong[r] ? "✗" : ""] }
        let header = (1...n).map { "x\($0)" } + ["output", "target", ""]
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (c, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                parts.append(c == cells.count - 1 ? cell : pad + cell)
            }
            let inputs = parts[0..<n].joined(separator: " ")
            let tail = parts[n + 2].isEmpty ? "" : "  " + parts[n + 2]
            return "  " + inputs + " | " + parts[n] + " | " + parts[n + 1] + tail
        }
        return "truth table:\n" + ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// The class of each example: its label, or the hot index of one-hot vector targets.
    static func classLabels(_ data: Dataset) -> [Int32]? {
        switch data.targets {
        case .classes(let labels, _):
            return labels
        case .vectors(let values, let shape) where shape.count == 1:
            let k = shape[0]
            var labels: [Int32] = []
            for e in 0..<data.count {
                let row = values[(e * k)..<((e + 1) * k)]
                guard row.allSatisfy({ $0 == 0 || $0 == 1 }), row.filter({ $0 == 1 }).count == 1,
                      let hot = row.firstIndex(of: 1) else { return nil }
                labels.append(Int32(hot - e * k))
            }
            return labels
        case .none, .vectors:
            return nil
        }
    }

    // MARK: recall grids

    /// What an associative memory recalled for the first `evaluate.show` examples, as on/off units.
    struct RecallData {
        struct Example { var name: String; var original: [Bool]; var degraded: [Bool]?; var target: [Bool]?; var recalled: [Bool]; var wrong: Int }
        var examples: [Example]
        var total: Int
        var autoAssociative: Bool
        var inputShape: (Int, Int)
        var outputShape: (Int, Int)
    }

    static func recallData(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset) -> RecallData? {
        let show = min(spec.evaluate?.show ?? 8, data.count)
        let hasHopfield = graph.layers.contains { if case .layer(.hopfield) = $0.op { return true }; return false }
        guard show > 0, hasHopfield || spec.train?.rule.recallsPatterns == true else { return nil }
        let width = plan.perExample[plan.output]
        guard plan.rows(plan.output, 1) == 1,
              let stored = try? StoredPatterns(spec: spec, graph: graph, data: data, clean: clean, width: width),
              stored.autoAssociative || { if case .vectors = data.targets { return true }; return false }(),
              isPatterns(clean.inputs), isPatterns(stored.values) else { return nil }
        let inputShape = gridShape(clean.inputSize, spec: spec, data: data)
        let outputShape = width == clean.inputSize ? inputShape : gridShape(width, spec: nil, data: nil)
        guard let inputShape, let outputShape else { return nil }

        let recalled = ClassicMetrics.recall(plan: plan, data: data, count: show)
        let inputReading = UnitReading(finalActivation: nil, patterns: clean.inputs)
        let degraded = data.inputs != clean.inputs
        let f = clean.inputSize
        let examples = (0..<show).map { e -> RecallData.Example in
            let x = Array(clean.inputs[(e * f)..<((e + 1) * f)])
            let xd = Array(data.inputs[(e * f)..<((e + 1) * f)])
            let target = Array(stored.values[(e * width)..<((e + 1) * width)])
            let y = Array(recalled.outputs[(e * width)..<((e + 1) * width)])
            let wrong = zip(y, target).filter { stored.reading.output($0) != stored.reading.pattern($1) }.count
            let name = data.classNames.flatMap { names -> String? in
                if case .classes(let labels, _) = data.targets, Int(labels[e]) < names.count { return names[Int(labels[e])] }
                return nil
            } ?? "#\(e + 1)"
            return .init(name: name, original: x.map(inputReading.pattern), degraded: degraded ? xd.map(inputReading.pattern) : nil,
                         target: stored.autoAssociative ? nil : target.map(stored.reading.pattern),
                         recalled: y.map(stored.reading.output), wrong: wrong)
        }
        return RecallData(examples: examples, total: data.count, autoAssociative: stored.autoAssociative,
                          inputShape: inputShape, outputShape: outputShape)
    }

    static func recallGrids(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset) -> String? {
        guard let r = recallData(spec: spec, graph: graph, plan: plan, data: data, clean: clean) else { return nil }
        let degraded = r.examples.first?.degraded != nil
        let titles = r.autoAssociative ? ["original"] + (degraded ? ["degraded"] : []) + ["recalled"]
            : ["input"] + (degraded ? ["degraded"] : []) + ["target", "recalled"]
        let blocks = r.examples.map { e -> [String] in
            var grids = [grid(e.original, r.inputShape)]
            if let d = e.degraded { grids.append(grid(d, r.inputShape)) }
            if let t = e.target { grids.append(grid(t, r.outputShape)) }
            grids.append(grid(e.recalled, r.outputShape))
            return block(title: e.name + (e.wrong == 0 ? " ✓" : " ✗ \(e.wrong) unit\(e.wrong == 1 ? "" : "s")"), grids)
        }
        let header = "recall (\(titles.joined(separator: " | "))), \(r.examples.count) of \(r.total) example\(r.total == 1 ? "" : "s"):"
        return ([header] + tile(blocks, width: 78)).joined(separator: "\n")
    }

    /// Recall as image rows for the report: flipped input bits and wrong recalled units marked.
    static func recallFigure(spec: Spec, graph: Graph, plan: Plan, data: Dataset, clean: Dataset) -> ImageGrid? {
        guard let r = recallData(spec: spec, graph: graph, plan: plan, data: data, clean: clean) else { return nil }
        func image(_ on: [Bool]) -> [Float] { on.map { $0 ? 1 : 0 } }
        let (ih, iw) = r.inputShape, (oh, ow) = r.outputShape
        var rows = [ImageGrid.Row(label: r.autoAssociative ? "original" : "input", images: r.examples.map { image($0.original) },
                                  height: ih, width: iw)]
        if r.examples.first?.degraded != nil {
            rows.append(.init(label: "degraded (flips marked)", images: r.examples.map { image($0.degraded ?? []) }, height: ih, width: iw,
                              marks: r.examples.map { e in zip(e.original, e.degraded ?? e.original).map { $0 != $1 } }))
        }
        if !r.autoAssociative {
            rows.append(.init(label: "target", images: r.examples.map { image($0.target ?? []) }, height: oh, width: ow))
        }
        rows.append(.init(label: "recalled (errors marked)", images: r.examples.map { image($0.recalled) }, height: oh, width: ow,
                          marks: r.examples.map { e in zip(e.recalled, e.target ?? e.original).map { $0 != $1 } }))
        let wrong = r.examples.filter { $0.wrong > 0 }.count
        return ImageGrid(title: "recall of \(r.examples.count) of \(r.total) (\(wrong == 0 ? "all right" : "\(wrong) with errors"))", rows: rows)
    }

    /// Every value 0/1 or ±1.
    static func isPatterns(_ v: [Float]) -> Bool {
        v.allSatisfy { $0 == 0 || $0 == 1 } || v.allSatisfy { $0 == -1 || $0 == 1 }
    }

    /// [H, W] for K values: the source's image shape when it has one, else
    /// the squarest factorisation (one row of at most 40 for a prime K).
    static func gridShape(_ k: Int, spec: Spec?, data: Dataset?) -> (Int, Int)? {
        if let data, data.inputShape.count == 3, data.inputShape[0] == 1 { return (data.inputShape[1], data.inputShape[2]) }
        if case .builtin(.letters(let s))? = spec?.data?.train.form, s.size.count == 2, SizeLimits.checkedProduct(s.size) == k {
            return (s.size[0], s.size[1])
        }
        if case .builtin(.barsAndStripes(let s))? = spec?.data?.train.form, s.size * s.size == k { return (s.size, s.size) }
        var h = Int(Double(k).squareRoot())
        while h > 1 && k % h != 0 { h -= 1 }
        let w = k / h
        return w <= 40 ? (h, w) : nil
    }

    static func grid(_ on: [Bool], _ shape: (Int, Int)) -> [String] {
        (0..<shape.0).map { r in String((0..<shape.1).map { on[r * shape.1 + $0] ? "#" : "." }) }
    }

    /// A title over grids side by side (two spaces apart), all lines one width.
    static func block(title: String, _ grids: [[String]]) -> [String] {
        let height = grids.map(\.count).max() ?? 0
        var lines = (0..<height).map { r in
            grids.map { g in r < g.count ? g[r] : String(repeating: " ", count: g.first?.count ?? 0) }.joined(separator: "  ")
        }
        let width = max(title.count, lines.first?.count ?? 0)
        lines.insert(title, at: 0)
        return lines.map { $0 + String(repeating: " ", count: width - $0.count) }
    }

    /// Blocks left to right, wrapping before `width` columns, indented by two.
    static func tile(_ blocks: [[String]], width: Int) -> [String] {
        var out: [String] = []
        var row: [[String]] = []
        func flush() {
            guard !row.isEmpty else { return }
            if !out.isEmpty { out.append("") }
            let height = row.map(\.count).max() ?? 0
            for r in 0..<height {
                let parts = row.map { b in r < b.count ? b[r] : String(repeating: " ", count: b.first?.count ?? 0) }
                var line = "  " + parts.joined(separator: "    ")
                while line.hasSuffix(" ") { line.removeLast() }
                out.append(line)
            }
            row = []
        }
        for b in blocks {
            let used = row.reduce(2) { $0 + ($1.first?.count ?? 0) + 4 }
            if !row.isEmpty && used + (b.first?.count ?? 0) > width { flush() }
            row.append(b)
        }
        flush()
        return out
    }
}
