import Foundation

/// One layer of the report's model section: a row of the `nnc summary` table and
/// a box of the layer diagram (`inputs`: indices of the layers it reads, in this list).
public struct ReportLayer: Sendable {
    public var name: String
    public var kind: String
    public var shape: String
    public var parameters: Int
    public var multiplyAdds: String
    public var rule: String
    public var inputs: [Int]
    public init(name: String, kind: String, shape: String, parameters: Int, multiplyAdds: String, rule: String, inputs: [Int]) {
        self.name = name; self.kind = kind; self.shape = shape; self.parameters = parameters
        self.multiplyAdds = multiplyAdds; self.rule = rule; self.inputs = inputs
    }
}

/// A weight matrix drawn as a heat map: blue negative, red positive, white zero (one scale: max |w|).
public struct WeightMap: Sendable {
    public var title: String
    public var rows: Int
    public var columns: Int
    /// rows × columns, row-major.
    public var values: [Float]
    public init(title: String, rows: Int, columns: Int, values: [Float]) {
        self.title = title; self.rows = rows; self.columns = columns; self.values = values
    }
}

/// Threshold units with their weights: inputs on the left, one circle per unit with its
/// threshold, an edge per nonzero weight labelled with it (McCulloch–Pitts nets).
public struct UnitDiagram: Sendable {
    public var title: String
    public var inputNames: [String]
    public struct Unit: Sendable {
        public var name: String
        public var weights: [Float]
        public var threshold: Float
        public init(name: String, weights: [Float], threshold: Float) { self.name = name; self.weights = weights; self.threshold = threshold }
    }
    public var units: [Unit]
    public init(title: String, inputNames: [String], units: [Unit]) { self.title = title; self.inputNames = inputNames; self.units = units }
}

extension ReportSVG {
    // MARK: layer diagram

    /// Layers top to bottom, one box each (name, kind, output shape); an edge from each input:
    /// straight down from the layer above, an arc on the right for a skip or a merge.
    static func layerDiagram(_ layers: [ReportLayer]) -> String {
        let boxWidth = 260.0, boxHeight = 40.0, gap = 22.0, left = 20.0
        let height = 12 + Double(layers.count) * (boxHeight + gap)
        var out = open(width: left + boxWidth + 90, height: height, label: "layer graph")
        out += "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"7\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
            + "<path d=\"M0,0 L8,4 L0,8 z\" fill=\"#777777\"/></marker></defs>\n"
        func top(_ i: Int) -> Double { 8 + Double(i) * (boxHeight + gap) }
        for (i, layer) in layers.enumerated() {
            for (k, j) in layer.inputs.enumerated() where j >= 0 && j < i {
                if j == i - 1 {
                    let x = f(left + boxWidth / 2)
                    out += "<line x1=\"\(x)\" y1=\"\(f(top(j) + boxHeight))\" x2=\"\(x)\" y2=\"\(f(top(i) - 1))\" stroke=\"#777777\" marker-end=\"url(#arrow)\"/>\n"
                } else {
                    let x = left + boxWidth, bend = 24 + 14 * Double(k + (i - j) % 3)
                    out += "<path d=\"M\(f(x)),\(f(top(j) + boxHeight / 2)) C\(f(x + bend)),\(f(top(j) + boxHeight / 2)) \(f(x + bend)),\(f(top(i) + boxHeight / 2)) \(f(x + 1)),\(f(top(i) + boxHeight / 2))\" fill=\"none\" stroke=\"#777777\" marker-end=\"url(#arrow)\"/>\n"
                }
            }
            let fill = i == 0 ? "#eef3f8" : layer.parameters > 0 ? "#fdf3e6" : "#f6f6f6"
            out += "<rect x=\"\(f(left))\" y=\"\(f(top(i)))\" width=\"\(f(boxWidth))\" height=\"\(f(boxHeight))\" rx=\"5\" fill=\"\(fill)\" stroke=\"#999999\"/>"
            out += "<text x=\"\(f(left + 10))\" y=\"\(f(top(i) + 16))\" font-weight=\"600\">\(escapeHTML(clip(layer.name, 20)))"
                + "<tspan font-weight=\"400\" fill=\"#666666\"> \(escapeHTML(clip(layer.kind, 18)))</tspan></text>"
            let params = layer.parameters > 0 ? " · \(layer.parameters) parameters" : ""
            out += "<text x=\"\(f(left + 10))\" y=\"\(f(top(i) + 31))\" fill=\"#444444\">\(escapeHTML(clip(layer.shape + params, 40)))</text>\n"
        }
        return out + "</svg>"
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count > n ? String(s.prefix(n - 1)) + "…" : s }

    // MARK: weight heat map

