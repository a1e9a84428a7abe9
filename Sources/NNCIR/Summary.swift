import NNCSpec

/// `nnc summary`: the compiled network as a table.
public struct SummaryRow: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var shape: String
    public var parameters: Int
    public var multiplyAdds: SymbolicCount
    public var rule: String
}

public enum Summary {
    public static func rows(_ graph: Graph, train: TrainSpec?) -> [SummaryRow] {
        graph.nodes.map { node in
            let trainedBy: String
            if node.parameters > 0 && node.hasParameters {
                trainedBy = train.map { $0.rule.rawValue } ?? "fixed"
            } else {
                trainedBy = "-"
            }
            return SummaryRow(name: node.name, kind: node.op.kindName, shape: node.shape.map(describe) ?? "?",
                              parameters: node.parameters, multiplyAdds: node.multiplyAdds, rule: trainedBy)
        }
    }

    /// The table with a totals line, columns aligned.
    public static func table(_ result: CheckResult) -> String? {
        guard let graph = result.graph, let spec = result.spec else { return nil }
        let rows = Self.rows(graph, train: spec.train)
        var macs = 0
        var symbols = Set<String>()
        for r in rows {
            macs = macs.addingReportingOverflow(r.multiplyAdds.value).partialValue
            if let s = r.multiplyAdds.symbol { symbols.insert(s) }
        }
        let totalMACs = SymbolicCount(value: macs, symbol: symbols.count == 1 ? symbols.first : nil)
        var table = [["layer", "kind", "output shape", "parameters", "multiply-adds", "rule"]]
        table += rows.map { [$0.name, $0.kind, $0.shape, formatCount($0.parameters), $0.multiplyAdds.description, $0.rule] }
        table.append(["total", "", "", formatCount(graph.totalParameters), totalMACs.description, ""])
        let widths = (0..<6).map { c in table.map { $0[c].count }.max() ?? 0 }
        let numeric: Set<Int> = [3, 4]
        var lines: [String] = ["\(spec.name): \(rows.count - 1) layer\(rows.count == 2 ? "" : "s"), input \(rows.first?.shape ?? "?")"]
        for (i, row) in table.enumerated() {
            if i == table.count - 1 || i == 1 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
            let cells = row.enumerated().map { c, text in
                let pad = String(repeating: " ", count: widths[c] - text.count)
                return numeric.contains(c) ? pad + text : text + pad
            }
            lines.append(cells.joined(separator: "  ").trimmingTrailingSpaces())
        }
        if let symbol = totalMACs.symbol { lines.append("multiply-adds per example; ·\(symbol) grows with the sequence length \(symbol)") }
        else { lines.append("multiply-adds per example (forward)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
