import Foundation
import NNCIR
import NNCKernels
import NNCSpec

/// Why a model or an input file cannot be used: `unreadable` (missing, not a
/// file, not the right format: exit 2) or `invalid` (readable but wrong for
/// the model: shape, values; exit 3).
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case unreadable, invalid }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}

/// A model file read back: its tensors, its spec checked again, and the
/// metadata `ModelFile` wrote. Everything predict and export use.
public struct LoadedModel: Sendable {
    public var path: String
    public var metadata: [String: String]
    public var tensors: [NamedTensor]
    public var spec: Spec
    public var graph: Graph
    /// One example's input shape as trained (the data's, symbolic dims bound).
    public var inputShape: [Int]
    public var normalization: NormalizationStats?
    public var classNames: [String]?
    public var output: ModelFile.Output
    public var codeLayer: String?
    public var version: String?

    /// Reads `path` (a model.safetensors, or a folder holding one).
    public static func load(_ path: String) throws -> LoadedModel {
        let file = modelFilePath(path)
        let read: (tensors: [NamedTensor], metadata: [String: String])
        do { read = try SafeTensors.read(path: file) } catch {
            throw ModelError(.unreadable, "\(error)")
        }
        let m = read.metadata
        func fail(_ why: String) -> ModelError { ModelError(.unreadable, "\(file): \(why)") }
        guard let yaml = m["spec_yaml"] else {
            throw fail("not a self-describing nnc model (no 'spec_yaml' in its metadata); write it again with a current `nnc run --out`")
        }
        let checked = Compiler.check(SourceFile(path: file + " (spec_yaml)", bytes: Array(yaml.utf8)))
        guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph else {
            let first = checked.diagnostics.first { $0.severity == .error }?.message ?? "no model"
            throw fail("its spec does not check clean: \(first)")
        }
        guard let shapeText = m["input_shape"], let inputShape = intList(shapeText), !inputShape.isEmpty,
              inputShape.allSatisfy({ $0 > 0 && $0 <= 1 << 24 }) else {
            throw fail("'input_shape' in its metadata is missing or not a list of positive sizes")
        }
        guard let outputName = m["output"], let output = ModelFile.Output(rawValue: outputName) else {
            throw fail("'output' in its metadata is missing or unknown")
        }
        var classNames: [String]?
        if let text = m["class_names"] {
            guard let names = jsonObject(text) as? [String] else { throw fail("'class_names' is not a list of strings") }
            classNames = names
        }
        var normalization: NormalizationStats?
        if let text = m["normalization"] {
            guard let n = normalizationStats(text) else { throw fail("'normalization' in its metadata is malformed") }
            normalization = n
        }
        return LoadedModel(path: file, metadata: m, tensors: read.tensors, spec: spec, graph: graph, inputShape: inputShape,
                           normalization: normalization, classNames: classNames, output: output,
                           codeLayer: m["code_layer"], version: m["nnc_version"])
    }

    /// `path`, or the model.safetensors in it when it is a folder (a run's output).
    public static func modelFilePath(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return path }
        return (path.hasSuffix("/") ? path : path + "/") + "model.safetensors"
    }

    /// A parameter store for this model's graph holding the file's tensors.
    public func parameters() throws -> ParameterStore {
        let store = ParameterStore(graph: graph)
        store.values.zero()
        if let problem = store.load(tensors, graph: graph).first {
            throw ModelError(.invalid, "\(path): \(problem.message)")
        }
        return store
    }

    static func jsonObject(_ text: String) -> Any? {
        guard text.utf8.count <= 50_000_000, SafeTensors.nestingProblem(ArraySlice(text.utf8)) == nil else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    static func intList(_ text: String) -> [Int]? {
        guard let items = jsonObject(text) as? [Any] else { return nil }
        let ints = items.compactMap { SafeTensors.nonNegativeInteger($0) }
        return ints.count == items.count ? ints : nil
    }

    static func floatList(_ any: Any?) -> [Float]? {
        guard let items = any as? [Any] else { return nil }
        let floats = items.compactMap { ($0 as? NSNumber).map { Float($0.doubleValue) } }
        return floats.count == items.count && floats.allSatisfy(\.isFinite) ? floats : nil
    }

    static func normalizationStats(_ text: String) -> NormalizationStats? {
        guard let o = jsonObject(text) as? [String: Any],
              let shapeItems = o["input_shape"] as? [Any], let offsets = floatList(o["offsets"]),
              let factors = floatList(o["factors"]), offsets.count == factors.count, !offsets.isEmpty else { return nil }
        let shape = shapeItems.compactMap { SafeTensors.nonNegativeInteger($0) }
        guard shape.count == shapeItems.count, !shape.isEmpty else { return nil }
        let method: Normalization
        switch o["method"] {
        case let s as String where s == "standardize": method = .standardize
        case let s as String where s == "minmax": method = .minmax
        case let d as [String: Any]:
            guard let k = (d["scale"] as? NSNumber)?.floatValue, k.isFinite, k != 0 else { return nil }
            method = .scale(k)
        default: return nil
        }
        // The groups must match the shape (see FeatureGroups): F, F of [T, F], or C of [C, ...].
        let groups = shape.count == 1 ? shape[0] : shape.count == 2 ? shape[1] : shape[0]
        guard groups == offsets.count else { return nil }
        return NormalizationStats(method: method, inputShape: shape, offsets: offsets, factors: factors)
    }
}

/// A tensor of a model file that does not fit a graph's parameters.
public struct ParameterMismatch: Sendable {
    public enum Kind: Sendable { case missing, unknown, shape, notFinite }
    public var kind: Kind
    /// The graph node it is about (nil: a name no layer has).
    public var node: Int?
    public var message: String
}

extension ParameterStore {
    /// Copies `tensors` in by name (`layer.role`), checking every name and
    /// shape; returns every mismatch (nothing is copied for a mismatched one).
    /// An rnn without bias has no bias tensors in files; its slots stay as they are.
    public func load(_ tensors: [NamedTensor], graph: Graph) -> [ParameterMismatch] {
        var problems: [ParameterMismatch] = []
        var byName: [String: NamedTensor] = [:]
        for t in tensors { byName[t.name] = t }
        let exported = Set(namedTensors(graph: graph).map(\.name))
        for e in entries {
            guard let t = byName.removeValue(forKey: e.name) else {
                if exported.contains(e.name) {
                    problems.append(ParameterMismatch(kind: .missing, node: e.node, message: "the model file has no tensor '\(e.name)' (shape \(e.shape))"))
                }
                continue
            }
            guard t.shape == e.shape, t.values.count == e.count else {
                problems.append(ParameterMismatch(kind: .shape, node: e.node,
                    message: "'\(e.name)' has shape \(t.shape) in the model file, the spec gives \(e.shape)"))
                continue
            }
            guard t.values.allSatisfy(\.isFinite) else {
                problems.append(ParameterMismatch(kind: .notFinite, node: e.node, message: "'\(e.name)' holds values that are not finite"))
                continue
            }
            pointer(e).update(from: t.values, count: e.count)
        }
        for name in byName.keys.sorted() {
            problems.append(ParameterMismatch(kind: .unknown, node: nil, message: "the model file's tensor '\(name)' is not a parameter of this spec"))
        }
        return problems
    }
}
