/// A set of examples in memory: flat Float inputs with an explicit per-example
/// shape, and targets of one of three kinds. Every loader, built-in source and
/// transform produces one; the runtime batches it.
///
/// Sequence data (`inputShape` = [T, F], time outermost) may vary in length:
/// each example is then padded with zeros to T steps and `lengths` gives its
/// real number of steps. The initializer checks every invariant below, and the
/// transforms keep them; fields are settable only inside the package (the
/// runtime's loaders and transforms, the built-in sources in NNCSpec).

/// What the examples should produce.
public enum Targets: Sendable, Equatable {
    /// No targets (Hopfield patterns, autoencoders with `target: input`).
    case none
    /// One class index per example, each in 0..<classCount.
    case classes([Int32], classCount: Int)
    /// One vector per example, flat [count, shape...]; shape is without batch,
    /// e.g. [K], or [T, K] for one vector per time step.
    case vectors([Float], shape: [Int])
}

public struct Dataset: Sendable, Equatable {
    /// [count, inputShape...] flat, row-major; every value finite.
    public package(set) var inputs: [Float]
    /// Per example, without batch: e.g. [64], [1, 8, 8], [T, F]. Never empty.
    public package(set) var inputShape: [Int]
    public package(set) var targets: Targets
    /// The number of examples (at least 1).
    public package(set) var count: Int
    /// [count]: the real number of steps of each sequence, in 1...inputShape[0],
    /// when sequences vary in length; nil when every example fills inputShape[0].
    public package(set) var lengths: [Int]?
    /// [count, T] of 0/1, with T = the first target dimension: which time steps
    /// carry a target (1) and which are padding (0). Only with vector targets of
    /// rank ≥ 2 ([T, K]).
    public package(set) var targetMask: [Float]?
    /// Same layout as the vector targets, multi-hot: every target value that is
    /// also correct at that step (Reber: the symbols the grammar allows next; the
    /// standard metric counts a prediction right when it is among them).
    public package(set) var allowedTargets: [Float]?
    /// [count]: the time step whose target depends on a long-range memory
    /// (embedded Reber: the step that must predict the penultimate symbol).
    public package(set) var longRangeSteps: [Int]?
    /// The source or file the data came from, e.g. "xor", for reports.
    public var name: String?
    /// Names of the components of the last input axis, e.g. x1..xN for truth
    /// tables, the header of a CSV file, the symbols of Reber strings.
    public package(set) var featureNames: [String]?
    /// Names of the classes (or of the components of the last target axis),
    /// e.g. "A".."Z", "setosa".., the Reber symbols.
    public var classNames: [String]?

    /// Checks every invariant; throws `DataError` (kind `.malformed`) naming the
    /// first one broken.
    public init(inputs: [Float], inputShape: [Int], targets: Targets = .none, lengths: [Int]? = nil,
                targetMask: [Float]? = nil, allowedTargets: [Float]? = nil, longRangeSteps: [Int]? = nil,
                name: String? = nil, featureNames: [String]? = nil, classNames: [String]? = nil) throws {
        func fail(_ message: String) -> DataError { .malformed("dataset\(name.map { " '\($0)'" } ?? ""): \(message)") }

        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw fail("input shape \(inputShape) must have at least one dimension, all positive")
        }
        let inputSize = try SizeLimits.elements(inputShape, "input shape")
        guard !inputs.isEmpty else { throw fail("no examples") }
        guard inputs.count % inputSize == 0 else {
            throw fail("\(inputs.count) input values do not divide into examples of shape \(inputShape)")
        }
        let count = inputs.count / inputSize
        if let bad = inputs.firstIndex(where: { !$0.isFinite }) {
            throw fail("input value \(inputs[bad]) of example \(bad / inputSize) is not finite")
        }

