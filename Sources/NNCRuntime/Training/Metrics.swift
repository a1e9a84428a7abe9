import Foundation

extension MetricValue {
    public var number: Double? { scalar }

    /// Short form for the terminal.
    public var display: String {
        switch self {
        case .number(let d): return formatMetric(d)
        case .integer(let i): return String(i)
        case .matrix(let m): return "\(m.count)×\(m.first?.count ?? 0) matrix"
        case .numbers(let s): return s.isEmpty ? "[]" : "\(s.count) values, \(formatMetric(s[0])) → \(formatMetric(s[s.count - 1]))"
        case .text(let t): return t
        }
    }
}

extension Array where Element == (name: String, value: MetricValue) {
    /// The value of the metric named `name`.
    public subscript(metric name: String) -> MetricValue? { first { $0.name == name }?.value }
}

/// 4 significant digits ("0.9861", "1.234e-05").
public func formatMetric(_ x: Double) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
    return String(format: "%.4g", x)
}

/// An ordered list of named metrics (order as the spec lists them).
public struct MetricSet: Sendable, Equatable {
    public var entries: MetricList = []
    public init() {}
    public subscript(name: String) -> MetricValue? {
        get { entries.first { $0.name == name }?.value }
        set {
            if let i = entries.firstIndex(where: { $0.name == name }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append((name, newValue))
            }
        }
    }
    public static func == (a: MetricSet, b: MetricSet) -> Bool {
        a.entries.map(\.name) == b.entries.map(\.name) && zip(a.entries, b.entries).allSatisfy { $0.value == $1.value }
    }
}
