import NNCIR
import NNCSpec

/// The layer whose outputs are an autoencoder's code.
///
/// Chosen in this order: the layer named `code`; else the model's `pca`
/// layer; else the narrowest hidden layer (fewest values per example among
/// the layers before the output, not counting `noise`, `dropout` and
/// `flatten`, which only corrupt or reshape; the first one on ties). A model
/// with no hidden layer (one dense layer, an auto-associative memory) has no
/// code layer.
///
/// The code of a `pca` layer is its projection c = C (x − μ) ([components]),
/// not its output (the reconstruction).
public struct CodeLayer: Sendable, Equatable {
    /// The node in the graph.
    public var node: Int
    public var name: String
    /// Code values per example.
    public var width: Int
    /// Whether the code is a pca layer's projection.
    public var isPCA: Bool

    /// - perExample: each node's values per example (a plan's `perExample`).
    public static func find(in graph: Graph, perExample: [Int]) -> CodeLayer? {
        func make(_ node: IRNode) -> CodeLayer? {
            guard node.id > 0, node.id < perExample.count else { return nil }
            if case .layer(.pca(let components)) = node.op {
                return CodeLayer(node: node.id, name: node.name, width: components, isPCA: true)
            }
            return CodeLayer(node: node.id, name: node.name, width: perExample[node.id], isPCA: false)
        }
        if let named = graph.layers.first(where: { $0.name == "code" }) { return make(named) }
        if let pca = graph.layers.first(where: { if case .layer(.pca) = $0.op { return true }; return false }) {
            return make(pca)
        }
        var best: IRNode?
        for node in graph.layers where node.id != graph.output && node.id < perExample.count {
            guard case .layer(let op) = node.op else { continue }
            switch op {
            case .noise, .dropout, .flatten: continue
            case .dense, .threshold, .hopfield, .conv2d, .pool, .activation, .rnn, .lstm, .pca, .add, .concat: break
            }
            if let b = best, perExample[b.id] <= perExample[node.id] { continue }
            best = node
        }
        return best.flatMap(make)
    }
}