        var vectorShape: [Int]?
        switch targets {
        case .none:
            break
        case .classes(let labels, let classCount):
            guard classCount >= 1 else { throw fail("class count \(classCount) must be at least 1") }
            guard labels.count == count else { throw fail("\(labels.count) labels for \(count) examples") }
            if let bad = labels.firstIndex(where: { $0 < 0 || Int($0) >= classCount }) {
                throw fail("label \(labels[bad]) of example \(bad) is outside 0..<\(classCount)")
            }
        case .vectors(let values, let shape):
            guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
                throw fail("target shape \(shape) must have at least one dimension, all positive")
            }
            let size = try SizeLimits.elements(shape, "target shape")
            guard values.count == count * size else {
                throw fail("\(values.count) target values for \(count) examples of shape \(shape)")
            }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("target value \(values[bad]) of example \(bad / size) is not finite")
            }
            vectorShape = shape
        }

        if let lengths {
            let steps = inputShape[0]
            guard lengths.count == count else { throw fail("\(lengths.count) lengths for \(count) examples") }
            if let bad = lengths.firstIndex(where: { $0 < 1 || $0 > steps }) {
                throw fail("length \(lengths[bad]) of example \(bad) is outside 1...\(steps)")
            }
        }
        let stepTargets = vectorShape.flatMap { $0.count >= 2 ? $0[0] : nil }
        if let targetMask {
            guard let steps = stepTargets else { throw fail("a target mask needs vector targets of shape [T, K]") }
            guard targetMask.count == count * steps else {
                throw fail("\(targetMask.count) mask values for \(count) examples of \(steps) steps")
            }
            guard targetMask.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw fail("target mask values must be 0 or 1") }
        }
        if let allowedTargets {
            guard case .vectors(let values, _) = targets, allowedTargets.count == values.count else {
                throw fail("allowed targets need vector targets of the same size")
            }
            guard allowedTargets.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw fail("allowed targets must be 0 or 1") }
        }
        if let longRangeSteps {
            guard let steps = stepTargets else { throw fail("long-range steps need vector targets of shape [T, K]") }
            guard longRangeSteps.count == count else { throw fail("\(longRangeSteps.count) long-range steps for \(count) examples") }
            if let bad = longRangeSteps.firstIndex(where: { $0 < 0 || $0 >= steps }) {
                throw fail("long-range step \(longRangeSteps[bad]) of example \(bad) is outside 0..<\(steps)")
            }
        }
        if let featureNames, let last = inputShape.last, featureNames.count != last {
            throw fail("\(featureNames.count) feature names for a last input dimension of \(last)")
        }
        if let classNames {
            let expected: Int? = switch targets {
            case .none: nil
            case .classes(_, let k): k
            case .vectors(_, let shape): shape.last
            }
            guard let expected, classNames.count == expected else {
                throw fail("\(classNames.count) class names for targets \(targets.kindDescription)")
            }
        }

        self.inputs = inputs
        self.inputShape = inputShape
        self.targets = targets
        self.count = count
        self.lengths = lengths
        self.targetMask = targetMask
        self.allowedTargets = allowedTargets
        self.longRangeSteps = longRangeSteps
        self.name = name
        self.featureNames = featureNames
        self.classNames = classNames
    }

    /// Values per example: the product of `inputShape`.
    public var inputSize: Int { inputs.count / count }

    /// Target values per example: 0 (none), 1 (a class index), or the product
    /// of the vector shape.
    public var targetSize: Int {
        switch targets {
        case .none: 0
        case .classes: 1
        case .vectors(let values, _): values.count / count
        }
    }

    /// The number of leading input values of example `i` that are real data
    /// (the rest is sequence padding).
    package func validInputCount(_ i: Int) -> Int {
        guard let lengths else { return inputSize }
        return lengths[i] * (inputSize / inputShape[0])
    }
}

extension Targets {
    package var kindDescription: String {
        switch self {
        case .none: "none"
        case .classes(_, let k): "classes(\(k))"
        case .vectors(_, let shape): "vectors \(shape)"
        }
    }
}
