import Foundation
import NNCIR
import NNCSpec

/// What `nnc run --out DIR` writes, as one set (`OutputSet`): model.safetensors,
/// metrics.json, spec.resolved.yaml, codes.csv for autoencoders and PCA (and report.html).
public enum OutputFiles {
    public static func ensureDirectory(_ path: String) throws { try NNCRuntime.ensureDirectory(path) }

    /// Before training: can `directory` take the outputs? (`OutputSet.probe`)
    public static func probe(_ directory: String) throws { try OutputSet.probe(directory) }

    /// Returns the paths written, the report first.
    /// - version: the nnc version, recorded in model.safetensors (see `ModelFile`).
    @discardableResult
    public static func write(_ result: RunResult, graph: Graph?, to directory: String, version: String = "unknown") throws -> [String] {
        var names: [String] = []
        try OutputSet.commit(to: directory) { staging in names = try writeFiles(result, graph: graph, to: staging, version: version) }
        let folder = directory.hasSuffix("/") ? directory : directory + "/"
        return names.map { folder + $0 }
    }

    /// Each file of the set into `directory` (a staging folder); returns their names, the report first.
    static func writeFiles(_ result: RunResult, graph: Graph?, to directory: String, version: String) throws -> [String] {
        let defaults = result.spec.evaluate?.metrics == nil ? result.final.entries.map(\.name) : nil
        let resolved = resolvedSpecYAML(result.spec, graph: graph, defaultMetrics: defaults)
        let tensors = result.parameters.map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values) }
        try SafeTensors.write(tensors: tensors, metadata: ModelFile.metadata(result, graph: graph, resolvedSpec: resolved, version: version),
                              to: directory + "/model.safetensors")
        try MetricsFile.write(result.runHistory, to: directory + "/metrics.json")
        try writeAtomically(text: resolved, to: directory + "/spec.resolved.yaml")
        var files = ["metrics.json", "model.safetensors", "spec.resolved.yaml"]
        if let autoencoder = result.autoencoder {
            try writeAtomically(text: CodesFile.csv(autoencoder), to: directory + "/codes.csv")
            files.append("codes.csv")
        }
        try Report.write(report(result, resolvedSpec: resolved, graph: graph), to: directory + "/report.html")
        return ["report.html"] + files
    }

    /// The report's content: curves and confusion from the metrics, the notes, and the run's figures.
    public static func report(_ result: RunResult, resolvedSpec: String?, graph: Graph? = nil) -> ReportContent {
        var content = ReportContent(specName: result.spec.name, description: result.spec.description,
                                    history: result.runHistory)
        content.notes = result.notes
        content.confusion?.classNames = result.data.train.classNames   // CSV label names, iris species, ...
        content.truthTables = result.figures.truthTables
        content.imageGrids = result.figures.imageGrids
        content.scatterPlots = result.figures.scatterPlots
        content.decision = result.figures.decision
        content.sequencePlots = result.figures.sequencePlots
        if let ae = result.autoencoder {
            if let images = ae.examples {
                content.imageGrids.append(ImageGrid(title: images.rows.map(\.label).joined(separator: " / "), rows: images.rows.map {
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
        content.facts = reportFacts(result)
        ReportKinds.fill(&content, result: result, graph: graph)
        return content
    }

    /// The report's "Run" table.
    static func reportFacts(_ result: RunResult) -> [(name: String, value: String)] {
        var facts: [(name: String, value: String)] = []
        if let f = result.facts {
            facts += [("nnc", f.version), ("date", f.date), ("duration", String(format: "%.2f s", f.seconds)),
                      ("seed", String(f.seed)), ("threads", String(f.threads)), ("parameters", String(f.parameters)),
                      ("training examples", String(f.trainExamples))]
            if let t = f.testExamples { facts.append(("test examples", String(t))) }
            facts.append(("rule", f.rule))
        }
        if let t = result.training {
            facts.append(("training", RunSummary.closingLine(t, result.facts)))
        }
        if let f = result.facts, !f.commandLine.isEmpty { facts.append(("command", f.commandLine)) }
        return facts
    }

    /// The `final` object of metrics.json on one line (`nnc run --format json`).
    public static func finalJSON(_ result: RunResult) -> String { MetricsFile.finalJSON(result.runHistory) }
}

extension RunResult {
    /// What metrics.json and the report show: epochs, final metrics, facts, how training ended.
    public var runHistory: RunHistory {
        RunHistory(epochs: history, final: final.entries, facts: facts, training: training)
    }
}

/// The text `nnc run` prints at the end.
public enum RunSummary {
    public static func text(_ result: RunResult) -> String {
        let count = result.evaluatedOn == "test" ? result.data.test?.count ?? 0 : result.data.train.count
        var out = result.training.map { closingLine($0, result.facts) + "\n" } ?? ""
        out += "\(result.spec.name): evaluated on \(result.evaluatedOn) (\(count) examples)\n"
        let width = result.final.entries.map(\.name.count).max() ?? 0
        for (name, value) in result.final.entries {
            let pad = String(repeating: " ", count: width - name.count)
            switch value {
            case .matrix(let m):
                out += "  \(name):\(pad)\n" + matrixText(m, indent: "    ", names: result.data.train.classNames)
            default:
                out += "  \(name)\(pad)  \(value.display)\n"
            }
        }
        for note in result.notes { out += note.hasSuffix("\n") ? note : note + "\n" }
        return out
    }

    /// "trained 911 of 2000 epochs in 0.31 s; stopped early at epoch 911 by `stop: {loss: 0.001}`".
    static func closingLine(_ t: TrainingOutcome, _ facts: RunFacts?) -> String {
        let epochs = t.epochsRun == t.epochsPlanned ? "\(t.epochsRun)" : "\(t.epochsRun) of \(t.epochsPlanned)"
        var line = "trained \(epochs) epoch\(t.epochsPlanned == 1 ? "" : "s")"
        if let seconds = t.seconds {
            line += " in " + (seconds < 1 ? String(format: "%.0f ms", seconds * 1000)
                              : String(format: seconds < 10 ? "%.2f s" : "%.1f s", seconds))
        }
        if let reason = t.stopReason {
            line += "; stopped early at epoch \(t.epochsRun) by \(reason)"
        } else if let converged = t.converged {
            line += converged ? "; converged" : "; did not converge"
        }
        if let best = t.bestEpoch { line += "; the outputs hold the weights of epoch \(best), the best" }
        return line
    }

    /// Rows are the true classes, columns the predicted ones; with class names (a CSV's
    /// string labels) each row starts with its name and a header names the columns.
    static func matrixText(_ m: [[Int]], indent: String, names: [String]? = nil) -> String {
        let labels = names.flatMap { $0.count == m.count ? $0 : nil }
        let width = max(1, (m.flatMap { $0 }.map { String($0).count } + (labels?.map(\.count) ?? [])).max() ?? 1)
        func cell(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let rowLabel = (labels?.map(\.count).max() ?? 0)
        func lead(_ text: String) -> String { labels == nil ? "" : text + String(repeating: " ", count: rowLabel - text.count) + "  " }
        var lines = m.enumerated().map { i, row in indent + lead(labels?[i] ?? "") + row.map { cell(String($0)) }.joined(separator: " ") }
        if let labels { lines.insert(indent + lead("") + labels.map(cell).joined(separator: " "), at: 0) }
        return lines.joined(separator: "\n") + "\n"
    }
}