    /// Cells of at most 12 px, at least 1; blue (negative) to white to red (positive).
    static func weightMap(_ m: WeightMap) -> String {
        guard m.rows > 0, m.columns > 0, m.values.count == m.rows * m.columns else { return "" }
        let cell = max(1, min(12, (360 / Double(max(m.rows, m.columns))).rounded(.down)))
        let width = cell * Double(m.columns), height = cell * Double(m.rows)
        let largest = Double(m.values.filter(\.isFinite).map(abs).max() ?? 1)
        let scale = largest > 0 ? largest : 1
        var out = open(width: width + 2, height: height + 22, label: m.title)
        for r in 0..<m.rows {
            for c in 0..<m.columns {
                let v = m.values[r * m.columns + c]
                out += "<rect x=\"\(f(1 + Double(c) * cell))\" y=\"\(f(1 + Double(r) * cell))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(diverging(Double(v) / scale))\"/>"
            }
            out += "\n"
        }
        out += "<text class=\"tick\" x=\"1\" y=\"\(f(height + 16))\">blue −\(tickLabel(largest, step: largest / 10)) · white 0 · red +\(tickLabel(largest, step: largest / 10))</text>\n"
        return out + "</svg>"
    }

    /// t in [−1, 1] → #2166ac … #ffffff … #b2182b; non-finite grey.
    static func diverging(_ t: Double) -> String {
        guard t.isFinite else { return "#888888" }
        let u = min(1, max(-1, t))
        let (r, g, b) = u < 0 ? (33.0, 102.0, 172.0) : (178.0, 24.0, 43.0)
        let a = abs(u)
        return hex(Int((255 - a * (255 - r)).rounded()), Int((255 - a * (255 - g)).rounded()), Int((255 - a * (255 - b)).rounded()))
    }

    // MARK: threshold units

    static func unitDiagram(_ d: UnitDiagram) -> String {
        let rowHeight = 56.0, inputX = 40.0, unitX = 300.0
        let rows = max(d.inputNames.count, d.units.count)
        let height = 20 + Double(rows) * rowHeight
        func y(_ i: Int, of n: Int) -> Double { 10 + (Double(rows) - Double(n)) * rowHeight / 2 + (Double(i) + 0.5) * rowHeight }
        let widest = d.units.map { 40 + 7 * Double($0.weights.count * 7) }.max() ?? 80
        var out = open(width: unitX + 40 + (d.units.count == 1 ? 40 : widest), height: height, label: d.title)
        // One unit: each weight on its edge. Several: edges cross, so each unit lists its weights beside it.
        let onEdges = d.units.count == 1
        for (u, unit) in d.units.enumerated() {
            for (i, w) in unit.weights.enumerated() where i < d.inputNames.count && w != 0 {
                let y1 = y(i, of: d.inputNames.count), y2 = y(u, of: d.units.count)
                let colour = w > 0 ? "#2ca02c" : "#d62728"
                out += "<line x1=\"\(f(inputX + 16))\" y1=\"\(f(y1))\" x2=\"\(f(unitX - 24))\" y2=\"\(f(y2))\" stroke=\"\(colour)\" stroke-width=\"\(f(1 + min(3, Double(abs(w)))))\"/>"
                guard onEdges else { out += "\n"; continue }
                let mx = inputX + 16 + 0.3 * (unitX - 24 - inputX - 16), my = y1 + 0.3 * (y2 - y1)
                out += "<rect x=\"\(f(mx - 18))\" y=\"\(f(my - 8))\" width=\"36\" height=\"16\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\"/>"
                out += "<text x=\"\(f(mx))\" y=\"\(f(my))\" text-anchor=\"middle\" dominant-baseline=\"middle\" fill=\"\(colour)\">\(escapeHTML(weightText(w)))</text>\n"
            }
        }
        for (i, name) in d.inputNames.enumerated() {
            let cy = y(i, of: d.inputNames.count)
            out += "<circle cx=\"\(f(inputX))\" cy=\"\(f(cy))\" r=\"16\" fill=\"#eef3f8\" stroke=\"#999999\"/>"
            out += "<text x=\"\(f(inputX))\" y=\"\(f(cy))\" text-anchor=\"middle\" dominant-baseline=\"middle\">\(escapeHTML(clip(name, 4)))</text>\n"
        }
        for (u, unit) in d.units.enumerated() {
            let cy = y(u, of: d.units.count)
            out += "<circle cx=\"\(f(unitX))\" cy=\"\(f(cy))\" r=\"24\" fill=\"#fdf3e6\" stroke=\"#999999\"/>"
            out += "<text x=\"\(f(unitX))\" y=\"\(f(cy))\" text-anchor=\"middle\" dominant-baseline=\"middle\">θ=\(escapeHTML(weightText(unit.threshold)))</text>"
            let weights = onEdges ? "" : ": w = (" + unit.weights.map(weightText).joined(separator: ", ") + ")"
            out += "<text x=\"\(f(unitX + 32))\" y=\"\(f(cy))\" dominant-baseline=\"middle\">\(escapeHTML(clip(unit.name, 12) + weights))</text>\n"
        }
        return out + "</svg>"
    }

    static func weightText(_ w: Float) -> String {
        w == w.rounded() && abs(w) < 1e6 ? String(Int(w)) : String(format: "%.3g", Double(w))
    }
}
