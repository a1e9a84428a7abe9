/// Builds the `YAMLNode` tree from parser events, iteratively (an explicit
/// stack of open collections, never recursion), enforcing `YAMLLimits`:
///
/// - Aliases become copies of their anchored node. Each anchor remembers its
///   node count and nesting height, so the expanded size and depth are known
///   arithmetically before anything is inserted; a "billion laughs" document
///   stops at the first alias that crosses the budget (E0006, E0007). The
///   copies share storage (Swift arrays are copy-on-write), so even an
///   accepted expansion costs no more memory than the text.
/// - An alias copy's root takes the alias's span (a message about the value
///   points at `*name`); the nodes inside keep the spans of the anchored text.
/// - Merge keys (YAML 1.1 `<<: *base` or `<<: [*a, *b]`) are supported: the
///   merged pairs are inserted where `<<` stands, keys written in the mapping
///   itself win, and among several merged mappings the earlier one wins.
///   A quoted `"<<"` is an ordinary key.
/// - Duplicate keys (E0005), complex keys (E0009) and unknown tags (E0009)
///   are reported and reading goes on (the first value is kept; a complex
///   key's pair and an unknown tag are dropped). Every other problem stops
///   reading and leaves no root.
struct YAMLTreeBuilder {
    /// One parser event, copied out of libyaml's C structs.
    enum Event {
        case streamStart, streamEnd
        case documentStart(SourceSpan), documentEnd
        case scalar(String, ScalarStyle, tag: String?, anchor: String?, SourceSpan)
        case alias(String, SourceSpan)
        case sequenceStart(tag: String?, anchor: String?, SourceSpan)
        case sequenceEnd(SourceSpan)
        case mappingStart(tag: String?, anchor: String?, SourceSpan)
        case mappingEnd(SourceSpan)
    }

    /// A finished node with its expanded size and its nesting height
    /// (0 for a scalar, 1 for a flat list or mapping).
    private struct Built {
        var node: YAMLNode
        var count: Int
        var height: Int
    }

    /// A list or mapping whose end event has not come yet.
    private struct Frame {
        var isMapping: Bool
        var start: SourceSpan
        var tag: String?
        var anchor: String?
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        /// The key waiting for its value, and whether the pair will be kept.
        var key: YAMLNode?
        var keepPair = false
        /// The first span of every key text, to report duplicates.
        var keySpans: [String: SourceSpan] = [:]
        var hasMergeKey = false
        var count = 1
        var height = 1
    }

    let path: String
    let limits: YAMLLimits
    private(set) var diagnostics: [Diagnostic] = []
    private(set) var root: YAMLNode?
    /// Documents started so far, and where the first one starts.
    private(set) var documents = 0
    private(set) var firstDocument: SourceSpan?
    private var stack: [Frame] = []
    private var anchors: [String: Built] = [:]
    /// Anchors of collections still open: an alias to one of them is a cycle.
    private var openAnchors: Set<String> = []
    /// Nodes in the document so far, aliases counted at their expanded size.
    private var total = 0

    init(path: String, limits: YAMLLimits) {
        self.path = path
        self.limits = limits
    }

    /// Feeds one event. Returns false when reading must stop: a fatal error
    /// was reported, or a second document began.
    mutating func consume(_ event: Event) -> Bool {
        switch event {
        case .streamStart, .streamEnd, .documentEnd:
            return true
        case .documentStart(let span):
            documents += 1
            if documents == 1 { firstDocument = span }
            if documents > 1 {
                diagnostics.append(.error("E0008", "a second YAML document starts here; a spec file holds exactly one",
                                          at: span, help: "split the documents into separate files"))
                return false
            }
            return true
        case .scalar(let value, let style, let tag, let anchor, let span):
            guard count(1, at: span) else { return false }
            let node = YAMLNode(.scalar(value, style), span: span, tag: checkedTag(tag, on: .scalar, at: span))
            let built = Built(node: node, count: 1, height: 0)
            if let anchor { anchors[anchor] = built }
            deliver(built)
            return true
        case .alias(let name, let span):
            return alias(name, at: span)
        case .sequenceStart(let tag, let anchor, let span):
            return open(isMapping: false, tag: tag, anchor: anchor, at: span)
        case .mappingStart(let tag, let anchor, let span):
            return open(isMapping: true, tag: tag, anchor: anchor, at: span)
        case .sequenceEnd(let span), .mappingEnd(let span):
            close(at: span)
            return true
        }
    }

    // MARK: Collections

    private mutating func open(isMapping: Bool, tag: String?, anchor: String?, at span: SourceSpan) -> Bool {
        if stack.count + 1 > limits.maxDepth {
            diagnostics.append(.error("E0007", "mappings and lists are nested more than \(limits.maxDepth) levels deep",
                                      at: span))
            return false
        }
        guard count(1, at: span) else { return false }
        let tag = checkedTag(tag, on: isMapping ? .mapping : .list, at: span)
        stack.append(Frame(isMapping: isMapping, start: span, tag: tag, anchor: anchor))
        if let anchor { openAnchors.insert(anchor) }
        return true
    }

    private mutating func close(at end: SourceSpan) {
        guard let frame = stack.popLast() else { return }  // libyaml pairs start and end events
        let span = SourceSpan(file: path, start: frame.start.start, end: end.end)
        let kind: YAMLNode.Kind
        if frame.isMapping {
            kind = .mapping(frame.hasMergeKey ? resolveMergeKeys(frame.pairs) : frame.pairs)
        } else {
            kind = .sequence(frame.items)
        }
        let built = Built(node: YAMLNode(kind, span: span, tag: frame.tag), count: frame.count, height: frame.height)
        if let anchor = frame.anchor {
            openAnchors.remove(anchor)
            anchors[anchor] = built
        }
        deliver(built)
    }

