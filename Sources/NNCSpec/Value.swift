/// A YAML node checked against the schema: typed, located, and known valid.
/// The validator builds these; the AST builder reads them.

/// One dimension of a shape.
public enum Dim: Hashable, Sendable, CustomStringConvertible {
    case fixed(Int)
    case symbol(String)
    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbol(let s): return s
        }
    }
    public var fixed: Int? { if case .fixed(let n) = self { return n }; return nil }
}

/// A shape without the batch dimension, outermost first.
public typealias Shape = [Dim]

public func describe(_ shape: Shape) -> String { "[" + shape.map(\.description).joined(separator: ", ") + "]" }

public struct Value: Sendable {
    public indirect enum Kind: Sendable {
        case bool(Bool)
        case integer(Int)
        case number(Double)
        case text(String)
        case shape(Shape)
        case list([Value])
        case object([Member])
        /// A variant case by name, with its payload if one was written.
        case variant(String, Value?)
    }
    public struct Member: Sendable {
        public var key: String
        public var keySpan: SourceSpan
        public var value: Value
    }

    public var kind: Kind
    public var span: SourceSpan

    public var bool: Bool? { if case .bool(let b) = kind { return b }; return nil }
    public var integer: Int? { if case .integer(let i) = kind { return i }; return nil }
    /// A number; integers convert.
    public var number: Double? {
        switch kind {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        default: return nil
        }
    }
    public var text: String? { if case .text(let s) = kind { return s }; return nil }
    public var shape: Shape? { if case .shape(let s) = kind { return s }; return nil }
    public var list: [Value]? { if case .list(let l) = kind { return l }; return nil }
    public var members: [Member]? { if case .object(let m) = kind { return m }; return nil }
    public var variant: (name: String, payload: Value?)? {
        if case .variant(let n, let p) = kind { return (n, p) }
        return nil
    }
    public subscript(key: String) -> Value? { members?.first { $0.key == key }?.value }
    public func keySpan(_ key: String) -> SourceSpan? { members?.first { $0.key == key }?.keySpan }
    public func has(_ key: String) -> Bool { self[key] != nil }
}
