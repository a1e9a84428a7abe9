import Foundation
import NNCIR
import NNCSpec

/// The report's figures that depend on the kind of network, from what a run already has
/// (the graph, the learned parameters, the history): the layer table and diagram; first-layer
/// conv filters (CNN); principal components as images and the scree plot (PCA); weight
/// matrices as heat maps (Hopfield, associative memories); threshold units (McCulloch–Pitts).
enum ReportKinds {
    static func fill(_ content: inout ReportContent, result: RunResult, graph: Graph?) {
        if let graph {
            let ids = Dictionary(graph.nodes.enumerated().map { ($0.element.id, $0.offset) }, uniquingKeysWith: { a, _ in a })
            content.model = Summary.rows(graph, train: result.spec.train).enumerated().map { i, row in
                ReportLayer(name: row.name, kind: row.kind, shape: row.shape, parameters: row.parameters,
                            multiplyAdds: row.multiplyAdds.description, rule: row.rule,
                            inputs: i < graph.nodes.count ? graph.nodes[i].inputs.compactMap { ids[$0] } : [])
            }
        }
        let tensors = Dictionary(result.parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let layers = graph?.layers.map { $0 } ?? []
        // CNN: the first conv layer's filters, input channel 0 (one scale for all, so they compare).
        if let conv = layers.first(where: { $0.op.kindName == "conv2d" }), let w = tensors[conv.name + ".weight"],
           w.shape.count == 4, w.shape[0] <= 64 {
            let (filters, channels, h, k) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
            let images = (0..<filters).map { f in Array(w.values[(f * channels * h * k)..<(f * channels * h * k + h * k)]) }
            content.imageGrids.insert(ImageGrid(title: "first-layer filters ('\(conv.name)', input channel 1 of \(channels))",
                                                rows: [.init(label: "filters", images: images, height: h, width: k)]), at: 0)
        }
        // PCA: components as images when the inputs are square; the scree and cumulative variance.
        for layer in layers where layer.op.kindName == "pca" {
            if let c = tensors[layer.name + ".components"], c.shape.count == 2, let side = squareSide(c.shape[1]), c.shape[0] <= 64 {
                let images = (0..<c.shape[0]).map { Array(c.values[($0 * c.shape[1])..<(($0 + 1) * c.shape[1])]) }
                content.imageGrids.insert(ImageGrid(title: "principal components of '\(layer.name)' (most variance first)",
                                                    rows: [.init(label: "components", images: images, height: side, width: side)]), at: 0)
            }
        }
        if let eigen = result.history.first?.metrics[metric: "eigenvalues"], case .numbers(let values) = eigen, values.count > 1 {
            let total = values.reduce(0, +)
            var sum = 0.0
            let cumulative = values.enumerated().map { i, v -> LinePlot.Point in sum += v; return .init(x: Double(i + 1), y: total > 0 ? sum / total : 0) }
            content.extraPlots.append(LinePlot(title: "scree", xLabel: "component", yLabel: "eigenvalue", series: [
                .init(name: "eigenvalue", points: values.enumerated().map { .init(x: Double($0.offset + 1), y: $0.element) })]))
            content.extraPlots.append(LinePlot(title: "cumulative variance", xLabel: "components kept", yLabel: "fraction of variance",
                                               series: [.init(name: "fraction of variance", points: cumulative)]))
        }
        // Memories: the weight matrix of a Hopfield layer, or of a layer trained by a Hebbian-type rule.
        for layer in layers {
            let isHopfield = layer.op.kindName == "hopfield"
            guard isHopfield || result.spec.train?.rule.storesPatterns == true,
                  let w = tensors[layer.name + ".weight"], w.shape.count == 2, w.shape[0] <= 400, w.shape[1] <= 400 else { continue }
            content.weightMaps.append(WeightMap(title: "weights of '\(layer.name)' [\(w.shape[0]) × \(w.shape[1])]",
                                                rows: w.shape[0], columns: w.shape[1], values: w.values))
        }
        // Threshold units with few inputs: the net as a diagram.
        for layer in layers where layer.op.kindName == "threshold" {
            guard let w = tensors[layer.name + ".weight"], w.shape.count == 2, w.shape[0] <= 8, w.shape[1] <= 8 else { continue }
            let theta = tensors[layer.name + ".threshold"]?.values ?? []
            // The network's inputs x1…, or the units of the layer before (h1…).
            let prefix = layer.inputs.first == graph?.nodes.first?.id ? "x" : "h"
            let inputs = (0..<w.shape[1]).map { "\(prefix)\($0 + 1)" }
            content.unitDiagrams.append(UnitDiagram(title: "units of '\(layer.name)': weights and thresholds θ", inputNames: inputs,
                                                    units: (0..<w.shape[0]).map { u in
                .init(name: w.shape[0] == 1 ? "y" : "y\(u + 1)", weights: Array(w.values[(u * w.shape[1])..<((u + 1) * w.shape[1])]),
                      threshold: u < theta.count ? theta[u] : 0)
            }))
        }
    }

    static func squareSide(_ n: Int) -> Int? {
        let s = Int(Double(n).squareRoot().rounded())
        return s * s == n && s > 1 ? s : nil
    }
}
