import Foundation
import NNCIR
import NNCRuntime
import NNCSpec

/// `nnc export MODEL --to pytorch`: one standalone Python file (torch and
/// safetensors only). The model is described by a JSON document embedded in
/// the file (layers, normalization, training settings, initializers, the
/// model file's metadata) and run by a fixed interpreter (`PyTorchTemplate`),
/// so that the Python code is the same for every spec and tested once.
/// Backprop networks only.
public enum PyTorchExport {
    public static func source(_ model: LoadedModel, producerVersion: String) throws -> String {
        guard let train = model.spec.train else {
            throw ExportError("the spec has no 'train' section; the PyTorch export trains by backprop")
        }
        guard train.rule == .backprop else {
            throw ExportError("the spec trains by rule '\(train.rule.rawValue)'; the PyTorch export supports 'backprop' networks only (export to ONNX, or use nnc predict)")
        }
        let config = try Config(model: model, train: train).json()
        let text = JSONWriter(style: .compact).string(config)
        let metadata = JSONWriter(style: .compact).string(.object(model.metadata.keys.sorted().map {
            (key: $0, value: .string(model.metadata[$0] ?? ""))
        }))
        // A JSON string literal is a valid Python string literal: names from the spec stay quoted.
        return PyTorchTemplate.source
            .replacingOccurrences(of: "@NAME@", with: model.spec.name.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            .replacingOccurrences(of: "@VERSION@", with: producerVersion)
            .replacingOccurrences(of: "@CONFIG@", with: JSONWriter(style: .compact).string(.string(text)))
            .replacingOccurrences(of: "@METADATA@", with: JSONWriter(style: .compact).string(.string(metadata)))
    }
}

/// The embedded description (see `PyTorchTemplate` for how each key is read).
private struct Config {
    let model: LoadedModel
    let train: TrainSpec

    func json() throws -> JSONValue {
        let g = model.graph
        var layers: [JSONValue] = []
        for node in g.layers {
            guard case .layer(let op) = node.op else { continue }
            guard !node.name.isEmpty, !node.name.contains(".") else {
                throw ExportError("layer name '\(node.name)' cannot be a state_dict prefix (it contains '.')")
            }
            var entry: [(key: String, value: JSONValue)] = [
                (key: "name", value: .string(node.name)), (key: "kind", value: .string(kind(op))),
                (key: "inputs", value: .array(node.inputs.map(JSONValue.int))),
            ]
            entry += try options(op, node: node)
            layers.append(.object(entry))
        }
        let loss = train.loss ?? Runner.defaultLoss(g)
        var normalization: JSONValue = .null
        if let n = model.normalization {
            let groupShape = n.inputShape.count <= 2 ? [n.offsets.count] : [n.offsets.count] + Array(repeating: 1, count: n.inputShape.count - 1)
            normalization = .object([
                (key: "shape", value: .array(groupShape.map(JSONValue.int))),
                (key: "offsets", value: .array(n.offsets.map { .double(Double($0)) })),
                (key: "factors", value: .array(n.factors.map { .double(Double($0)) })),
            ])
        }
        return .object([
            (key: "name", value: .string(model.spec.name)),
            (key: "seed", value: .int(Int(truncatingIfNeeded: model.spec.seed & 0x7FFF_FFFF))),
            (key: "input_shape", value: .array(model.inputShape.map(JSONValue.int))),
            (key: "normalization", value: normalization),
            (key: "layers", value: .array(layers)),
            (key: "output", value: .int(g.output)),
            (key: "parameters", value: .array(parameters())),
            (key: "train", value: .object([
                (key: "loss", value: .string(loss.rawValue)),
                (key: "logits", value: .bool(fusesLoss(loss))),
                (key: "target_is_input", value: .bool(train.targetIsInput)),
                (key: "optimizer", value: optimizer(train.optimizer)),
                (key: "schedule", value: schedule(train.schedule)),
                (key: "epochs", value: .int(train.effectiveEpochs)),
                (key: "batch", value: .int(train.effectiveBatch)),
                (key: "shuffle", value: .bool(train.shuffle)),
                (key: "clip", value: train.clipNorm.map(JSONValue.double) ?? .null),
            ])),
        ])
    }

