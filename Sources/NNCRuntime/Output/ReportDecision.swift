import NNCIR

/// The decision regions of a classifier with 2-D inputs (perceptron, MLP): the trained
/// model evaluated on a grid over the training data's range, with the data on top.
public struct DecisionMap: Sendable {
    /// The grid spans these ranges of the (normalized) inputs; `classes[row][column]`, row 0 at the top.
    public var xRange: (lo: Double, hi: Double)
    public var yRange: (lo: Double, hi: Double)
    public var classes: [[Int]]
    /// The training examples, classed by their targets.
    public var points: [ScatterPlot.Point]
    public var classNames: [String]?

    static let size = 60

    /// nil unless the inputs are 2-D vectors with class targets (or one 0/1 target).
    static func compute(plan: Plan, data: Dataset, threshold: Float) -> DecisionMap? {
        guard data.inputShape == [2], data.count > 0 else { return nil }
        var labels: [Int] = []
        switch data.targets {
        case .classes(let l, _): labels = l.map(Int.init)
        case .vectors(let v, let shape) where shape == [1] && v.allSatisfy({ $0 == 0 || $0 == 1 }): labels = v.map { Int($0) }
        case .vectors, .none: return nil
        }
        let xs = stride(from: 0, to: data.inputs.count, by: 2).map { Double(data.inputs[$0]) }
        let ys = stride(from: 1, to: data.inputs.count, by: 2).map { Double(data.inputs[$0]) }
        func padded(_ v: [Double]) -> (lo: Double, hi: Double) {
            let lo = v.min() ?? 0, hi = v.max() ?? 1
            let pad = max(0.1 * (hi - lo), 0.5)
            return (lo - pad, hi + pad)
        }
        let xr = padded(xs), yr = padded(ys)
        var grid: [Float] = []
        grid.reserveCapacity(size * size * 2)
        for row in 0..<size {
            for column in 0..<size {
                grid.append(Float(xr.lo + (Double(column) + 0.5) / Double(size) * (xr.hi - xr.lo)))
                grid.append(Float(yr.hi - (Double(row) + 0.5) / Double(size) * (yr.hi - yr.lo)))
            }
        }
        guard let points = try? Dataset(inputs: grid, inputShape: [2]), plan.rows(plan.output, 1) == 1 else { return nil }
        let width = plan.lastDim(plan.output)
        var flat: [Int] = []
        var start = 0
        while start < points.count {
            let n = min(plan.batch, points.count - start)
            plan.loadInputs(points, Array(start..<(start + n))[...])
            plan.forward(n, training: false)
            let y = plan.values[plan.output].pointer
            for r in 0..<n {
                if width == 1 { flat.append(y[r] >= threshold ? 1 : 0); continue }
                var best = 0
                for j in 1..<width where y[r * width + j] > y[r * width + best] { best = j }
                flat.append(best)
            }
            start += n
        }
        let classes = (0..<size).map { Array(flat[($0 * size)..<(($0 + 1) * size)]) }
        return DecisionMap(xRange: xr, yRange: yr, classes: classes,
                           points: zip(zip(xs, ys), labels).map { ScatterPlot.Point(x: $0.0, y: $0.1, label: $1) },
                           classNames: data.classNames)
    }
}

extension ReportSVG {
    /// Regions in light class colours, the examples as dots in full colour.
    static func decisionMap(_ m: DecisionMap) -> String {
        let labels = Set(m.points.compactMap(\.label)).sorted()
        let entries = labels.map { label in
            (name: m.classNames.flatMap { label < $0.count ? $0[label] : nil } ?? String(label), colour: colour(label))
        }
        let frame = Frame(xRange: m.xRange, yRange: m.yRange, legendRows: legendRows(entries).count)
        var out = open(width: Frame.width, height: Frame.height, label: "decision regions")
        out += axes(frame, xLabel: "x1", yLabel: "x2")
        let n = Double(m.classes.count)
        let cw = frame.plotWidth / n, ch = frame.plotHeight / n
        for (r, row) in m.classes.enumerated() {
            var c = 0
            while c < row.count {
                var end = c + 1
                while end < row.count && row[end] == row[c] { end += 1 }
                out += "<rect x=\"\(f(frame.left + Double(c) * cw))\" y=\"\(f(frame.top + Double(r) * ch))\" width=\"\(f(Double(end - c) * cw + 0.3))\" height=\"\(f(ch + 0.3))\" fill=\"\(colour(row[c]))\" fill-opacity=\"0.22\"/>"
                c = end
            }
            out += "\n"
        }
        for p in m.points where p.x.isFinite && p.y.isFinite {
            out += "<circle cx=\"\(f(frame.px(p.x)))\" cy=\"\(f(frame.py(p.y)))\" r=\"3.5\" fill=\"\(p.label.map(colour) ?? "#999999")\" stroke=\"#ffffff\" stroke-width=\"0.8\"/>\n"
        }
        out += legend(entries, frame: frame)
        return out + "</svg>"
    }
}
