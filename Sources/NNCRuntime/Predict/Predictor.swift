import Foundation
import NNCIR
import NNCKernels
import NNCSpec

/// Applies a model file to raw inputs: normalization as fitted in training,
/// then the forward pass in evaluation mode (no dropout, no noise).
public enum Predictor {
    public struct Outputs: Sendable {
        /// [count, shape...] flat.
        public var values: [Float]
        /// One example's output shape.
        public var shape: [Int]
        public var count: Int
        /// The predicted class of each example (classifiers only), as the evaluator counts it.
        public var classes: [Int]?
    }

    /// - inputs: raw examples of the model's input shape (symbolic dims free).
    /// - code: write the autoencoder's code layer instead of the output.
    public static func predict(_ model: LoadedModel, inputs raw: Dataset, code: Bool = false,
                               threads: Int = 1) throws -> Outputs {
        let data = try normalized(model, raw)
        let bindings: [String: Int]
        do { bindings = try Runner.bind(model.graph.nodes[0].shape ?? [], to: data.inputShape) } catch {
            throw ModelError(.invalid, "\(error)")
        }
        let parameters = try model.parameters()
        let pool = threads > 1 ? ThreadPool(threads: threads) : nil
        let plan = try Plan(graph: model.graph, parameters: parameters, batch: min(256, data.count), bindings: bindings,
                            training: false, pool: pool, random: SeededRandom(seed: model.spec.seed))
        plan.freezeWeights()   // a saved model's weights do not change while it predicts
        let layer: CodeLayer?
        if code {
            guard model.codeLayer != nil, let found = CodeLayer.find(in: model.graph, perExample: plan.perExample) else {
                throw ModelError(.invalid, "\(model.path): --code needs an autoencoder or PCA model; this one has no code layer")
            }
            layer = found
        } else {
            layer = nil
        }
        let width = layer?.width ?? plan.perExample[model.graph.output]
        var values: [Float] = []
        values.reserveCapacity(data.count * width)
        let isClassifier = layer == nil && [.classProbabilities, .classUnits].contains(model.output)
        let evaluator = Evaluator(plan: plan, targetIsInput: false, finalActivation: model.graph.finalActivation)
        var classes: [Int] = []
        plan.forwardInBatches(data) { _, n in
            for row in 0..<n {
                if isClassifier { classes.append(evaluator.predictedClass(plan.value(plan.output).pointer + row * width, width)) }
                if let layer {
                    values += AutoencoderAnalysis.code(plan, layer, row: row)
                } else {
                    let y = plan.value(model.graph.output).pointer + row * width
                    values += UnsafeBufferPointer(start: y, count: width)
                }
            }
        }
        let shape = layer.map { [$0.width] } ?? outputShape(model.graph, bindings: bindings)
        return Outputs(values: values, shape: shape, count: data.count, classes: isClassifier ? classes : nil)
    }

    /// The inputs with the model's normalization applied. Sequences of another
    /// length than in training keep the per-feature statistics.
    static func normalized(_ model: LoadedModel, _ data: Dataset) throws -> Dataset {
        guard let n = model.normalization else { return data }
        var stats = n
        if data.inputShape != n.inputShape, data.inputShape.count == 2, n.inputShape.count == 2,
           data.inputShape[1] == n.inputShape[1] {
            stats = NormalizationStats(method: n.method, inputShape: data.inputShape, offsets: n.offsets, factors: n.factors)
        }
        do { return try stats.apply(to: data) } catch { throw ModelError(.invalid, "\(error)") }
    }

    static func outputShape(_ graph: Graph, bindings: [String: Int]) -> [Int] {
        (graph.nodes[graph.output].shape ?? []).map { d in
            switch d {
            case .fixed(let x): return x
            case .symbol(let s): return bindings[s] ?? 1
            }
        }
    }
}
