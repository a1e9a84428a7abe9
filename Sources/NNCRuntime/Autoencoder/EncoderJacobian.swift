import NNCIR
import NNCSpec

/// ‖∂h/∂x‖_F, the Frobenius norm of the Jacobian of the code h with respect
/// to the model's input x, for encoders that are a chain of dense layers,
/// elementwise activations (linear, sigmoid, tanh, relu) and layers that are
/// the identity in evaluation (noise, dropout, flatten), optionally ending in
/// a pca projection. Per example, J = D_k W_k ⋯ D_1 W_1 with D_i the diagonal
/// of the activation's derivative, read from the layer's output
/// (sigmoid h(1 − h), tanh 1 − h², relu 1 where h > 0).
///
/// For one dense sigmoid or tanh layer this is the square root of the
/// contractive penalty's ‖∂h/∂x‖²_F (Rifai et al. 2011).
struct EncoderJacobian {
    enum Link {
        /// y = f(W x + b): weight [out, in], f' from the node's output.
        case dense(node: Int, weight: ParameterStore.Entry, activation: ActivationKind)
        /// y = f(x), elementwise.
        case elementwise(node: Int, activation: ActivationKind)
        /// c = C (x − μ): components [c, in].
        case pca(components: ParameterStore.Entry)
    }

    /// From the input to the code, in order (identity links left out).
    let links: [Link]
    let inputSize: Int

    /// nil when the path from the input to the code has a layer this cannot differentiate.
    init?(code: CodeLayer, graph: Graph, parameters: ParameterStore, inputSize: Int) {
        var links: [Link] = []
        var id = code.node
        while id > 0 {
            let node = graph.nodes[id]
            guard case .layer(let op) = node.op, node.inputs.count == 1, let previous = node.inputs.first else { return nil }
            switch op {
            case .dense(let o):
                guard Self.supported(o.activation), let w = parameters.entry(node: id, role: .weight) else { return nil }
                links.append(.dense(node: id, weight: w, activation: o.activation))
            case .activation(let a):
                guard Self.supported(a) else { return nil }
                links.append(.elementwise(node: id, activation: a))
            case .pca:
                guard let c = parameters.entry(node: id, role: .components) else { return nil }
                links.append(.pca(components: c))
            case .noise, .dropout, .flatten:
                break
            case .threshold, .hopfield, .conv2d, .pool, .rnn, .lstm, .add, .concat:
                return nil
            }
            id = previous
        }
        guard !links.isEmpty else { return nil }
        // Only vectors per example: each matrix must fit the width before it (no [T, F] sequences).
        var width = inputSize
        for link in links.reversed() {
            switch link {
            case .dense(_, let m, _), .pca(let m):
                guard m.shape.count == 2, m.shape[1] == width else { return nil }
                width = m.shape[0]
            case .elementwise: break
            }
        }
        self.links = links.reversed()
        self.inputSize = inputSize
    }

    static func supported(_ a: ActivationKind) -> Bool { [.linear, .sigmoid, .tanh, .relu].contains(a) }

    /// f'(a) from y = f(a).
    static func derivative(_ a: ActivationKind, _ y: Float) -> Double {
        let y = Double(y)
        switch a {
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        case .relu: return y > 0 ? 1 : 0
        default: return 1
        }
    }

    /// ‖J‖_F of row `row` of the plan's current batch (after a forward pass).
    func frobeniusNorm(plan: Plan, row: Int) -> Double {
        // m: the Jacobian so far, [rows, inputSize]; nil stands for the identity.
        var m: [Double]?
        var rows = inputSize
        for link in links {
            switch link {
            case .dense(let node, let weight, let activation):
                let out = weight.shape[0], inner = weight.shape[1]
                let w = plan.parameters.pointer(weight)
                let y = plan.values[node].pointer + row * out
                var next = [Double](repeating: 0, count: out * inputSize)
                for o in 0..<out {
                    let d = Self.derivative(activation, y[o])
                    guard d != 0 else { continue }
                    if let m {
                        for k in 0..<inner {
                            let coefficient = d * Double(w[o * inner + k])
                            guard coefficient != 0 else { continue }
                            for j in 0..<inputSize { next[o * inputSize + j] += coefficient * m[k * inputSize + j] }
                        }
                    } else {
                        for j in 0..<inputSize { next[o * inputSize + j] = d * Double(w[o * inner + j]) }
                    }
                }
                m = next
                rows = out
            case .elementwise(let node, let activation):
                let y = plan.values[node].pointer + row * rows
                var next = m ?? Self.identity(inputSize)
                for r in 0..<rows {
                    let d = Self.derivative(activation, y[r])
                    for j in 0..<inputSize { next[r * inputSize + j] *= d }
                }
                m = next
            case .pca(let components):
                let count = components.shape[0], inner = components.shape[1]
                let c = plan.parameters.pointer(components)
                let current = m ?? Self.identity(inputSize)
                var next = [Double](repeating: 0, count: count * inputSize)
                for o in 0..<count {
                    for k in 0..<inner {
                        let coefficient = Double(c[o * inner + k])
                        for j in 0..<inputSize { next[o * inputSize + j] += coefficient * current[k * inputSize + j] }
                    }
                }
                m = next
                rows = count
            }
        }
        return (m ?? []).reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    static func identity(_ n: Int) -> [Double] {
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n { m[i * n + i] = 1 }
        return m
    }
}
