import NNCSpec

/// What a data set looks like, known from its spec alone (no data is read):
/// the shape of one example and the form of its targets.
public struct DataDescription: Sendable, Equatable {
    public enum Targets: Sendable, Equatable {
        case none
        /// Class indices; the class count when known.
        case classes(Int?)
        /// A vector (or a sequence of vectors) per example.
        case vectors(Shape)
        /// Not known before the data is read (files).
        case unknown
    }
    /// nil: not known before the file is read.
    public var input: Shape?
    public var targets: Targets
    /// What the input values are, where known without reading a file.
    public var values: Values = .unknown
    /// How many examples there are, where known without reading a file (after `limit`).
    public var count: Int?
    /// Whether the targets name classes: class indices, or one-hot vectors of them
    /// (`one_hot: true`, reber's next symbols). Accuracy, errors and confusion need it.
    public var classCoded: Bool { if case .classes = targets { return true }; return oneHot }
    var oneHot = false

    public enum Values: Sendable, Equatable {
        /// 0 and 1 (or −1 and +1) only.
        case binary
        /// Real numbers, with the largest absolute value where known.
        case real(largest: Double?)
        case unknown
    }

    init(input: Shape?, targets: Targets, values: Values = .unknown, oneHot: Bool = false) {
        self.input = input; self.targets = targets; self.values = values; self.oneHot = oneHot
    }

    /// Describes a dataset; `modelInput` fills in what `random` copies from the model.
    public static func describe(_ d: DatasetSpec, modelInput: Shape?) -> DataDescription {
        var result: DataDescription
        switch d.form {
        case .builtin(let source): result = builtin(source, modelInput: modelInput)
        case .inline(let inputs, let targets):
            let t: Targets
            switch targets {
            case .none: t = .none
            case .classes(let c)?: t = .classes((c.max() ?? 0) + 1)
            case .vectors(let v)?: t = .vectors([.fixed(v.first?.count ?? 0)])
            }
            let flat = inputs.joined()
            let binary = flat.allSatisfy { $0 == 0 || $0 == 1 } || flat.allSatisfy { $0 == -1 || $0 == 1 }
            result = DataDescription(input: [.fixed(inputs.first?.count ?? 0)], targets: t,
                                     values: binary ? .binary : .real(largest: flat.map(abs).max()))
            result.count = inputs.count
        case .csv(let o): result = DataDescription(input: nil, targets: o.label == .none ? .none : .classes(o.classes))
        case .idx(_, let labels): result = DataDescription(input: nil, targets: labels == nil ? .none : .classes(nil))
        case .npy(_, let targets): result = DataDescription(input: nil, targets: targets == nil ? .none : .unknown)
        }
        if let limit = d.limit, let n = result.count { result.count = min(n, limit) }
        if d.oneHot, case .classes(let k?) = result.targets { result.targets = .vectors([.fixed(k)]); result.oneHot = true }
        if d.oneHot, case .classes(nil) = result.targets { result.targets = .unknown }
        return result
    }

    /// A built-in source as its descriptor describes it (NNCSpec/DataSources).
    static func builtin(_ s: BuiltinSource, modelInput: Shape?) -> DataDescription {
        let d = s.describe(modelInput: modelInput ?? [])
        let targets: Targets = switch d.targets {
        case .none: .none
        case .classes(let k): .classes(k)
        case .vectors(let shape): .vectors(shape)
        }
        let values: Values = switch d.values {
        case .binary: .binary
        case .bounded(let largest, _): .real(largest: largest)
        case .unbounded: .real(largest: nil)
        }
        var result = DataDescription(input: d.input, targets: targets, values: values, oneHot: d.oneHotTargets)
        result.count = d.count
        return result
    }
}

/// Binds symbolic dimensions while matching two shapes: `[T, 7]` matches `[50, 7]` with T = 50.
struct ShapeMatcher {
    var bindings: [String: Dim] = [:]

    mutating func match(_ expected: Shape, _ found: Shape) -> Bool {
        guard expected.count == found.count else { return false }
        for (e, f) in zip(expected, found) {
            switch (e, f) {
            case (.fixed(let a), .fixed(let b)): if a != b { return false }
            case (.symbol(let s), _), (_, .symbol(let s)):
                let other = (e == .symbol(s)) ? f : e
                if let bound = bindings[s] {
                    if bound != other, !isSymbol(bound), !isSymbol(other) { return false }
                    if isSymbol(bound) { bindings[s] = other }
                } else {
                    bindings[s] = other
                }
            }
        }
        return true
    }

    private func isSymbol(_ d: Dim) -> Bool { if case .symbol = d { return true }; return false }
}
