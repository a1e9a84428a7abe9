/// A YAML document as a tree of located nodes: what `YAMLReader` builds from
/// libyaml's events, and what the spec decoder reads. Anchors and aliases are
/// already expanded (the copy made for `*name` has the alias's span at its
/// root, the spans of the anchored text inside; YAML 1.1 merge keys `<<` are
/// resolved); scalars are kept as text (typing them is the decoder's job).

public enum ScalarStyle: Sendable, Hashable {
    /// Unquoted: `true`, `12`, `null`, `~` may mean non-strings.
    case plain
    /// Quoted or block scalar: always a string.
    case quoted
}

public struct YAMLNode: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case scalar(String, ScalarStyle)
        /// Key/value pairs in source order (duplicates already rejected by the reader).
        case mapping([YAMLPair])
        case sequence([YAMLNode])
    }
    public var kind: Kind
    /// Where the node's text starts and ends.
    public var span: SourceSpan
    /// An explicit tag (`!!str`, `!!int`, ...) if one was written.
    public var tag: String?

    public init(_ kind: Kind, span: SourceSpan, tag: String? = nil) {
        self.kind = kind; self.span = span; self.tag = tag
    }

    public var scalar: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }
    public var mapping: [YAMLPair]? {
        if case .mapping(let m) = kind { return m }
        return nil
    }
    public var sequence: [YAMLNode]? {
        if case .sequence(let s) = kind { return s }
        return nil
    }
    /// A plain scalar meaning null: empty, `~`, `null`, `Null`, `NULL`.
    public var isNull: Bool {
        if case .scalar(let s, .plain) = kind, tag == nil || tag == "tag:yaml.org,2002:null" {
            return s.isEmpty || s == "~" || s == "null" || s == "Null" || s == "NULL"
        }
        return false
    }
    /// The value for a scalar key in a mapping (first match).
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }
    /// A short description for messages: "a mapping", "a list", "the number 3", "'abc'".
    public var kindDescription: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s, _): return isNull ? "nothing (null)" : "'\(s)'"
        }
    }
}

public struct YAMLPair: Sendable, Hashable {
    public var key: YAMLNode
    public var value: YAMLNode
    public init(key: YAMLNode, value: YAMLNode) { self.key = key; self.value = value }
}