    func kind(_ op: LayerOp) -> String {
        switch op {
        case .pool(let p): return p.isMax ? "maxpool" : "avgpool"
        case .activation: return "activation"
        case .dense, .threshold, .hopfield, .conv2d, .flatten, .dropout, .noise, .rnn, .lstm, .pca, .add, .concat:
            return op.kindName
        }
    }

    func options(_ op: LayerOp, node: IRNode) throws -> [(key: String, value: JSONValue)] {
        switch op {
        case .dense(let o):
            return [(key: "activation", value: .string(o.activation.rawValue)), (key: "bias", value: .bool(o.bias)),
                    (key: "l1", value: .double(o.penalty.l1)), (key: "l2", value: .double(o.penalty.l2)),
                    (key: "contractive", value: .double(o.penalty.contractive))]
        case .conv2d(let o):
            guard let pad = o.resolvedPadding else { throw ExportError("layer '\(node.name)' has padding: same with an even kernel") }
            return [(key: "activation", value: .string(o.activation.rawValue)), (key: "bias", value: .bool(o.bias)),
                    (key: "stride", value: [.int(o.stride.0), .int(o.stride.1)]), (key: "padding", value: [.int(pad.0), .int(pad.1)])]
        case .pool(let o):
            return [(key: "size", value: [.int(o.size.0), .int(o.size.1)]), (key: "stride", value: [.int(o.stride.0), .int(o.stride.1)])]
        case .activation(let a):
            return [(key: "activation", value: .string(a.rawValue))]
        case .dropout(let rate):
            return [(key: "rate", value: .double(rate))]
        case .noise(let n):
            switch n {
            case .gaussian(let s): return [(key: "noise", value: "gaussian"), (key: "amount", value: .double(s))]
            case .mask(let p): return [(key: "noise", value: "mask"), (key: "amount", value: .double(p))]
            case .saltPepper(let p): return [(key: "noise", value: "salt_pepper"), (key: "amount", value: .double(p))]
            }
        case .rnn(let o):
            return [(key: "activation", value: .string(o.activation.rawValue)), (key: "leak", value: .double(o.leak)),
                    (key: "skip", value: .int(o.skip ?? 0)), (key: "bias", value: .bool(o.bias)),
                    (key: "feedback_output", value: .bool(o.feedbackFromOutput)),
                    (key: "output_activation", value: o.output.map { .string($0.activation.rawValue) } ?? .null),
                    (key: "sequence", value: .bool(o.returnSequence)), (key: "units", value: .int(o.units))]
        case .lstm(let o):
            return [(key: "sequence", value: .bool(o.returnSequence)), (key: "units", value: .int(o.units))]
        case .flatten, .add, .concat:
            return []
        case .threshold, .hopfield, .pca:
            throw ExportError("layer '\(node.name)' (\(op.kindName)) is not trained by backprop")
        }
    }

    /// Whether nnc computes the loss from the logits (softmax+cross_entropy,
    /// sigmoid+binary_cross_entropy, or the loss's own squashing after a linear dense output).
    func fusesLoss(_ loss: LossKind) -> Bool {
        let wanted: ActivationKind
        switch loss {
        case .crossEntropy: wanted = .softmax
        case .binaryCrossEntropy: wanted = .sigmoid
        case .sse, .mse: return false
        }
        let out = model.graph.nodes[model.graph.output]
        guard case .layer(let op) = out.op else { return false }
        switch op {
        case .activation(let a): return a == wanted
        case .dense(let d): return d.activation == wanted || d.activation == .linear
        case .rnn(let r): return r.output?.activation == wanted
        case .threshold, .hopfield, .conv2d, .pool, .flatten, .dropout, .noise, .lstm, .pca, .add, .concat: return false
        }
    }

