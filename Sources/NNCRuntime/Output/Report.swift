import Foundation

/// `report.html`: one self-contained page (inline CSS and SVG; no scripts, no
/// network) drawing the sections of a `ReportContent` that are present, in
/// this order: title, description and notes; the final metrics; training
/// curves; the confusion matrix; truth tables; image figures; scatter plots;
/// the energy trace; the resolved spec. The markup is well-formed XML (void
/// elements self-closed), every text is escaped, and equal content gives
/// equal bytes (no dates, no random ids).
public enum Report {
    /// The page's text.
    public static func html(_ content: ReportContent) -> String {
        var body = "<header>\n<h1>\(escapeHTML(content.title))</h1>\n"
        body += "<p class=\"name\">spec <code>\(escapeHTML(content.specName))</code></p>\n"
        if let description = content.description, !description.isEmpty {
            body += "<p class=\"description\">\(escapeHTML(description.trimmingCharacters(in: .whitespacesAndNewlines)))</p>\n"
        }
        // One-line notes as a list. Multi-line ones are the terminal's tables, grids and ASCII
        // plots: the page draws them as tables and figures instead.
        let lines = content.notes.filter { note in
            !note.contains("\n") && !note.unicodeScalars.contains { (0x2580...0x259F).contains($0.value) }   // no sparklines
        }
        if !lines.isEmpty {
            body += "<ul class=\"notes\">\n" + lines.map { "<li>\(escapeHTML($0))</li>\n" }.joined() + "</ul>\n"
        }
        body += "</header>\n"

        if !content.facts.isEmpty {
            body += section("Run", factsTable(content.facts))
        }
        if !content.finalMetrics.isEmpty {
            body += section("Evaluation", metricsTable(content.finalMetrics))
        }
        let plots = content.trainingPlots + content.extraPlots
        if !plots.isEmpty {
            body += section("Training", figures(plots.map { ($0.title, ReportSVG.linePlot($0)) }))
        }
        if let confusion = content.confusion, !confusion.counts.isEmpty {
            body += section("Confusion matrix", figures([("rows: true class, columns: predicted class", ReportSVG.heatMap(confusion))]))
        }
        if !content.truthTables.isEmpty {
            body += section("Truth table" + (content.truthTables.count > 1 ? "s" : ""),
                            content.truthTables.map(truthTable).joined())
        }
        if !content.imageGrids.isEmpty {
            body += section("Images", content.imageGrids.map { grid in
                figures([(grid.title, ReportSVG.imageGrid(grid))])
            }.joined())
        }
        if !content.scatterPlots.isEmpty {
            body += section("Codes", figures(content.scatterPlots.map { ($0.title, ReportSVG.scatter($0)) }))
        }
        if !content.sequencePlots.isEmpty {
            body += section("One sequence", figures(content.sequencePlots.map { ($0.title, ReportSVG.linePlot($0)) }))
        }
        if let decision = content.decision {
            body += section("Decision regions", figures([("the model over the inputs (training examples as dots)", ReportSVG.decisionMap(decision))]))
        }
        if !content.weightMaps.isEmpty {
            body += section("Weights", figures(content.weightMaps.map { ($0.title, ReportSVG.weightMap($0)) }))
        }
        if !content.unitDiagrams.isEmpty {
            body += section("Units", figures(content.unitDiagrams.map { ($0.title, ReportSVG.unitDiagram($0)) }))
        }
        if let energy = content.energy {
            body += section("Energy", figures([(energy.title, ReportSVG.linePlot(energy))]))
        }
        if !content.model.isEmpty {
            body += section("Model", "<div class=\"figures\">\n<div>" + modelTable(content.model) + "</div>\n"
                            + figures([("layer graph", ReportSVG.layerDiagram(content.model))]) + "</div>\n")
        }
        if let spec = content.specText {
            body += section("Spec", "<details>\n<summary>the spec with every default filled in</summary>\n<pre>\(escapeHTML(spec))</pre>\n</details>\n")
        }

        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(escapeHTML(content.title))</title>
        <style>
        \(style)
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// Writes the page atomically.
    public static func write(_ content: ReportContent, to path: String) throws {
        try writeAtomically(text: html(content), to: path)
    }

    // MARK: parts

    static let style = """
    body { font: 14px/1.45 system-ui, sans-serif; color: #222; max-width: 1040px; margin: 24px auto; padding: 0 16px; }
    h1 { font-size: 22px; margin: 0 0 4px; }
    h2 { font-size: 17px; border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 28px; }
    .description { white-space: pre-line; color: #444; }
    .notes li { color: #8a4b00; }
    pre.note { font-size: 12px; line-height: 1.2; background: #fafafa; border: 1px solid #eee; padding: 8px; overflow-x: auto; }
    table { border-collapse: collapse; margin: 8px 0 16px; }
    th, td { border: 1px solid #ddd; padding: 3px 10px; text-align: right; font-variant-numeric: tabular-nums; }
    th { background: #f4f4f4; }
    td.name, th.name { text-align: left; }
    tr.wrong td { background: #fde2e1; }
    .figures { display: flex; flex-wrap: wrap; gap: 16px; }
    figure { margin: 0; max-width: 100%; }
    svg { max-width: 100%; height: auto; }
    table.facts td { text-align: left; }
    table.facts td.value { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
    .table-wrap { overflow-x: auto; max-width: 100%; }
    figcaption { font-weight: 600; margin-bottom: 4px; }
    svg text:not(.cell) { fill: #333; }
    pre { background: #f7f7f7; padding: 10px; overflow-x: auto; font-size: 12px; }
    """

    static func section(_ title: String, _ inner: String) -> String {
        "<section>\n<h2>\(escapeHTML(title))</h2>\n\(inner)</section>\n"
    }

    /// Figures side by side, each with its caption above.
    static func figures(_ items: [(caption: String, svg: String)]) -> String {
        "<div class=\"figures\">\n" + items.map { item in
            "<figure>\n<figcaption>\(escapeHTML(item.caption))</figcaption>\n\(item.svg)\n</figure>\n"
        }.joined() + "</div>\n"
    }

    static func factsTable(_ facts: [(name: String, value: String)]) -> String {
        "<table class=\"facts\">\n<tbody>\n" + facts.map {
            "<tr><th class=\"name\">\(escapeHTML($0.name))</th><td class=\"value\">\(escapeHTML($0.value))</td></tr>\n"
        }.joined() + "</tbody>\n</table>\n"
    }

    /// The `nnc summary` table.
    static func modelTable(_ layers: [ReportLayer]) -> String {
        var out = "<div class=\"table-wrap\"><table class=\"model\">\n<thead><tr><th class=\"name\">layer</th><th class=\"name\">kind</th>"
            + "<th class=\"name\">output shape</th><th>parameters</th><th>multiply-adds</th><th class=\"name\">rule</th></tr></thead>\n<tbody>\n"
        for l in layers {
            out += "<tr><td class=\"name\">\(escapeHTML(l.name))</td><td class=\"name\">\(escapeHTML(l.kind))</td>"
                + "<td class=\"name\">\(escapeHTML(l.shape))</td><td>\(l.parameters)</td><td>\(escapeHTML(l.multiplyAdds))</td>"
                + "<td class=\"name\">\(escapeHTML(l.rule))</td></tr>\n"
        }
        let total = layers.reduce(0) { $0 &+ $1.parameters }
        return out + "<tr><th class=\"name\">total</th><td></td><td></td><td>\(total)</td><td></td><td></td></tr>\n</tbody>\n</table></div>\n"
    }

    static func metricsTable(_ metrics: MetricList) -> String {
        var out = "<table class=\"metrics\">\n<thead><tr><th class=\"name\">metric</th><th>value</th></tr></thead>\n<tbody>\n"
        for (name, value) in metrics {
            out += "<tr><td class=\"name\">\(escapeHTML(name))</td><td>\(escapeHTML(describe(value)))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// A metric as table text; matrices and lists are summarised (they are drawn elsewhere).
    static func describe(_ value: MetricValue) -> String {
        switch value {
        case .number(let d): return formatNumber(d)
        case .integer(let i): return String(i)
        case .matrix(let rows): return "\(rows.count)×\(rows.first?.count ?? 0) matrix"
        case .numbers(let list):
            guard let first = list.first, let last = list.last else { return "no values" }
            return "\(list.count) values, \(formatNumber(first)) → \(formatNumber(last))"
        case .text(let s): return s
        }
    }

    /// Whole numbers plainly, others to 4 significant digits; NaN and ±∞ by name.
    static func formatNumber(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : d > 0 ? "∞" : "−∞" }
        if d == d.rounded() && abs(d) < 1e9 { return String(Int(d)) }
        return String(format: "%.4g", d)
    }

    static func truthTable(_ table: TruthTable) -> String {
        let hasExpected = table.rows.contains { $0.expected != nil }
        var out = "<table class=\"truth\">\n<caption>\(escapeHTML(table.title))</caption>\n<thead><tr>"
        out += table.inputNames.map { "<th>\(escapeHTML($0))</th>" }.joined()
        out += table.outputNames.map { "<th>\(escapeHTML($0))</th>" }.joined()
        if hasExpected { out += table.outputNames.map { "<th>expected \(escapeHTML($0))</th>" }.joined() }
        out += "</tr></thead>\n<tbody>\n"
        for row in table.rows {
            let wrong = row.wrong ?? row.expected.map { $0 != row.outputs } ?? false
            out += wrong ? "<tr class=\"wrong\">" : "<tr>"
            out += row.inputs.map { "<td>\(escapeHTML(formatNumber($0)))</td>" }.joined()
            out += row.outputs.map { "<td>\(escapeHTML(formatNumber($0)))</td>" }.joined()
            if hasExpected {
                out += (row.expected ?? []).map { "<td>\(escapeHTML(formatNumber($0)))</td>" }.joined()
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }
}

/// `s` safe as HTML/XML text and attribute values: & < > " ' escaped.
func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        // Control characters other than tab and line breaks are not allowed in XML.
        case "\u{0}"..."\u{8}", "\u{B}", "\u{C}", "\u{E}"..."\u{1F}", "\u{7F}": out += "\u{FFFD}"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
