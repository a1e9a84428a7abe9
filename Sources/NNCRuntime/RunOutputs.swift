import Foundation
import NNCIR
import NNCSpec

/// What `nnc run --out DIR` writes, as one set (`OutputSet`): model.safetensors,
/// metrics.json, spec.resolved.yaml, codes.csv for autoencoders and PCA (and report.html).
public enum OutputFiles {
    public static func ensureDirectory(_ path: String) throws { try NNCRuntime.ensureDirectory(path) }

    /// Before training: can `directory` take the outputs? (`OutputSet.probe`)
    public static func probe(_ directory: String) throws { try OutputSet.probe(directory) }

    public static func write(_ result: RunResult, graph: Graph?, to directory: String) throws {
        try OutputSet.commit(to: directory) { staging in try writeFiles(result, graph: graph, to: staging) }
    }

    /// Each file of the set into `directory` (a staging folder).
    static func writeFiles(_ result: RunResult, graph: Graph?, to directory: String) throws {
        let tensors = result.parameters.map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values) }
        try SafeTensors.write(tensors: tensors, metadata: ["format": "pt", "producer": "nnc", "spec": result.spec.name],
                              to: directory + "/model.safetensors")
        try MetricsFile.write(RunHistory(epochs: result.history, final: result.final.entries), to: directory + "/metrics.json")
        let defaults = result.spec.evaluate?.metrics == nil ? result.final.entries.map(\.name) : nil
        let resolved = resolvedSpecYAML(result.spec, graph: graph, defaultMetrics: defaults)
        try writeAtomically(text: resolved, to: directory + "/spec.resolved.yaml")
        if let autoencoder = result.autoencoder {
            try writeAtomically(text: CodesFile.csv(autoencoder), to: directory + "/codes.csv")
        }
        try Report.write(report(result, resolvedSpec: resolved), to: directory + "/report.html")
    }

    /// The report's content: curves and confusion from the metrics, the notes, and the run's figures.
    public static func report(_ result: RunResult, resolvedSpec: String?) -> ReportContent {
        var content = ReportContent(specName: result.spec.name, description: result.spec.description,
                                    history: RunHistory(epochs: result.history, final: result.final.entries))
        content.notes = result.notes
        content.truthTables = result.figures.truthTables
        content.imageGrids = result.figures.imageGrids
        content.scatterPlots = result.figures.scatterPlots
        if let ae = result.autoencoder {
            if let images = ae.examples {
                content.imageGrids.append(ImageGrid(title: "original / corrupted / reconstructed", rows: images.rows.map {
                    ImageGrid.Row(label: $0.label, images: $0.images, height: images.height, width: images.width)
                }))
            }
            content.scatterPlots += ae.scatter.map { s in
                ScatterPlot(title: s.title, xLabel: s.xLabel, yLabel: s.yLabel,
                            points: s.points.map { ScatterPlot.Point(x: $0.x, y: $0.y, label: $0.label) },
                            classNames: result.data.train.classNames)
            }
        }
        if !result.figures.energyTraces.isEmpty { content.energy = LinePlot.energy(result.figures.energyTraces) }
        content.specText = resolvedSpec
        return content
    }

    /// The `final` object of metrics.json on one line (`nnc run --format json`).
    public static func finalJSON(_ result: RunResult) -> String { MetricsFile.finalJSON(result.final.entries) }
}

/// The text `nnc run` prints at the end.
public enum RunSummary {
    public static func text(_ result: RunResult) -> String {
        let count = result.evaluatedOn == "test" ? result.data.test?.count ?? 0 : result.data.train.count
        var out = "\(result.spec.name): evaluated on \(result.evaluatedOn) (\(count) examples)\n"
        let width = result.final.entries.map(\.name.count).max() ?? 0
        for (name, value) in result.final.entries {
            let pad = String(repeating: " ", count: width - name.count)
            switch value {
            case .matrix(let m):
                out += "  \(name):\(pad)\n" + matrixText(m, indent: "    ")
            default:
                out += "  \(name)\(pad)  \(value.display)\n"
            }
        }
        for note in result.notes { out += note.hasSuffix("\n") ? note : note + "\n" }
        return out
    }

    static func matrixText(_ m: [[Int]], indent: String) -> String {
        let width = max(1, m.flatMap { $0 }.map { String($0).count }.max() ?? 1)
        return m.map { row in indent + row.map { String(repeating: " ", count: width - String($0).count) + String($0) }.joined(separator: " ") }
            .joined(separator: "\n") + "\n"
    }
}
