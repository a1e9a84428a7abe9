import Foundation
import NNCIR
import NNCSpec

/// What `nnc run --out DIR` writes, each file atomically: model.safetensors,
/// metrics.json, spec.resolved.yaml, codes.csv for autoencoders and PCA (and report.html).
public enum OutputFiles {
    public static func ensureDirectory(_ path: String) throws { try NNCRuntime.ensureDirectory(path) }

    public static func write(_ result: RunResult, graph: Graph?, to directory: String) throws {
        try ensureDirectory(directory)
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
        content.confusion?.classNames = result.data.train.classNames   // CSV label names, iris species, ...
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

/// A training checkpoint as a safetensors file: the parameters, the optimizer
/// state, and where training stood (metadata), so `--resume` continues exactly.
public enum CheckpointFile {
    public static func write(_ c: TrainingCheckpoint, to path: String) throws {
        let s = c.state
        // One line per epoch, `epoch=1 loss=0.52 ...`, numbers as Swift prints them (they read back exactly).
        let history = s.history.map { record in
            (["epoch=\(record.epoch)"] + record.metrics.compactMap { m in m.value.scalar.map { "\(m.name)=\($0)" } })
                .joined(separator: " ")
        }.joined(separator: "\n")
        let metadata = [
            "format": "nnc-checkpoint-1", "epoch": String(s.epoch), "batch_in_epoch": String(s.batchInEpoch),
            "updates": String(s.updates), "shuffle_state": String(s.shuffleState), "noise_state": String(s.noiseState),
            "loss_sum": String(s.lossSum), "examples_seen": String(s.examplesSeen), "correct": String(s.correct),
            "counted": String(s.counted), "history": history,
        ]
        try SafeTensors.write(tensors: [NamedTensor(name: "parameters", shape: [c.parameters.count], values: c.parameters),
                                        NamedTensor(name: "optimizer_state", shape: [c.optimizerState.count], values: c.optimizerState)],
                              metadata: metadata, to: path)
    }

    public static func read(path: String) throws -> TrainingCheckpoint {
        let (tensors, metadata) = try SafeTensors.read(path: path)
        func field(_ key: String) throws -> String {
            guard let v = metadata[key] else { throw OutputError(.malformed, "\(path): not an nnc checkpoint (no '\(key)')") }
            return v
        }
        guard metadata["format"] == "nnc-checkpoint-1",
              let params = tensors.first(where: { $0.name == "parameters" }),
              let optimizer = tensors.first(where: { $0.name == "optimizer_state" }) else {
            throw OutputError(.malformed, "\(path): not an nnc checkpoint")
        }
        func int(_ key: String) throws -> Int {
            guard let v = Int(try field(key)), v >= 0 else { throw OutputError(.malformed, "\(path): bad '\(key)'") }
            return v
        }
        func u64(_ key: String) throws -> UInt64 {
            guard let v = UInt64(try field(key)) else { throw OutputError(.malformed, "\(path): bad '\(key)'") }
            return v
        }
        var state = TrainingState()
        state.epoch = try int("epoch")
        state.batchInEpoch = try int("batch_in_epoch")
        state.updates = try int("updates")
        state.shuffleState = try u64("shuffle_state")
        state.noiseState = try u64("noise_state")
        guard let lossSum = Double(try field("loss_sum")) else { throw OutputError(.malformed, "\(path): bad 'loss_sum'") }
        state.lossSum = lossSum
        state.examplesSeen = try int("examples_seen")
        state.correct = try int("correct")
        state.counted = try int("counted")
        state.history = try field("history").split(separator: "\n").map { line in
            var epoch = 0
            var metrics: MetricList = []
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw OutputError(.malformed, "\(path): bad 'history'") }
                if parts[0] == "epoch" {
                    guard let e = Int(parts[1]) else { throw OutputError(.malformed, "\(path): bad 'history'") }
                    epoch = e
                } else {
                    guard let v = Double(parts[1]) else { throw OutputError(.malformed, "\(path): bad 'history'") }
                    metrics.append((name: String(parts[0]), value: .number(v)))
                }
            }
            return EpochRecord(epoch: epoch, metrics: metrics)
        }
        return TrainingCheckpoint(parameters: params.values, optimizerState: optimizer.values, state: state)
    }
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
