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

    /// A plotting frame mapping data coordinates to pixels.
    struct Frame {
        static let width = 480.0, height = 300.0
        static let left = 64.0, right = 16.0, top = 16.0, bottom = 44.0
        var xRange: (lo: Double, hi: Double)
        var yRange: (lo: Double, hi: Double)

        var plotWidth: Double { Self.width - Self.left - Self.right }
        var plotHeight: Double { Self.height - Self.top - Self.bottom }
        func px(_ x: Double) -> Double { Self.left + (x - xRange.lo) / (xRange.hi - xRange.lo) * plotWidth }
        func py(_ y: Double) -> Double { Self.top + (yRange.hi - y) / (yRange.hi - yRange.lo) * plotHeight }
    }

    /// The range of the finite values, widened when empty or a single value;
    /// `pad` adds a fraction of the span on both sides.
    static func range(_ values: [Double], pad: Double) -> (lo: Double, hi: Double) {
        let finite = values.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return (0, 1) }
        if lo == hi {
            let half = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= half
            hi += half
        }
        let span = hi - lo
        guard span.isFinite else { return (lo, hi) }
        return (lo - pad * span, hi + pad * span)
    }

    /// Round tick values inside the range (about `count` of them).
    static func ticks(_ range: (lo: Double, hi: Double), count: Int = 5) -> [Double] {
        let span = range.hi - range.lo
        guard span.isFinite, span > 0 else { return [range.lo] }
        let raw = span / Double(count)
        let magnitude = pow(10, floor(log10(raw)))
        let normalized = raw / magnitude
        let step = (normalized < 1.5 ? 1 : normalized < 3 ? 2 : normalized < 7 ? 5 : 10) * magnitude
        let first = (range.lo / step).rounded(.up)
        let last = (range.hi / step).rounded(.down)
        guard first.isFinite, last.isFinite, last >= first, last - first <= 50 else { return [range.lo, range.hi] }
        return stride(from: first, through: last, by: 1).map { $0 * step }
    }

    /// A tick label: whole numbers plainly, others with as many digits as the step needs.
    static func tickLabel(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e6 || abs(v) < 1e-4 { return String(format: "%.2g", v) }
        let decimals = step > 0 && step.isFinite ? max(0, min(6, -Int(floor(log10(step) + 1e-9)))) : 2
        return String(format: "%.\(decimals)f", v)
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The frame, grid lines, tick labels and axis labels.
    static func axes(_ frame: Frame, xLabel: String, yLabel: String) -> String {
        var out = "<rect class=\"plot\" fill=\"#ffffff\" stroke=\"#999999\" x=\"\(f(Frame.left))\" y=\"\(f(Frame.top))\" width=\"\(f(frame.plotWidth))\" height=\"\(f(frame.plotHeight))\"/>\n"
        let xTicks = ticks(frame.xRange), yTicks = ticks(frame.yRange)
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 0
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 0
        let bottom = Frame.top + frame.plotHeight
        for t in xTicks {
            let x = f(frame.px(t))
            out += "<line class=\"grid\" stroke=\"#eeeeee\" x1=\"\(x)\" y1=\"\(f(Frame.top))\" x2=\"\(x)\" y2=\"\(f(bottom))\"/>"
            out += "<text class=\"tick\" x=\"\(x)\" y=\"\(f(bottom + 14))\" text-anchor=\"middle\">\(tickLabel(t, step: xStep))</text>\n"
        }
        for t in yTicks {
            let y = f(frame.py(t))
            out += "<line class=\"grid\" stroke=\"#eeeeee\" x1=\"\(f(Frame.left))\" y1=\"\(y)\" x2=\"\(f(Frame.left + frame.plotWidth))\" y2=\"\(y)\"/>"
            out += "<text class=\"tick\" x=\"\(f(Frame.left - 4))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(tickLabel(t, step: yStep))</text>\n"
        }
        out += "<text class=\"label\" font-size=\"12\" x=\"\(f(Frame.left + frame.plotWidth / 2))\" y=\"\(f(Frame.height - 6))\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>\n"
        out += "<text class=\"label\" font-size=\"12\" transform=\"translate(14 \(f(Frame.top + frame.plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeHTML(yLabel))</text>\n"
        return out
    }

    /// Colour swatches with names, top right inside the frame.
    static func legend(_ entries: [(name: String, colour: String)], frame: Frame) -> String {
        guard entries.count > 1 else { return "" }
        let x = Frame.left + frame.plotWidth - 120
        // A light box keeps the names readable over the lines.
        var out = "<rect x=\"\(f(x - 6))\" y=\"\(f(Frame.top + 4))\" width=\"120\" height=\"\(f(16 * Double(entries.count) + 4))\" fill=\"#ffffff\" fill-opacity=\"0.85\"/>\n"
        for (i, entry) in entries.enumerated() {
            let y = Frame.top + 14 + 16 * Double(i)
            out += "<rect x=\"\(f(x))\" y=\"\(f(y - 5))\" width=\"10\" height=\"10\" fill=\"\(entry.colour)\"/>"
            out += "<text class=\"legend\" dominant-baseline=\"middle\" x=\"\(f(x + 14))\" y=\"\(f(y))\">\(escapeHTML(entry.name))</text>\n"
        }
        return out
    }

    static func open(width: Double, height: Double, label: String) -> String {
        // Presentation attributes rather than page CSS, so a figure copied out of the page looks the same.
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"\(escapeHTML(label))\" font-family=\"system-ui, sans-serif\" font-size=\"11\">\n"
    }

    // MARK: line plot

    /// One polyline per run of finite points of each series (a lone point is a dot).
    static func linePlot(_ plot: LinePlot) -> String {
        let points = plot.series.flatMap(\.points)
        var xRange = range(points.map(\.x), pad: 0)
        if points.map(\.x).filter(\.isFinite).min() == points.map(\.x).filter(\.isFinite).max() {
            xRange = range(points.map(\.x), pad: 0.5)
        }
        let frame = Frame(xRange: xRange, yRange: range(points.map(\.y), pad: 0.05))
        var out = open(width: Frame.width, height: Frame.height, label: plot.title)
        out += axes(frame, xLabel: plot.xLabel, yLabel: plot.yLabel)
        for (i, series) in plot.series.enumerated() {
            var runs: [[LinePlot.Point]] = [[]]
            for p in series.points {
                if p.x.isFinite && p.y.isFinite { runs[runs.count - 1].append(p) } else if !(runs.last?.isEmpty ?? true) { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                if run.count == 1 {
                    out += "<circle cx=\"\(f(frame.px(run[0].x)))\" cy=\"\(f(frame.py(run[0].y)))\" r=\"2.5\" fill=\"\(colour(i))\"/>\n"
                } else {
                    let coordinates = run.map { "\(f(frame.px($0.x))),\(f(frame.py($0.y)))" }.joined(separator: " ")
                    out += "<polyline class=\"line\" fill=\"none\" stroke-width=\"1.6\" stroke=\"\(colour(i))\" points=\"\(coordinates)\"/>\n"
                }
            }
        }
        out += legend(plot.series.enumerated().map { (name: $0.element.name, colour: colour($0.offset)) }, frame: frame)
        return out + "</svg>"
    }

    // MARK: scatter plot

    static func scatter(_ plot: ScatterPlot) -> String {
        let frame = Frame(xRange: range(plot.points.map(\.x), pad: 0.05), yRange: range(plot.points.map(\.y), pad: 0.05))
        var out = open(width: Frame.width, height: Frame.height, label: plot.title)
        out += axes(frame, xLabel: plot.xLabel, yLabel: plot.yLabel)
        for p in plot.points where p.x.isFinite && p.y.isFinite {
            out += "<circle cx=\"\(f(frame.px(p.x)))\" cy=\"\(f(frame.py(p.y)))\" r=\"3\" fill=\"\(p.label.map(colour) ?? "#999999")\" fill-opacity=\"0.8\"/>\n"
        }
        let labels = Set(plot.points.compactMap(\.label)).sorted()
        out += legend(labels.map { label in
            let name = plot.classNames.flatMap { label >= 0 && label < $0.count ? $0[label] : nil } ?? String(label)
            return (name: name, colour: colour(label))
        }, frame: frame)
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
        let labelWidth = 104.0, gap = 8.0
        // The grey scale spans the images that will be drawn (not those of a wrong size).
        let values = grid.rows.flatMap { row in
            row.images.filter { row.height > 0 && row.width > 0 && $0.count == row.height * row.width }.flatMap { $0 }
        }.filter(\.isFinite)
        let lo = Double(values.min() ?? 0), hi = Double(values.max() ?? 1)
        let scale = hi > lo ? hi - lo : 1
        var rowsSVG = ""
        var y = 4.0, width = labelWidth
        for row in grid.rows {
            let h = max(row.height, 1), w = max(row.width, 1)
            let pixel = max(1, min(12, (96 / Double(max(h, w))).rounded(.down)))
            let imageHeight = pixel * Double(h), imageWidth = pixel * Double(w)
            rowsSVG += "<text class=\"label\" x=\"0\" y=\"\(f(y + imageHeight / 2))\" dominant-baseline=\"middle\">\(escapeHTML(row.label))</text>\n"
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
