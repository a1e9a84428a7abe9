/// The terminal's view of an autoencoder run (notes printed after the
/// metrics): the code's statistics, the examples as ASCII art (original /
/// corrupted / reconstructed), and the 2-D code scatters side by side with
/// each point drawn as its class (0–9, then a–z; `*` without a class).
enum AutoencoderTerminal {
    /// Grey levels from the smallest value of a figure to the largest.
    static let ramp: [Character] = Array(" .:-=+*#%@")
    static let maxWidth = 96

    static func lines(_ outputs: AutoencoderOutputs) -> [String] {
        var notes = [summary(outputs)]
        if let images = outputs.examples { notes.append(draw(images)) }
        if !outputs.scatter.isEmpty { notes.append(draw(outputs.scatter)) }
        return notes
    }

    static func summary(_ o: AutoencoderOutputs) -> String {
        let unit = o.layer.isPCA ? "components" : "units"
        var s = "code '\(o.layer.name)' (\(o.layer.width) \(unit)) on \(o.evaluatedOn): mean |h| \(formatMetric(o.meanAbsoluteCode))"
        if let j = o.meanJacobianNorm { s += ", mean ‖∂h/∂x‖_F \(formatMetric(j))" }
        return s
    }

    // MARK: images

    static func draw(_ figure: AutoencoderOutputs.Images) -> String {
        // The originals' range sets the grey scale; other rows are clamped to it.
        let all = (figure.rows.first?.images ?? []).joined()
        let low = all.min() ?? 0, high = all.max() ?? 1
        let labelWidth = (figure.rows.map(\.label.count).max() ?? 0) + 2
        let cell = 2 * figure.width + 2
        let perBlock = max(1, (maxWidth - labelWidth) / cell)
        // One block of columns fits the terminal; the report draws all `show` examples.
        let total = figure.rows.first?.images.count ?? 0
        let count = min(total, perBlock)
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var out = count < total ? "the first \(count) of \(total) examples" : "examples"
        out += " (grey levels '\(String(ramp))' from \(formatMetric(Double(low))) to \(formatMetric(Double(high)))):\n"
        var start = 0
        while start < count {
            let columns = start..<min(count, start + perBlock)
            out += pad("", labelWidth)
            for c in columns {
                let cls = figure.classes.indices.contains(c) ? figure.classes[c].map { " (\($0))" } ?? "" : ""
                out += pad("#\(c)\(cls)", cell)
            }
            out += "\n"
            for row in figure.rows {
                for y in 0..<figure.height {
                    out += pad(y == 0 ? row.label : "", labelWidth)
                    for c in columns {
                        let image = row.images.indices.contains(c) ? row.images[c] : []
                        for x in 0..<figure.width {
                            let i = y * figure.width + x
                            let ch = image.indices.contains(i) ? level(image[i], low, high) : " "
                            out.append(ch); out.append(ch)
                        }
                        out += "  "
                    }
                    out += "\n"
                }
            }
            start += perBlock
        }
        return out
    }

    static func level(_ v: Float, _ low: Float, _ high: Float) -> Character {
        guard high > low else { return ramp[0] }
        let t = min(max((v - low) / (high - low), 0), 1)
        return ramp[min(ramp.count - 1, Int(t * Float(ramp.count - 1) + 0.5))]
    }

    // MARK: scatter

    static let plotWidth = 40, plotHeight = 16

    static func draw(_ plots: [AutoencoderOutputs.Scatter]) -> String {
        let grids = plots.map(grid)
        let width = plotWidth + 2
        func pad(_ s: String) -> String { s.count >= width ? String(s.prefix(width)) : s + String(repeating: " ", count: width - s.count) }
        var out = ""
        var lines = Array(repeating: "", count: plotHeight + 4)
        for (p, plot) in plots.enumerated() {
            let sep = p == 0 ? "" : "   "
            let frame = "+" + String(repeating: "-", count: plotWidth) + "+"
            lines[0] += sep + pad(plot.title)
            lines[1] += sep + frame
            for r in 0..<plotHeight { lines[2 + r] += sep + "|" + String(grids[p][r]) + "|" }
            lines[plotHeight + 2] += sep + frame
            lines[plotHeight + 3] += sep + pad("x: \(plot.xLabel), y: \(plot.yLabel)")
        }
        for line in lines { out += line.trailingSpacesRemoved + "\n" }
        return out
    }

    /// One plot's cells, row 0 at the top; a cell shows its most frequent class.
    static func grid(_ plot: AutoencoderOutputs.Scatter) -> [[Character]] {
        var counts: [[[Int: Int]]] = Array(repeating: Array(repeating: [:], count: plotWidth), count: plotHeight)
        let xs = plot.points.map(\.x), ys = plot.points.map(\.y)
        func cellIndex(_ v: Double, _ low: Double, _ high: Double, _ n: Int) -> Int {
            guard high > low else { return n / 2 }
            return min(n - 1, max(0, Int((v - low) / (high - low) * Double(n - 1) + 0.5)))
        }
        let (x0, x1) = (xs.min() ?? 0, xs.max() ?? 0), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 0)
        for p in plot.points where p.x.isFinite && p.y.isFinite {
            let c = cellIndex(p.x, x0, x1, plotWidth)
            let r = plotHeight - 1 - cellIndex(p.y, y0, y1, plotHeight)
            counts[r][c][p.label ?? -1, default: 0] += 1
        }
        return counts.map { row in
            row.map { cell in
                guard let best = cell.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) }) else { return " " }
                return symbol(best.key)
            }
        }
    }

    static func symbol(_ label: Int) -> Character {
        let symbols = Array("0123456789abcdefghijklmnopqrstuvwxyz")
        return label >= 0 && label < symbols.count ? symbols[label] : "*"
    }
}

private extension String {
    var trailingSpacesRemoved: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
