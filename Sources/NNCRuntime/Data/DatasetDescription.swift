/// What a dataset looks like without its data: what the checker compares with
/// the model's input and output shapes and with the loss.

/// One dimension of a shape: a fixed size, or a symbolic size (`T`) fixed only
/// when data arrives (variable-length sequences).
public enum DataDim: Sendable, Hashable, CustomStringConvertible {
    case fixed(Int)
    case symbol(String)

    public var description: String {
        switch self {
        case .fixed(let n): String(n)
        case .symbol(let s): s
        }
    }
}

/// The kind and shape of a dataset's targets.
public enum TargetDescription: Sendable, Equatable {
    case none
    /// One class index per example in 0..<count.
    case classes(count: Int)
    /// One vector per example of this shape (without batch), e.g. [K] or [T, K].
    case vectors(shape: [DataDim])
}

/// The range of a dataset's input values.
public enum ValueDomain: Sendable, Equatable {
    /// Every value is 0 or 1 (so `encoding: bipolar` applies).
    case binary
    /// Every value lies in lower...upper.
    case interval(Float, Float)
    /// Any finite value.
    case real
}

public struct DatasetDescription: Sendable, Equatable {
    /// Per example, without batch: e.g. [64], [1, 8, 8], [T, 7].
    public var inputShape: [DataDim]
    public var targets: TargetDescription
    /// The number of examples.
    public var count: Int
    /// The range of input values.
    public var inputValues: ValueDomain
    /// True when sequences vary in length (`Dataset.lengths` is present).
    public var variableLength: Bool
    /// True when only some time steps carry targets (`Dataset.targetMask` is present).
    public var hasTargetMask: Bool

    public init(inputShape: [DataDim], targets: TargetDescription, count: Int, inputValues: ValueDomain,
                variableLength: Bool = false, hasTargetMask: Bool = false) {
        self.inputShape = inputShape
        self.targets = targets
        self.count = count
        self.inputValues = inputValues
        self.variableLength = variableLength
        self.hasTargetMask = hasTargetMask
    }

    /// The description after `Dataset.oneHot()`: class labels become vectors [K].
    public func oneHot() throws -> DatasetDescription {
        guard case .classes(let k) = targets else {
            throw DataError.invalidOption("one_hot needs class-label targets")
        }
        var d = self
        d.targets = .vectors(shape: [.fixed(k)])
        return d
    }
}

extension Array where Element == Int {
    /// Fixed dimensions, for describing a shape known in full.
    var fixedDims: [DataDim] { map { .fixed($0) } }
}
