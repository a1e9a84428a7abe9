import Foundation
import SwiftProtobuf

/// Builds one ONNX graph: nodes in order, initializers, unique tensor names.
/// Every `add` returns the name of the node's (first) output.
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    private var used: Set<String> = []

    /// A fresh tensor name starting with `hint`.
    mutating func name(_ hint: String) -> String {
        var candidate = hint
        var k = 1
        while used.contains(candidate) { k += 1; candidate = "\(hint)_\(k)" }
        used.insert(candidate)
        return candidate
    }

    @discardableResult
    mutating func add(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = [],
                      output hint: String? = nil, outputs count: Int = 1) -> String {
        addMulti(op, inputs, attributes, output: hint, outputs: count)[0]
    }

    /// A node with several outputs (e.g. LSTM's Y, Y_h, Y_c).
    mutating func addMulti(_ op: String, _ inputs: [String], _ attributes: [Onnx_AttributeProto] = [],
                           output hint: String? = nil, outputs count: Int) -> [String] {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        let base = hint ?? op.lowercased()
        node.output = (0..<count).map { k in name(count == 1 ? base : "\(base)_\(k)") }
        node.name = name("node_" + base)
        node.attribute = attributes
        nodes.append(node)
        return node.output
    }

    /// A float32 initializer (row-major) named `name` exactly (safetensors names are kept).
    @discardableResult
    mutating func floats(_ name: String, _ values: [Float], shape: [Int]) -> String {
        var t = Onnx_TensorProto()
        t.name = self.name(name)
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dims = shape.map(Int64.init)
        var data = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        t.rawData = data
        initializers.append(t)
        return t.name
    }

    @discardableResult
    mutating func int64s(_ name: String, _ values: [Int64], shape: [Int]) -> String {
        var t = Onnx_TensorProto()
        t.name = self.name(name)
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.dims = shape.map(Int64.init)
        t.int64Data = values
        initializers.append(t)
        return t.name
    }

    mutating func scalar(_ name: String, _ value: Float) -> String { floats(name, [value], shape: []) }
}

/// Attribute constructors.
enum Attr {
    static func int(_ name: String, _ v: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(v); return a
    }
    static func ints(_ name: String, _ v: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = v.map(Int64.init); return a
    }
    static func float(_ name: String, _ v: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = v; return a
    }
    static func string(_ name: String, _ v: String) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .string; a.s = Data(v.utf8); return a
    }
    static func strings(_ name: String, _ v: [String]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto(); a.name = name; a.type = .strings; a.strings = v.map { Data($0.utf8) }; return a
    }
}
