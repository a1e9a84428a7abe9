import NNCIR
import NNCSpec

/// `nnc run --init MODEL`: the model file's tensors checked against a spec's
/// parameters before the run, as diagnostics located at the layer concerned
/// (E0801 a name missing or unknown, E0802 a shape that differs).
public enum InitialWeights {
    public static func diagnostics(_ tensors: [NamedTensor], checked: CheckResult, modelPath: String) -> [Diagnostic] {
        guard let graph = checked.graph else { return [] }
        let specFile = checked.file.path
        let store = ParameterStore(graph: graph)
        return store.load(tensors, graph: graph).map { problem in
            let code: String
            switch problem.kind {
            case .missing, .unknown: code = "E0801"
            case .shape, .notFinite: code = "E0802"
            }
            let message = "\(modelPath): \(problem.message)"
            guard let node = problem.node, node < graph.nodes.count else {
                return .error(code, message, file: specFile, help: "the spec's parameters are: " +
                              store.entries.map(\.name).joined(separator: ", "))
            }
            return .error(code, message, at: graph.nodes[node].span)
        }
    }
}
