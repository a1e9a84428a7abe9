import Foundation

/// The report's figures as inline SVG (no scripts, no external files):
/// line plots, scatter plots, a confusion heat map and image grids. Every
/// number is printed with a fixed format, so equal inputs give equal text.
/// Text is escaped; sizes are in CSS pixels.
enum ReportSVG {
    /// Series and class colours (Tableau 10).
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                          "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    static func colour(_ index: Int) -> String { palette[((index % palette.count) + palette.count) % palette.count] }

    // MARK: axes

    /// A plotting frame mapping data coordinates to pixels. The left margin fits the
    /// longest y tick label (the axis title sits left of it); a legend gets a band on top.
    struct Frame {
        static let width = 480.0, height = 300.0
        static let right = 16.0, bottom = 44.0
        var xRange: (lo: Double, hi: Double)
        var yRange: (lo: Double, hi: Double)
        var xTicks: Ticks
        var yTicks: Ticks
        var left: Double
        var top: Double

        init(xRange: (lo: Double, hi: Double), yRange: (lo: Double, hi: Double), xInteger: Bool = false, yInteger: Bool = false,
             legendRows: Int = 0) {
            self.xRange = xRange
            self.yRange = yRange
            xTicks = Ticks(xRange, integer: xInteger)
            yTicks = Ticks(yRange, integer: yInteger)
            // About 6.5 px per character at 11 px, plus the rotated title's 20 px.
            left = 26 + 6.5 * Double(yTicks.labels.map(\.count).max() ?? 1)
            top = legendRows > 0 ? 10 + 16 * Double(legendRows) : 16
        }

        var plotWidth: Double { Self.width - left - Self.right }
        var plotHeight: Double { Self.height - top - Self.bottom }
        func px(_ x: Double) -> Double { left + (x - xRange.lo) / (xRange.hi - xRange.lo) * plotWidth }
        func py(_ y: Double) -> Double { top + (yRange.hi - y) / (yRange.hi - yRange.lo) * plotHeight }
    }

