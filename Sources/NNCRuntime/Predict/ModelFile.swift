import Foundation
import NNCIR
import NNCSpec

/// The self-describing model file: `model.safetensors` with, in its
/// `__metadata__` (strings only, as safetensors requires; lists and objects as
/// compact JSON), everything `predict` and `export` need (docs/model-file.md):
///
///     format          "pt" (PyTorch's convention for safetensors files)
///     producer        "nnc"
///     nnc_version     the nnc that wrote it, e.g. "0.1.0"
///     nnc_model       "1", this layout's version
///     spec            the spec's name
///     spec_yaml       the full resolved spec (spec.resolved.yaml's text)
///     input_shape     JSON list: one example's shape as trained, e.g. [1, 8, 8]
///     output_shape    JSON list: one example's output, e.g. [10] or [12, 7]
///     output          what the output means: class_probabilities, class_units,
///                     reconstruction, sequence, recall or values
///     normalization   JSON {"method", "input_shape", "offsets", "factors"}:
///                     x' = (x − offsets[g]) · factors[g] per feature group g
///                     (absent: no normalization)
///     class_names     JSON list of strings (absent: the data had none)
///     code_layer      the autoencoder's code layer name (absent: none)
public enum ModelFile {
    public static let layoutVersion = "1"

    /// What a model's output means (`output` in the metadata).
    public enum Output: String, Sendable, CaseIterable {
        /// Softmax (or one sigmoid unit: P(class 1)) over the classes.
        case classProbabilities = "class_probabilities"
        /// Threshold or linear units read as classes (argmax, or one unit against its threshold).
        case classUnits = "class_units"
        /// The input rebuilt (autoencoders, PCA).
        case reconstruction
        /// One output vector per time step (`return: sequence`).
        case sequence
        /// The pattern a Hopfield network recalls (±1).
        case recall
        /// Any other vector (regression, associative-memory outputs).
        case values
    }

    /// The metadata of a finished run's model file.
    public static func metadata(_ result: RunResult, graph: Graph?, resolvedSpec: String, version: String) -> [String: String] {
        var m: [String: String] = [
            "format": "pt", "producer": "nnc", "spec": result.spec.name, "nnc_version": version,
            "nnc_model": layoutVersion, "spec_yaml": resolvedSpec,
            "input_shape": json(result.data.train.inputShape.map(JSONValue.int)),
        ]
        if let graph {
            let out = graph.nodes[graph.output].shape ?? []
            m["output_shape"] = json(out.map { d in d.fixed.map(JSONValue.int) ?? .string(d.description) })
            m["output"] = output(spec: result.spec, graph: graph, data: result.data.train).rawValue
            let perExample = (try? Plan.floatsPerExample(graph, bindings: bindings(graph, result.data.train.inputShape))) ?? []
            if result.spec.train?.targetIsInput == true || result.spec.train?.rule == .pca,
               let code = CodeLayer.find(in: graph, perExample: perExample) {
                m["code_layer"] = code.name
            }
        }
        if let n = result.data.normalization { m["normalization"] = json(normalizationJSON(n)) }
        if let names = result.data.train.classNames { m["class_names"] = json(names.map(JSONValue.string)) }
        return m
    }

    /// What the output means, from the spec's rule and the data's targets.
    public static func output(spec: Spec, graph: Graph, data: Dataset) -> Output {
        if graph.layers.contains(where: { if case .layer(.hopfield) = $0.op { return true }; return false }) { return .recall }
        if spec.train?.targetIsInput == true || spec.train?.rule == .pca { return .reconstruction }
        if (graph.nodes[graph.output].shape?.count ?? 1) >= 2, data.inputShape.count == 2 { return .sequence }
        if case .classes = data.targets {
            switch graph.finalActivation {
            case .softmax?, .sigmoid?: return .classProbabilities
            case .linear?, .relu?, .tanh?, .arctan?, .step?, .sign?, nil: return .classUnits
            }
        }
        return .values
    }

    static func bindings(_ graph: Graph, _ dims: [Int]) -> [String: Int] {
        var b: [String: Int] = [:]
        for (d, n) in zip(graph.nodes[0].shape ?? [], dims) { if case .symbol(let s) = d { b[s] = n } }
        return b
    }

    static func normalizationJSON(_ n: NormalizationStats) -> JSONValue {
        let method: JSONValue
        switch n.method {
        case .standardize: method = "standardize"
        case .minmax: method = "minmax"
        case .scale(let k): method = .object([(key: "scale", value: .double(Double(k)))])
        }
        return .object([
            (key: "method", value: method),
            (key: "input_shape", value: .array(n.inputShape.map(JSONValue.int))),
            (key: "offsets", value: .array(n.offsets.map { .double(Double($0)) })),
            (key: "factors", value: .array(n.factors.map { .double(Double($0)) })),
        ])
    }

    static func json(_ v: [JSONValue]) -> String { json(.array(v)) }
    static func json(_ v: JSONValue) -> String { JSONWriter(style: .compact).string(v) }
}
