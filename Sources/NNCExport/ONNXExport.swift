import Foundation
import NNCIR
import NNCRuntime
import NNCSpec
import SwiftProtobuf

/// Why a model cannot be exported (the CLI exits 2: the request cannot be served).
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `nnc export MODEL --to onnx`: one ONNX graph (opset 17, IR 8) computing
/// what `nnc predict` computes, from the model file alone (docs/model-file.md,
/// docs/deployment.md):
///
/// - input `input`: float [N, ...input shape], N dynamic (a symbolic T stays
///   symbolic, except with an `rnn` layer: see below); output `output`.
/// - the normalization fitted in training as the first nodes (Sub, Mul);
/// - dense: Gemm (or MatMul on sequences); conv2d: Conv; pooling: MaxPool /
///   AveragePool; flatten: Flatten; dropout and noise: nothing (identity);
///   add: Sum; concat: Concat on the last axis; activations by their ONNX op,
///   step and sign as GreaterOrEqual (Θ(0) = 1) with Cast / Where;
/// - threshold units: Gemm, Sub (the threshold; `auto`: active inputs − ½ − tolerance), then step or sign;
/// - pca: Sub μ, MatMul Cᵀ, MatMul C, Add μ;
/// - lstm: ONNX's LSTM op (time-major inside: Transpose around it; gates
///   reordered from nnc's i, f, g, o to ONNX's i, o, f, c);
/// - rnn: unrolled over the trained number of steps T (one MatMul per step
///   and term), which covers leaky units, skip connections and output
///   feedback exactly; the input's T is then fixed.
/// - hopfield: refused. Recall runs asynchronous updates in a random (seeded)
///   or sequential order until no unit changes: a data-dependent number of
///   single-unit updates that an ONNX Loop could only approximate, not
///   reproduce (use `nnc predict`).
public enum ONNXExport {
    public static let opset: Int64 = 17
    public static let irVersion: Int64 = 8

    public static func write(_ model: LoadedModel, to path: String, producerVersion: String) throws {
        let bytes: Data = try build(model, producerVersion: producerVersion).serializedData()
        try writeAtomically(bytes, to: path)
    }

    public static func build(_ model: LoadedModel, producerVersion: String) throws -> Onnx_ModelProto {
        var exporter = Exporter(model: model)
        let graph = try exporter.graph()
        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = Self.opset
        proto.opsetImport = [opset]
        proto.producerName = "nnc"
        proto.producerVersion = producerVersion
        proto.graph = graph
        proto.docString = "\(model.spec.name), exported by nnc from \(model.path)"
        proto.metadataProps = ["output", "class_names", "nnc_version", "spec"].compactMap { key in
            model.metadata[key].map { value in
                var entry = Onnx_StringStringEntryProto()
                entry.key = key
                entry.value = value
                return entry
            }
        }
        return proto
    }
}

private struct Exporter {
    let model: LoadedModel
    var b = ONNXGraphBuilder()
    /// Symbolic dims bound to their trained size (needed when an rnn is unrolled).
    let fixedSymbols: [String: Int]

    init(model: LoadedModel) {
        self.model = model
        let unrolls = model.graph.layers.contains { if case .layer(.rnn) = $0.op { return true }; return false }
        var bound: [String: Int] = [:]
        if unrolls {
            for (d, n) in zip(model.graph.nodes[0].shape ?? [], model.inputShape) { if case .symbol(let s) = d { bound[s] = n } }
        }
        fixedSymbols = bound
    }

    mutating func graph() throws -> Onnx_GraphProto {
        let g = model.graph
        var names = [String](repeating: "", count: g.nodes.count)
        names[0] = try normalized(b.name("input"))
        for node in g.layers {
            guard case .layer(let op) = node.op else { continue }
            let inputs = node.inputs.map { names[$0] }
            guard let x = inputs.first else { throw ExportError("layer '\(node.name)' has no input") }
            names[node.id] = try layer(op, node: node, x: x, inputs: inputs)
        }
        let output = b.add("Identity", [names[g.output]], output: "output")
        var proto = Onnx_GraphProto()
        proto.name = model.spec.name
        proto.node = b.nodes
        proto.initializer = b.initializers
        proto.input = [valueInfo("input", g.nodes[0].shape ?? [])]
        proto.output = [valueInfo(output, g.nodes[g.output].shape ?? [])]
        return proto
    }

