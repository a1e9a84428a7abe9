import NNCKernels

/// `random`: uniform random inputs in [0, 1) of the model's input shape and
/// uniform random class labels, for benchmarks (nothing to learn).
/// Every symbolic dimension of `shape` (e.g. T in [T, 32]) becomes `length`.
/// Inputs `shape`; targets classes K, or none without `classes`.
public struct RandomSource: DataSource, Equatable {
    public var count: Int
    /// K; nil for no targets.
    public var classes: Int?
    /// The model's input shape, possibly with symbolic dimensions.
    public var shape: [DataDim]
    /// The size of every symbolic dimension of `shape`.
    public var length: Int?

    public init(shape: [DataDim], count: Int, classes: Int?, length: Int?) {
        self.shape = shape
        self.count = count
        self.classes = classes
        self.length = length
    }

    public func describe() throws -> DatasetDescription {
        let dims = try resolvedShape()
        return DatasetDescription(inputShape: dims.fixedDims, targets: classes.map { .classes(count: $0) } ?? .none,
                                  count: count, inputValues: .interval(0, 1))
    }

    public func generate(rng: inout SeededRandom) throws -> Dataset {
        let dims = try resolvedShape()
        let size = try SizeLimits.elements([count] + dims, "random")
        let inputs = (0..<size).map { _ in rng.uniformFloat() }
        var targets = Targets.none
        if let k = classes {
            targets = .classes((0..<count).map { _ in Int32(rng.int(below: k)) }, classCount: k)
        }
        return try Dataset(inputs: inputs, inputShape: dims, targets: targets)
    }

    private func resolvedShape() throws -> [Int] {
        try SourceOption.positive(count, "count", of: "random")
        if let k = classes { try SourceOption.positive(k, "classes", of: "random") }
        if let length { try SourceOption.positive(length, "length", of: "random") }
        guard !shape.isEmpty else { throw DataError.invalidOption("random: the input shape is empty") }
        let dims = try shape.map { dim -> Int in
            switch dim {
            case .fixed(let n):
                guard n >= 1 else { throw DataError.invalidOption("random: input dimension \(n) must be at least 1") }
                return n
            case .symbol(let name):
                guard let length else {
                    throw DataError.invalidOption("random: the input shape has the symbolic dimension '\(name)'; give length: to fix it")
                }
                return length
            }
        }
        _ = try SizeLimits.elements([count] + dims, "random")
        return dims
    }
}