    /// The range of the finite values; `pad` adds a fraction of the span on both sides.
    /// A flat line (one value) gets an axis from 0 to past the value, which reads as "constant"
    /// (not ±10 %, which invents a scale): [0, 1.25·v] for v > 0, [1.25·v, 0] for v < 0, [0, 1] for 0.
    static func range(_ values: [Double], pad: Double) -> (lo: Double, hi: Double) {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return (0, 1) }
        if lo == hi {
            if lo == 0 { return (0, 1) }
            return lo > 0 ? (0, lo * 1.25) : (lo * 1.25, 0)
        }
        let span = hi - lo
        guard span.isFinite else { return (lo, hi) }
        return (lo - pad * span, hi + pad * span)
    }

    /// Round tick values inside a range (about `count`), and their labels: whole steps on integer axes
    /// (epochs, counts), and as many digits as it takes for no two labels to read the same.
    struct Ticks {
        var values: [Double]
        var labels: [String]

        init(_ range: (lo: Double, hi: Double), count: Int = 5, integer: Bool = false) {
            values = Self.values(range, count: count, integer: integer)
            let step = values.count > 1 ? values[1] - values[0] : 0
            var labels = values.map { ReportSVG.tickLabel($0, step: step, digits: 2) }
            var digits = 3
            while Set(labels).count < labels.count && digits <= 9 {
                labels = values.map { ReportSVG.tickLabel($0, step: step, digits: digits) }
                digits += 1
            }
            self.labels = labels
        }

        static func values(_ range: (lo: Double, hi: Double), count: Int, integer: Bool) -> [Double] {
            let span = range.hi - range.lo
            guard span.isFinite, span > 0 else { return [range.lo] }
            let raw = span / Double(count)
            let magnitude = pow(10, floor(log10(raw)))
            let normalized = raw / magnitude
            var step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude
            if integer { step = max(1, step.rounded()) }
            let first = (range.lo / step).rounded(.up)
            let last = (range.hi / step).rounded(.down)
            guard first.isFinite, last.isFinite, last >= first, last - first <= 50 else { return [range.lo, range.hi] }
            return stride(from: first, through: last, by: 1).map { $0 * step }
        }
    }

    /// Back-compatible: the tick values alone.
    static func ticks(_ range: (lo: Double, hi: Double), count: Int = 5) -> [Double] {
        Ticks.values(range, count: count, integer: false)
    }

    /// A tick label: whole numbers plainly, others with as many decimals as the step needs;
    /// very large or small values in exponent form with `digits` significant digits.
    static func tickLabel(_ v: Double, step: Double, digits: Int = 2) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e6 || abs(v) < 1e-4 { return String(format: "%.\(digits)g", v) }
        let decimals = step > 0 && step.isFinite ? max(0, min(6, -Int(floor(log10(step) + 1e-9)))) : 2
        return String(format: "%.\(decimals + max(0, digits - 2))f", v)
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The frame, grid lines, tick labels and axis labels.
    static func axes(_ frame: Frame, xLabel: String, yLabel: String) -> String {
        var out = "<rect class=\"plot\" fill=\"#ffffff\" stroke=\"#999999\" x=\"\(f(frame.left))\" y=\"\(f(frame.top))\" width=\"\(f(frame.plotWidth))\" height=\"\(f(frame.plotHeight))\"/>\n"
        let bottom = frame.top + frame.plotHeight
        for (t, label) in zip(frame.xTicks.values, frame.xTicks.labels) {
            let x = f(frame.px(t))
            out += "<line class=\"grid\" stroke=\"#eeeeee\" x1=\"\(x)\" y1=\"\(f(frame.top))\" x2=\"\(x)\" y2=\"\(f(bottom))\"/>"
            out += "<text class=\"tick\" x=\"\(x)\" y=\"\(f(bottom + 14))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        for (t, label) in zip(frame.yTicks.values, frame.yTicks.labels) {
            let y = f(frame.py(t))
            out += "<line class=\"grid\" stroke=\"#eeeeee\" x1=\"\(f(frame.left))\" y1=\"\(y)\" x2=\"\(f(frame.left + frame.plotWidth))\" y2=\"\(y)\"/>"
            out += "<text class=\"tick\" x=\"\(f(frame.left - 4))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(label)</text>\n"
        }
        out += "<text class=\"label\" font-size=\"12\" x=\"\(f(frame.left + frame.plotWidth / 2))\" y=\"\(f(Frame.height - 6))\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>\n"
        out += "<text class=\"label\" font-size=\"12\" transform=\"translate(14 \(f(frame.top + frame.plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeHTML(yLabel))</text>\n"
        return out
    }

    /// Legend rows of a plot: entries side by side in a band above the frame (never over the data).
    static func legendRows(_ entries: [(name: String, colour: String)]) -> [[(name: String, colour: String)]] {
        var rows: [[(name: String, colour: String)]] = []
        var width = 0.0
        for e in entries {
            let w = 24 + 6.5 * Double(min(e.name.count, 40))
            if rows.isEmpty || width + w > Frame.width - 80 { rows.append([]); width = 0 }
            rows[rows.count - 1].append(e)
            width += w
        }
        return rows
    }

    static func legend(_ entries: [(name: String, colour: String)], frame: Frame) -> String {
        var out = ""
        for (r, row) in legendRows(entries).enumerated() {
            var x = frame.left
            let y = 10 + 16 * Double(r)
            for e in row {
                let name = e.name.count > 40 ? String(e.name.prefix(39)) + "…" : e.name
                out += "<rect x=\"\(f(x))\" y=\"\(f(y - 5))\" width=\"10\" height=\"10\" fill=\"\(e.colour)\"/>"
                out += "<text class=\"legend\" dominant-baseline=\"middle\" x=\"\(f(x + 14))\" y=\"\(f(y))\">\(escapeHTML(name))</text>\n"
                x += 24 + 6.5 * Double(name.count)
            }
        }
        return out
    }

    static func open(width: Double, height: Double, label: String) -> String {
        // Presentation attributes rather than page CSS, so a figure copied out of the page looks the same;
        // the page scales figures down to its width (viewBox keeps the proportions).
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escapeHTML(label))\" font-family=\"system-ui, sans-serif\" font-size=\"11\">\n"
    }

    // MARK: line plot

    /// Series colours by meaning: train and test always in the same two colours, others in order.
    static func seriesColour(_ name: String, _ index: Int) -> String {
        switch name {
        case "train": return colour(0)
        case "test": return colour(1)
        default: return colour(index)
        }
    }

    static func isWhole(_ values: [Double]) -> Bool {
        values.allSatisfy { !$0.isFinite || ($0 == $0.rounded() && abs($0) < 1e15) }
    }

    /// One polyline per run of finite points of each series (a lone point is a dot). The legend
    /// names every series unless the one series is the plot's own quantity.
    static func linePlot(_ plot: LinePlot) -> String {
        let points = plot.series.flatMap(\.points)
        var xRange = range(points.map(\.x), pad: 0)
        let xs = points.map(\.x).filter(\.isFinite)
        if xs.min() == xs.max(), let x = xs.first { xRange = (x - 1, x + 1) }
        let named = plot.series.count > 1 || plot.series.contains { $0.name == "train" || $0.name == "test" }
        let entries = named ? plot.series.enumerated().map { (name: $0.element.name, colour: seriesColour($0.element.name, $0.offset)) } : []
        let frame = Frame(xRange: xRange, yRange: range(points.map(\.y), pad: 0.05), xInteger: isWhole(points.map(\.x)),
                          yInteger: isWhole(points.map(\.y)), legendRows: legendRows(entries).count)
        var out = open(width: Frame.width, height: Frame.height, label: plot.title)
        out += axes(frame, xLabel: plot.xLabel, yLabel: plot.yLabel)
        for (i, series) in plot.series.enumerated() {
            let colour = seriesColour(series.name, i)
            var runs: [[LinePlot.Point]] = [[]]
            for p in series.points {
                if p.x.isFinite && p.y.isFinite { runs[runs.count - 1].append(p) } else if !(runs.last?.isEmpty ?? true) { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    out += "<circle cx=\"\(f(frame.px(run[0].x)))\" cy=\"\(f(frame.py(run[0].y)))\" r=\"2.5\" fill=\"\(colour)\"/>\n"
                } else {
                    let coordinates = run.map { "\(f(frame.px($0.x))),\(f(frame.py($0.y)))" }.joined(separator: " ")
                    out += "<polyline class=\"line\" fill=\"none\" stroke-width=\"1.6\" stroke=\"\(colour)\" points=\"\(coordinates)\"/>\n"
                }
            }
        }
        out += legend(entries, frame: frame)
        return out + "</svg>"
    }

    // MARK: scatter plot

    static func scatter(_ plot: ScatterPlot) -> String {
        let labels = Set(plot.points.compactMap(\.label)).sorted()
        let entries = labels.map { label in
            let name = plot.classNames.flatMap { label >= 0 && label < $0.count ? $0[label] : nil } ?? String(label)
            return (name: name, colour: colour(label))
        }
        let frame = Frame(xRange: range(plot.points.map(\.x), pad: 0.05), yRange: range(plot.points.map(\.y), pad: 0.05),
                          legendRows: entries.count > 1 ? legendRows(entries).count : 0)
        var out = open(width: Frame.width, height: Frame.height, label: plot.title)
        out += axes(frame, xLabel: plot.xLabel, yLabel: plot.yLabel)
        for p in plot.points where p.x.isFinite && p.y.isFinite {
            out += "<circle cx=\"\(f(frame.px(p.x)))\" cy=\"\(f(frame.py(p.y)))\" r=\"3\" fill=\"\(p.label.map(colour) ?? "#999999")\" fill-opacity=\"0.8\"/>\n"
        }
        if entries.count > 1 { out += legend(entries, frame: frame) }
        return out + "</svg>"
    }

    // MARK: confusion heat map

    /// Rows: true class, columns: predicted class; darker blue for larger counts.
    static func heatMap(_ m: ConfusionMatrix) -> String {
        let k = max(m.counts.count, m.counts.map(\.count).max() ?? 0)
        guard k > 0 else { return "" }
        let cell = max(4, min(36, (360 / Double(k)).rounded(.down)))
        let left = 56.0, top = 40.0
        let size = cell * Double(k)
        let largest = max(1, m.counts.flatMap { $0 }.max() ?? 1)
        func name(_ i: Int) -> String { m.classNames.flatMap { i < $0.count ? $0[i] : nil } ?? String(i) }
        var out = open(width: left + size + 8, height: top + size + 8, label: "confusion matrix")
        out += "<text class=\"label\" x=\"\(f(left + size / 2))\" y=\"12\" text-anchor=\"middle\">predicted</text>\n"
        out += "<text class=\"label\" transform=\"translate(12 \(f(top + size / 2))) rotate(-90)\" text-anchor=\"middle\">true</text>\n"
        let showText = cell >= 18
        for i in 0..<k {
            if showText {
                out += "<text class=\"tick\" x=\"\(f(left + cell * (Double(i) + 0.5)))\" y=\"\(f(top - 6))\" text-anchor=\"middle\">\(escapeHTML(name(i)))</text>"
                out += "<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(top + cell * (Double(i) + 0.5)))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(escapeHTML(name(i)))</text>\n"
            }
            for j in 0..<k {
                let count = i < m.counts.count && j < m.counts[i].count ? m.counts[i][j] : 0
                let t = min(1, max(0, Double(count) / Double(largest)))
                // White to #08519c.
                let r = Int((255 - t * (255 - 8)).rounded()), g = Int((255 - t * (255 - 81)).rounded()), b = Int((255 - t * (255 - 156)).rounded())
                let x = left + cell * Double(j), y = top + cell * Double(i)
                out += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(hex(r, g, b))\" stroke=\"#dddddd\"><title>true \(escapeHTML(name(i))), predicted \(escapeHTML(name(j))): \(count)</title></rect>"
                if showText {
                    out += "<text class=\"cell\" x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2))\" text-anchor=\"middle\" dominant-baseline=\"middle\" fill=\"\(t > 0.5 ? "#ffffff" : "#222222")\">\(count)</text>"
                }
                out += "\n"
            }
        }
        return out + "</svg>"
    }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        "#" + [r, g, b].map { c in
            let s = String(min(255, max(0, c)), radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    // MARK: image grid

    /// Each row: its label, then its images left to right. Pixels of equal grey
    /// along a line are merged into one rectangle; white pixels are the background.
    static func imageGrid(_ grid: ImageGrid) -> String {
        // Each row's label above its images (not beside them: the images keep the width on a phone).
        let labelWidth = 0.0, gap = 8.0, labelHeight = 16.0
        // The grey scale spans the images that will be drawn (not those of a wrong size).
        let values = grid.rows.flatMap { row in
            row.images.filter { row.height > 0 && row.width > 0 && $0.count == row.height * row.width }.flatMap { $0 }
        }.filter(\.isFinite)
        let lo = Double(values.min() ?? 0), hi = Double(values.max() ?? 1)
        let scale = hi > lo ? hi - lo : 1
        var rowsSVG = ""
        var y = 4.0, width = 120.0
        for row in grid.rows {
            let h = max(row.height, 1), w = max(row.width, 1)
            let pixel = max(1, min(max(h, w) <= 4 ? 16 : 12, (96 / Double(max(h, w))).rounded(.down)))   // small filters stay visible
            let imageHeight = pixel * Double(h), imageWidth = pixel * Double(w)
            rowsSVG += "<text class=\"label\" x=\"0\" y=\"\(f(y + 11))\">\(escapeHTML(row.label))</text>\n"
            y += labelHeight
            for (index, image) in row.images.enumerated() {
                let x0 = labelWidth + Double(index) * (imageWidth + gap)
                rowsSVG += "<rect class=\"image\" fill=\"#ffffff\" stroke=\"#bbbbbb\" x=\"\(f(x0))\" y=\"\(f(y))\" width=\"\(f(imageWidth))\" height=\"\(f(imageHeight))\"/>"
                guard row.height > 0, row.width > 0, image.count == row.height * row.width else {
                    // A wrong size is drawn as a crossed box instead of guessing a layout.
                    rowsSVG += "<line class=\"bad\" stroke=\"#d62728\" x1=\"\(f(x0))\" y1=\"\(f(y))\" x2=\"\(f(x0 + imageWidth))\" y2=\"\(f(y + imageHeight))\"/>\n"
                    continue
                }
                for r in 0..<row.height {
                    var c = 0
                    while c < row.width {
                        let grey = greyLevel(image[r * row.width + c], lo: lo, scale: scale)
                        var end = c + 1
                        while end < row.width && greyLevel(image[r * row.width + end], lo: lo, scale: scale) == grey { end += 1 }
                        if grey < 255 {
                            rowsSVG += "<rect x=\"\(f(x0 + Double(c) * pixel))\" y=\"\(f(y + Double(r) * pixel))\" width=\"\(f(Double(end - c) * pixel))\" height=\"\(f(pixel))\" fill=\"\(hex(grey, grey, grey))\"/>"
                        }
                        c = end
                    }
                }
                if let marks = row.marks, index < marks.count, marks[index].count == row.height * row.width {
                    for (p, marked) in marks[index].enumerated() where marked {
                        rowsSVG += "<rect x=\"\(f(x0 + Double(p % row.width) * pixel + 0.5))\" y=\"\(f(y + Double(p / row.width) * pixel + 0.5))\" width=\"\(f(pixel - 1))\" height=\"\(f(pixel - 1))\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"1.2\"/>"
                    }
                }
                rowsSVG += "\n"
                width = max(width, x0 + imageWidth)
            }
            y += imageHeight + gap
        }
        return open(width: width + 4, height: y, label: grid.title) + rowsSVG + "</svg>"
    }

    /// 255 (white) for the grid's smallest value, 0 (black) for the largest; non-finite values mid grey.
    static func greyLevel(_ v: Float, lo: Double, scale: Double) -> Int {
        guard v.isFinite else { return 128 }
        return 255 - Int((255 * min(1, max(0, (Double(v) - lo) / scale))).rounded())
    }
}