    func optimizer(_ o: OptimizerSpec) -> JSONValue {
        switch o {
        case .sgd(let lr, let momentum, let nesterov):
            return .object([(key: "kind", value: "sgd"), (key: "lr", value: .double(lr)), (key: "momentum", value: .double(momentum)),
                            (key: "nesterov", value: .bool(nesterov))])
        case .adam(let lr, let b1, let b2, let eps):
            return .object([(key: "kind", value: "adam"), (key: "lr", value: .double(lr)), (key: "beta1", value: .double(b1)),
                            (key: "beta2", value: .double(b2)), (key: "eps", value: .double(eps))])
        }
    }

    func schedule(_ s: ScheduleSpec) -> JSONValue {
        switch s {
        case .constant: return ["kind": "constant"]
        case .step(let every, let factor): return ["kind": "step", "every": .int(every), "factor": .double(factor)]
        case .exponential(let decay): return ["kind": "exponential", "decay": .double(decay)]
        case .cosine(let minLR, let period): return ["kind": "cosine", "min_lr": .double(minLR), "period": period.map(JSONValue.int) ?? .null]
        case .cyclic(let minLR, let maxLR, let period):
            return ["kind": "cyclic", "min_lr": .double(minLR), "max_lr": .double(maxLR), "period": .int(period)]
        }
    }

    /// Every tensor with its fresh-start initializer (ParameterStore.initialize's rules).
    func parameters() -> [JSONValue] {
        model.tensors.compactMap { t -> JSONValue? in
            guard let dot = t.name.lastIndex(of: "."),
                  let node = model.graph.layers.first(where: { $0.name == t.name[..<dot] }), case .layer(let op) = node.op else { return nil }
            let role = String(t.name[t.name.index(after: dot)...])
            var rule: Initializer? = nil
            var fanIn = 1, fanOut = 1
            var fill: [(start: Int, count: Int, value: Double)] = []
            switch op {
            case .dense(let o) where role == "weight":
                rule = Initializer.resolved(o.initializer, activation: o.activation); fanIn = t.shape[1]; fanOut = t.shape[0]
            case .conv2d(let o) where role == "weight":
                let receptive = t.shape[2] * t.shape[3]
                rule = Initializer.resolved(o.initializer, activation: o.activation); fanIn = t.shape[1] * receptive; fanOut = t.shape[0] * receptive
            case .rnn(let o) where role.hasSuffix("weight"):
                let act = role == "output_weight" ? (o.output?.activation ?? .linear) : o.activation
                rule = Initializer.resolved(o.initializer, activation: act); fanIn = t.shape[1]; fanOut = t.shape[0]
            case .lstm(let o) where role.hasSuffix("weight"):
                rule = Initializer.resolved(o.initializer, activation: .tanh);   // as ParameterStore: the gates' tanh fanIn = t.shape[1]; fanOut = t.shape[0] / 4
            case .lstm(let o) where role == "bias":
                fill = [(t.values.count / 4, t.values.count / 4, o.forgetBias)]
            case .dense, .conv2d, .rnn, .lstm, .threshold, .hopfield, .pool, .flatten, .activation, .dropout, .noise,
                 .pca, .add, .concat:
                break
            }
            let initializer: JSONValue
            switch rule {
            case .xavier?: initializer = ["kind": "xavier"]
            case .he?: initializer = ["kind": "he"]
            case .uniform(let a)?: initializer = ["kind": "uniform", "a": .double(a)]
            case .normal(let s)?: initializer = ["kind": "normal", "std": .double(s)]
            case .zeros?, nil: initializer = ["kind": "zeros"]
            }
            return .object([
                (key: "name", value: .string(t.name)), (key: "shape", value: .array(t.shape.map(JSONValue.int))),
                (key: "init", value: initializer), (key: "fan_in", value: .int(fanIn)), (key: "fan_out", value: .int(fanOut)),
                (key: "fill", value: .array(fill.map { [.int($0.start), .int($0.count), .double($0.value)] })),
            ])
        }
    }
}
