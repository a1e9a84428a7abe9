import XCTest
import NNCIR
import NNCSpec

/// The layer-kind descriptors (NNCSpec/Layers/): every schema entry decodes with only
/// its required options, the decoded options are the schema's defaults, and each kind
/// is described by the descriptor that owns its entry.
final class LayerDescriptorTests: XCTestCase {
    /// A value for a required option of this type (positive and small).
    func sample(_ type: SchemaType) -> String? {
        switch type {
        case .integer: return "1"
        case .number: return "0.5"
        case .anyOf(let options): return options.lazy.compactMap(sample).first
        case .list(let item, let minCount, _): return sample(item).map { v in "[" + Array(repeating: v, count: max(1, minCount)).joined(separator: ", ") + "]" }
        default: return nil
        }
    }

    func graph(layer: String, input: String) -> (CheckResult, LayerOp?) {
        let text = "nnc: 1\nmodel:\n  input: \(input)\n  layers:\n    - \(layer)\n"
        let result = Compiler.check(SourceFile(path: "layer.yaml", text: text))
        guard case .layer(let op)? = result.graph?.nodes.last?.op else { return (result, nil) }
        return (result, op)
    }

    func testEverySchemaEntryDecodesWithOnlyItsRequiredOptions() throws {
        var names: Set<String> = []
        for type in LayerOp.kinds {
            for entry in type.schemaCases {
                XCTAssertTrue(names.insert(entry.name).inserted, "'\(entry.name)' has two entries")
                var required: [String] = []
                var exactlyOne: [[String]] = []
                if case .object(let schema)? = entry.payload {
                    for field in schema.fields where field.required {
                        let value = try XCTUnwrap(sample(field.type), "\(entry.name).\(field.name)")
                        required.append("\(field.name): \(value)")
                    }
                    exactlyOne = schema.exactlyOneOf
                }
                for group in exactlyOne { if let first = group.first { required.append("\(first): 0.1") } }
                let layer = required.isEmpty ? entry.name : "\(entry.name): {\(required.joined(separator: ", "))}"
                let input = ["conv2d", "maxpool", "avgpool"].contains(entry.name) ? "[1, 4, 4]"
                    : ["rnn", "lstm"].contains(entry.name) ? "[3, 2]" : "[4]"
                let (result, op) = graph(layer: layer, input: input)
                // No error of the spec's own (E01xx: values and options); model checks may follow.
                let own = result.diagnostics.filter { $0.code.hasPrefix("E01") }
                XCTAssertEqual(own.count, 0, "\(layer): \(own.map(\.message))")
                let op_ = try XCTUnwrap(op, layer)
                XCTAssertEqual(ObjectIdentifier(type), ObjectIdentifier(Swift.type(of: op_.kind)), "\(entry.name) is described by \(Swift.type(of: op_.kind))")
                XCTAssertEqual(op_.kindName, entry.name == "logistic" ? "sigmoid" : entry.name)
            }
        }
        XCTAssertEqual(names, Set(SpecSchema.layerSchema.cases.map(\.name)))
    }

    func testLeftOutOptionsAreTheSchemaDefaults() throws {
        guard case .conv2d(let c)? = graph(layer: "conv2d: {filters: 2, kernel: 3}", input: "[1, 5, 5]").1,
              case .hopfield(let h)? = graph(layer: "hopfield", input: "[6]").1,
              case .rnn(let r)? = graph(layer: "rnn: {units: 3, output: {units: 2}}", input: "[4, 2]").1,
              case .lstm(let l)? = graph(layer: "lstm: {units: 3}", input: "[4, 2]").1,
              case .dense(let d)? = graph(layer: "dense: {units: 2, penalty: {l2: 0.5}}", input: "[3]").1 else {
            return XCTFail("a layer did not decode")
        }
        func schemaDefault(_ kind: String, _ key: String) -> String? {
            guard case .object(let s)? = SpecSchema.layerSchema.case(kind)?.payload else { return nil }
            return s.field(key)?.defaultValue
        }
        XCTAssertEqual(c.stride.0, Int(schemaDefault("conv2d", "stride") ?? ""))
        XCTAssertEqual(c.padding, .valid)
        XCTAssertEqual(c.activation.rawValue, schemaDefault("conv2d", "activation"))
        XCTAssertEqual(h.maxSweeps, Int(schemaDefault("hopfield", "max_sweeps") ?? ""))
        XCTAssertEqual(h.selfWeight, Double(schemaDefault("hopfield", "self_weight") ?? ""))
        XCTAssertTrue(h.randomOrder)
        XCTAssertFalse(h.synchronous)
        XCTAssertEqual(r.activation.rawValue, schemaDefault("rnn", "activation"))
        XCTAssertEqual(r.output?.activation, .softmax, "the output block's own default")
        XCTAssertTrue(r.returnSequence)
        XCTAssertEqual(l.forgetBias, Double(schemaDefault("lstm", "forget_bias") ?? ""))
        XCTAssertEqual(d.penalty, Penalty(l1: 0, l2: 0.5, contractive: 0))
    }

    /// The parameter count `nnc summary` prints is the layout's learned values.
    func testParameterCountIsTheLayoutsLearnedValues() {
        let (result, op) = graph(layer: "rnn: {units: 3, bias: false, output: {units: 2}}", input: "[4, 2]")
        guard let node = result.graph?.nodes.last, let op else { return XCTFail("no rnn") }
        let layout = op.kind.parameters(input: [.fixed(4), .fixed(2)])
        XCTAssertEqual(node.parameterLayout, layout)
        XCTAssertEqual(node.parameters, 3 * 2 + 3 * 3 + 2 * 3)   // U, W, V learned; biases kept at zero
        XCTAssertEqual(layout.filter { !$0.learned }.map(\.role), [.bias, .outputBias])
    }
}
