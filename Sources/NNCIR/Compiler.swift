import NNCSpec

/// The front half of nnc, in pipeline order: YAML → typed spec → IR graph →
/// shape inference → cross-section rule checks. Every pass reports all the
/// independent errors it finds; a part with errors is skipped by later passes.
public struct CheckResult: Sendable {
    public var file: SourceFile
    public var spec: Spec?
    /// The model with inferred shapes; nil when the model section could not be read.
    public var graph: Graph?
    /// Sorted by position.
    public var diagnostics: [Diagnostic]
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
}

public enum Compiler {
    public static func check(_ file: SourceFile, overrides: [Override] = []) -> CheckResult {
        let read = YAMLReader.read(file)
        var bag = DiagnosticBag()
        bag.add(contentsOf: read.diagnostics)
        guard var root = read.root else {
            return CheckResult(file: file, spec: nil, graph: nil, diagnostics: sorted(bag.diagnostics))
        }
        for o in overrides {
            switch o.apply(to: root) {
            case .success(let changed): root = changed
            case .failure(let e):
                bag.add(Diagnostic(.error, "E0110", e.message, file: file.path, span: nil))
            }
        }
        let (spec, specDiagnostics) = SpecBuilder.build(root: root, file: file.path)
        bag.add(contentsOf: specDiagnostics)
        var graph: Graph?
        if let spec, let model = spec.model {
            var g = Lowering.lower(model, into: &bag)
            var inference = ShapeInference(graph: g, diagnostics: bag)
            inference.run()
            g = inference.graph
            bag = inference.diagnostics
            var rules = RuleCheck(spec: spec, graph: g, diagnostics: bag)
            rules.run()
            bag = rules.diagnostics
            graph = g
        }
        return CheckResult(file: file, spec: spec, graph: graph, diagnostics: sorted(bag.diagnostics))
    }

    /// W0101 for a command-line flag that changes nothing for this spec, as for the same
    /// option written in it: `--epochs` with a closed-form rule or without a `train` section.
    public static func flagWarnings(_ checked: CheckResult, epochs: Int?) -> [Diagnostic] {
        guard epochs != nil, let spec = checked.spec else { return [] }
        guard let train = spec.train else {
            return [Diagnostic(.warning, "W0101", "'--epochs' has no effect: the spec has no 'train' section (its weights are fixed)",
                               file: checked.file.path, span: nil, help: "leave out '--epochs'")]
        }
        guard train.rule.isClosedForm else { return [] }
        return [Diagnostic(.warning, "W0101", "'--epochs' has no effect: rule '\(train.rule.rawValue)' is solved in closed form",
                           file: checked.file.path, span: train.spans["rule"] ?? train.span, help: "leave out '--epochs'")]
    }

    /// Stable order: by line and column; diagnostics without a position first.
    static func sorted(_ ds: [Diagnostic]) -> [Diagnostic] {
        ds.enumerated().sorted { a, b in
            let la = a.element.span?.start ?? SourceLocation(line: 0, column: 0)
            let lb = b.element.span?.start ?? SourceLocation(line: 0, column: 0)
            return la != lb ? la < lb : a.offset < b.offset
        }.map(\.element)
    }
}
