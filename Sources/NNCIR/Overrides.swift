import NNCSpec

/// `nnc run --set KEY.PATH=VALUE`: changes to the spec's YAML tree before it
/// is checked, so an override is checked like the rest of the spec.
/// A path walks mapping keys and list indices (`model.layers.0.dense.units`);
/// a missing final key is added. The value is read as YAML (`0.1`, `[32, 32]`,
/// `{sgd: {lr: 0.1}}`).
public struct Override: Sendable, Equatable {
    public var path: [String]
    public var value: String

    /// Parses `KEY.PATH=VALUE`; nil when there is no `=` or the path is empty.
    public init?(_ text: String) {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let path = text[..<eq].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, !path.contains(where: \.isEmpty) else { return nil }
        self.path = path
        self.value = String(text[text.index(after: eq)...])
    }

    /// The tree with this override applied, or a diagnostic saying why it cannot be.
    func apply(to root: YAMLNode) -> Result<YAMLNode, OverrideError> {
        let source = SourceFile(path: "--set \(path.joined(separator: "."))", text: "value: \(value)\n")
        let read = YAMLReader.read(source)
        guard let parsed = read.root?["value"], !read.hasErrors else {
            return .failure(OverrideError(message: "--set \(path.joined(separator: ".")): '\(value)' is not a YAML value"))
        }
        return set(root, path[...], parsed, walked: [])
    }

    private func set(_ node: YAMLNode, _ rest: ArraySlice<String>, _ value: YAMLNode, walked: [String]) -> Result<YAMLNode, OverrideError> {
        guard let key = rest.first else { return .success(value) }
        let here = (walked + [key]).joined(separator: ".")
        var node = node
        switch node.kind {
        case .mapping(var pairs):
            if let i = pairs.firstIndex(where: { $0.key.scalar == key }) {
                switch set(pairs[i].value, rest.dropFirst(), value, walked: walked + [key]) {
                case .success(let v): pairs[i].value = v
                case .failure(let e): return .failure(e)
                }
            } else if rest.count == 1 {
                pairs.append(YAMLPair(key: YAMLNode(.scalar(key, .plain), span: value.span), value: value))
            } else {
                return .failure(OverrideError(message: "--set \(path.joined(separator: ".")): '\(here)' is not in the spec"))
            }
            node.kind = .mapping(pairs)
        case .sequence(var items):
            guard let i = Int(key), items.indices.contains(i) else {
                return .failure(OverrideError(message: "--set \(path.joined(separator: ".")): '\(here)' needs an index below \(items.count)"))
            }
            switch set(items[i], rest.dropFirst(), value, walked: walked + [key]) {
            case .success(let v): items[i] = v
            case .failure(let e): return .failure(e)
            }
            node.kind = .sequence(items)
        case .scalar:
            return .failure(OverrideError(message: "--set \(path.joined(separator: ".")): '\(walked.joined(separator: "."))' is a value, not a mapping"))
        }
        return .success(node)
    }
}

public struct OverrideError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