    /// Hands a finished node to the open collection, or makes it the root.
    private mutating func deliver(_ built: Built) {
        guard var frame = stack.popLast() else {
            root = built.node
            return
        }
        frame.count += built.count
        frame.height = max(frame.height, built.height + 1)
        if !frame.isMapping {
            frame.items.append(built.node)
        } else if let key = frame.key {
            if frame.keepPair { frame.pairs.append(YAMLPair(key: key, value: built.node)) }
            frame.key = nil
        } else {
            frame.key = built.node
            frame.keepPair = acceptKey(built.node, in: &frame)
        }
        stack.append(frame)
    }

    /// Whether a key starts a pair to keep: reports complex and duplicate keys.
    private mutating func acceptKey(_ key: YAMLNode, in frame: inout Frame) -> Bool {
        guard case .scalar(let text, let style) = key.kind else {
            diagnostics.append(.error("E0009", "a mapping key must be a plain value such as a name or a number, not \(key.kindDescription)",
                                      at: key.span))
            return false
        }
        if let first = frame.keySpans[text] {
            diagnostics.append(.error("E0005", "duplicate key '\(text)'", at: key.span,
                                      notes: [DiagnosticNote("'\(text)' is first given here (line \(first.start.line))", at: first)],
                                      help: "remove one of the two entries"))
            return false
        }
        frame.keySpans[text] = key.span
        if Self.isMergeKey(text, style, tag: key.tag) { frame.hasMergeKey = true }
        return true
    }

    private static func isMergeKey(_ text: String, _ style: ScalarStyle, tag: String?) -> Bool {
        text == "<<" && style == .plain && tag == nil
    }

    /// Replaces each `<<` pair by the pairs of the mapping(s) it names.
    private mutating func resolveMergeKeys(_ pairs: [YAMLPair]) -> [YAMLPair] {
        func isMerge(_ pair: YAMLPair) -> Bool {
            guard case .scalar(let text, let style) = pair.key.kind else { return false }
            return Self.isMergeKey(text, style, tag: pair.key.tag)
        }
        var taken = Set(pairs.filter { !isMerge($0) }.compactMap { $0.key.scalar })
        var result: [YAMLPair] = []
        for pair in pairs {
            guard isMerge(pair) else { result.append(pair); continue }
            let sources: [YAMLNode]
            if pair.value.mapping != nil {
                sources = [pair.value]
            } else if let list = pair.value.sequence, list.allSatisfy({ $0.mapping != nil }) {
                sources = list
            } else {
                diagnostics.append(.error("E0009", "the value of a merge key '<<' must be a mapping or a list of mappings, not \(pair.value.kindDescription)",
                                          at: pair.value.span))
                continue
            }
            for source in sources {
                for merged in source.mapping ?? [] {
                    guard let key = merged.key.scalar, !taken.contains(key) else { continue }
                    taken.insert(key)
                    result.append(merged)
                }
            }
        }
        return result
    }

    // MARK: Aliases and limits

    private mutating func alias(_ name: String, at span: SourceSpan) -> Bool {
        if openAnchors.contains(name) {
            diagnostics.append(.error("E0009", "the alias '*\(name)' is inside the node anchored '&\(name)': a recursive structure cannot be read",
                                      at: span))
            return false
        }
        guard var built = anchors[name] else {
            diagnostics.append(.error("E0009", "the alias '*\(name)' has no anchor '&\(name)' before it", at: span))
            return false
        }
        if stack.count + built.height > limits.maxDepth {
            diagnostics.append(.error("E0007", "the alias '*\(name)' nests mappings and lists more than \(limits.maxDepth) levels deep",
                                      at: span))
            return false
        }
        guard count(built.count, at: span, alias: name) else { return false }
        built.node.span = span
        deliver(built)
        return true
    }

    /// Adds `nodes` to the document's total; false (and E0006) past the budget.
    /// `nodes` never exceeds `maxNodes` (an anchor's count was itself within
    /// the budget), so the sum cannot overflow.
    private mutating func count(_ nodes: Int, at span: SourceSpan, alias: String? = nil) -> Bool {
        total += nodes
        guard total > limits.maxNodes else { return true }
        var message = "the document has more than \(limits.maxNodes) nodes once anchors and aliases are expanded"
        if let alias { message += " (the alias '*\(alias)' alone adds \(nodes))" }
        diagnostics.append(.error("E0006", message, at: span))
        return false
    }

    private enum TaggedKind: String {
        case scalar = "a scalar", list = "a list", mapping = "a mapping"
    }

    /// The tag if a spec may use it on this kind of node; otherwise E0009 and nil.
    private mutating func checkedTag(_ tag: String?, on kind: TaggedKind, at span: SourceSpan) -> String? {
        guard let tag else { return nil }
        let core = "tag:yaml.org,2002:"
        let allowed: [String]
        switch kind {
        case .mapping: allowed = ["map"]
        case .list: allowed = ["seq"]
        case .scalar: allowed = ["str", "int", "float", "bool", "null"]
        }
        if tag.hasPrefix(core), allowed.contains(String(tag.dropFirst(core.count))) { return tag }
        let shown = tag.hasPrefix(core) ? "!!" + tag.dropFirst(core.count) : tag
        diagnostics.append(.error("E0009", "the tag '\(shown)' cannot be used on \(kind.rawValue)", at: span,
                                  help: "use no tag, or \(allowed.count > 1 ? "one of " : "")\(allowed.map { "!!" + $0 }.joined(separator: ", "))"))
        return nil
    }
}