    func valueInfo(_ name: String, _ shape: Shape) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var dims: [Onnx_TensorShapeProto.Dimension] = []
        var batch = Onnx_TensorShapeProto.Dimension()
        batch.dimParam = "N"
        dims.append(batch)
        for d in shape {
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case .fixed(let n): dim.dimValue = Int64(n)
            case .symbol(let s):
                if let n = fixedSymbols[s] { dim.dimValue = Int64(n) } else { dim.dimParam = s }
            }
            dims.append(dim)
        }
        var shapeProto = Onnx_TensorShapeProto()
        shapeProto.dim = dims
        tensor.shape = shapeProto
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        info.type = type
        return info
    }

    // MARK: tensors of the model file

    func tensor(_ node: IRNode, _ role: String) -> NamedTensor? {
        model.tensors.first { $0.name == "\(node.name).\(role)" }
    }

    func required(_ node: IRNode, _ role: String) throws -> NamedTensor {
        guard let t = tensor(node, role) else {
            throw ExportError("\(model.path): the model file has no tensor '\(node.name).\(role)'")
        }
        return t
    }

    /// The tensor as an initializer under its safetensors name.
    mutating func initializer(_ t: NamedTensor) -> String { b.floats(t.name, t.values, shape: t.shape) }

    /// Wᵀ of a [rows, cols] initializer, as a Transpose node (the initializer keeps its name and layout).
    mutating func transposed(_ t: NamedTensor) -> String {
        b.add("Transpose", [initializer(t)], [Attr.ints("perm", [1, 0])], output: t.name + ".T")
    }

    mutating func axes(_ values: [Int]) -> String { b.int64s("axes", values.map(Int64.init), shape: [values.count]) }

    // MARK: layers

    /// x' = (x − offsets[g]) · factors[g]; the statistics broadcast over their feature groups.
    mutating func normalized(_ input: String) throws -> String {
        guard let n = model.normalization else { return input }
        let groupShape: [Int]
        switch n.inputShape.count {
        case 1, 2: groupShape = [n.offsets.count]
        default: groupShape = [n.offsets.count] + Array(repeating: 1, count: n.inputShape.count - 1)
        }
        let offsets = b.floats("normalization.offsets", n.offsets, shape: groupShape)
        let factors = b.floats("normalization.factors", n.factors, shape: groupShape)
        let centred = b.add("Sub", [input, offsets], output: "normalization_centred")
        return b.add("Mul", [centred, factors], output: "normalized")
    }

    mutating func activation(_ a: ActivationKind, _ x: String, _ hint: String) -> String {
        switch a {
        case .linear: return x
        case .relu: return b.add("Relu", [x], output: hint)
        case .sigmoid: return b.add("Sigmoid", [x], output: hint)
        case .tanh: return b.add("Tanh", [x], output: hint)
        case .arctan: return b.add("Atan", [x], output: hint)
        case .softmax: return b.add("Softmax", [x], [Attr.int("axis", -1)], output: hint)
        case .step, .sign:
            // Θ(0) = 1, as nnc's step and sign.
            let zero = b.scalar(hint + ".zero", 0)
            let on = b.add("GreaterOrEqual", [x, zero], output: hint + "_on")
            if a == .step { return b.add("Cast", [on], [Attr.int("to", Int(Onnx_TensorProto.DataType.float.rawValue))], output: hint) }
            return b.add("Where", [on, b.scalar(hint + ".one", 1), b.scalar(hint + ".minus_one", -1)], output: hint)
        }
    }

    /// y = x Wᵀ (+ b): Gemm for vectors, MatMul for sequences ([N, T, F]).
    mutating func affine(_ x: String, weight: NamedTensor, bias: NamedTensor?, rank: Int, _ hint: String) -> String {
        if rank == 1 {
            return b.add("Gemm", [x, initializer(weight)] + (bias.map { [initializer($0)] } ?? []),
                         [Attr.int("transB", 1)], output: hint)
        }
        let product = b.add("MatMul", [x, transposed(weight)], output: hint + "_matmul")
        guard let bias else { return product }
        return b.add("Add", [product, initializer(bias)], output: hint)
    }

    mutating func layer(_ op: LayerOp, node: IRNode, x: String, inputs: [String]) throws -> String {
        let name = node.name
        let inRank = model.graph.nodes[node.inputs.first ?? 0].shape?.count ?? 1
        switch op {
        case .dense(let o):
            let y = affine(x, weight: try required(node, "weight"), bias: o.bias ? try required(node, "bias") : nil,
                           rank: inRank, name + "_linear")
            return activation(o.activation, y, name)
        case .conv2d(let o):
            guard let (ph, pw) = o.resolvedPadding else { throw ExportError("layer '\(name)' has padding: same with an even kernel") }
            let pads = [ph, pw, ph, pw]
            let weight = initializer(try required(node, "weight"))
            let bias = o.bias ? [initializer(try required(node, "bias"))] : []
            let y = b.add("Conv", [x, weight] + bias, [
                Attr.ints("kernel_shape", [o.kernel.0, o.kernel.1]), Attr.ints("strides", [o.stride.0, o.stride.1]),
                Attr.ints("pads", pads),
            ], output: name + "_conv")
            return activation(o.activation, y, name)
        case .pool(let o):
            return b.add(o.isMax ? "MaxPool" : "AveragePool", [x], [
                Attr.ints("kernel_shape", [o.size.0, o.size.1]), Attr.ints("strides", [o.stride.0, o.stride.1]),
            ], output: name)
        case .flatten:
            return b.add("Flatten", [x], [Attr.int("axis", 1)], output: name)
        case .activation(let a):
            return activation(a, x, name)
        case .dropout, .noise:
            return x
        case .add:
            return b.add("Sum", inputs, output: name)
        case .concat:
            return b.add("Concat", inputs, [Attr.int("axis", -1)], output: name)
        case .threshold(let o):
            let net = affine(x, weight: try required(node, "weight"), bias: nil, rank: inRank, name + "_net")
            let threshold: String
            if case .auto? = o.threshold {
                // s = l − ½ − tolerance, l = the example's active inputs (x > 0).
                let active = b.add("Cast", [b.add("Greater", [x, b.scalar(name + ".zero", 0)], output: name + "_active_mask")],
                                   [Attr.int("to", Int(Onnx_TensorProto.DataType.float.rawValue))], output: name + "_active")
                let count = b.add("ReduceSum", [active, axes([-1])], [Attr.int("keepdims", 1)], output: name + "_active_count")
                threshold = b.add("Sub", [count, b.scalar(name + ".half_plus_tolerance", Float(0.5 + o.tolerance))],
                                  output: name + "_auto_threshold")
            } else {
                threshold = initializer(try required(node, "threshold"))
            }
            let field = b.add("Sub", [net, threshold], output: name + "_field")
            return activation(o.bipolar ? .sign : .step, field, name)
        case .pca:
            let components = try required(node, "components"), mean = initializer(try required(node, "mean"))
            let centred = b.add("Sub", [x, mean], output: name + "_centred")
            let code = b.add("MatMul", [centred, transposed(components)], output: name + "_code")
            let back = b.add("MatMul", [code, initializer(components)], output: name + "_back")
            return b.add("Add", [back, mean], output: name)
        case .lstm(let o):
            return try lstm(o, node: node, x: x)
        case .rnn(let o):
            return try rnn(o, node: node, x: x)
        case .hopfield:
            throw ExportError("layer '\(name)' is a Hopfield network: its recall runs single-unit updates in a random or sequential order until no unit changes, a data-dependent number of steps that an ONNX graph cannot reproduce exactly; use `nnc predict` for recall")
        }
    }

    /// ONNX LSTM, time-major inside. nnc's gate blocks i, f, g, o become ONNX's i, o, f, c.
    mutating func lstm(_ o: LSTMOptions, node: IRNode, x: String) throws -> String {
        let h = o.units
        func reordered(_ t: NamedTensor) -> [Float] {
            let per = t.values.count / 4
            return [0, 3, 1, 2].flatMap { g in t.values[(g * per)..<((g + 1) * per)] }
        }
        let wx = try required(node, "input_weight"), wh = try required(node, "recurrent_weight"), bias = try required(node, "bias")
        let w = b.floats(node.name + ".W_iofc", reordered(wx), shape: [1] + wx.shape)
        let r = b.floats(node.name + ".R_iofc", reordered(wh), shape: [1] + wh.shape)
        let bb = b.floats(node.name + ".B_iofc", reordered(bias) + [Float](repeating: 0, count: 4 * h), shape: [1, 8 * h])
        let timeMajor = b.add("Transpose", [x], [Attr.ints("perm", [1, 0, 2])], output: node.name + "_time_major")
        let outs = b.addMulti("LSTM", [timeMajor, w, r, bb], [Attr.int("hidden_size", h)], output: node.name + "_lstm", outputs: 2)
        if o.returnSequence {
            let y = b.add("Squeeze", [outs[0], axes([1])], output: node.name + "_steps")      // [T, N, H]
            return b.add("Transpose", [y], [Attr.ints("perm", [1, 0, 2])], output: node.name)
        }
        return b.add("Squeeze", [outs[1], axes([0])], output: node.name)                        // [N, H]
    }

    /// The rnn unrolled over T steps (Recurrent.swift's equations):
    /// a(t) = U x(t) + b + W r(t−1) [+ W_skip h(t−d)], z = act(a), h = α h(t−1) + (1 − α) z, o = V h + c.
    mutating func rnn(_ o: RNNOptions, node: IRNode, x: String) throws -> String {
        let n = node.name
        guard let inShape = model.graph.nodes[node.inputs.first ?? 0].shape, let first = inShape.first else {
            throw ExportError("layer '\(n)' has no input shape")
        }
        let steps: Int
        switch first {
        case .fixed(let t): steps = t
        case .symbol(let s):
            guard let t = fixedSymbols[s] else { throw ExportError("layer '\(n)': the number of steps '\(s)' is not known") }
            steps = t
        }
        let u = try required(node, "input_weight"), w = try required(node, "recurrent_weight")
        let bias = tensor(node, "bias").map { initializer($0) } ?? b.floats(n + ".bias", [Float](repeating: 0, count: o.units), shape: [o.units])
        let xu = b.add("MatMul", [x, transposed(u)], output: n + "_input_part")            // [N, T, H]
        let wT = transposed(w)
        let skipT = o.skip != nil ? transposed(try required(node, "skip_weight")) : nil
        var outputT: String?, outputBias: String?
        if o.output != nil {
            outputT = transposed(try required(node, "output_weight"))
            outputBias = tensor(node, "output_bias").map { initializer($0) }
                ?? b.floats(n + ".output_bias", [Float](repeating: 0, count: o.output?.units ?? 0), shape: [o.output?.units ?? 0])
        }
        let keep = o.leak != 0 ? b.scalar(n + ".one_minus_leak", Float(1 - o.leak)) : nil
        let leak = o.leak != 0 ? b.scalar(n + ".leak", Float(o.leak)) : nil
        var hidden: [String] = [], fedBack: String?, units: [String] = []
        for t in 0..<steps {
            let index = b.int64s(n + ".step\(t)", [Int64(t)], shape: [])
            var a = b.add("Add", [b.add("Gather", [xu, index], [Attr.int("axis", 1)], output: n + "_u\(t)"), bias], output: n + "_a\(t)")
            if let r = fedBack { a = b.add("Add", [a, b.add("MatMul", [r, wT], output: n + "_w\(t)")], output: n + "_a\(t)") }
            if let skipT, let d = o.skip, t >= d {
                a = b.add("Add", [a, b.add("MatMul", [hidden[t - d], skipT], output: n + "_skip\(t)")], output: n + "_a\(t)")
            }
            var h = activation(o.activation, a, n + "_z\(t)")
            if let keep, let leak {
                let fresh = b.add("Mul", [h, keep], output: n + "_fresh\(t)")
                h = t == 0 ? fresh : b.add("Add", [b.add("Mul", [hidden[t - 1], leak], output: n + "_kept\(t)"), fresh], output: n + "_h\(t)")
            }
            hidden.append(h)
            var unit = h
            if let outputT, let outputBias {
                unit = b.add("Add", [b.add("MatMul", [h, outputT], output: n + "_v\(t)"), outputBias], output: n + "_o\(t)")
            }
            fedBack = o.feedbackFromOutput ? unit : h
            units.append(unit)
        }
        guard let last = units.last else { throw ExportError("layer '\(n)' has no steps") }
        var y = last
        if o.returnSequence {
            let expanded = units.enumerated().map { t, s in b.add("Unsqueeze", [s, axes([1])], output: n + "_seq\(t)") }
            y = b.add("Concat", expanded, [Attr.int("axis", 1)], output: n + "_sequence")
        }
        return activation(o.output?.activation ?? .linear, y, n)
    }
}
