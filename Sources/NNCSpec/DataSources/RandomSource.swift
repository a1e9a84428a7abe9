import NNCData
import NNCKernels

/// `random`: uniform random inputs in [0, 1) of the model's input shape and
/// uniform random class labels, for benchmarks (nothing to learn).
/// Every symbolic dimension of the model's input (e.g. T in [T, 32]) becomes `length`.
/// Inputs the model's input shape; targets classes K, or none without `classes`.
public struct RandomSource: SourceDescriptor {
    public var count: Int
    /// K; nil for no targets.
    public var classes: Int?
    /// The size of every symbolic dimension of the model's input.
    public var length: Int?

    public init(count: Int, classes: Int?, length: Int?) {
        self.count = count
        self.classes = classes
        self.length = length
    }

    public static let schema = [(name: "random", fields: [
        Field("count", .integer(min: 1, max: 10_000_000), default: "256", "examples"),
        Field("classes", .integer(min: 1, max: 100_000), default: "10", "label classes"),
        Field("length", .integer(min: 1, max: 100_000), "value of a symbolic time dimension"),
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) -> RandomSource {
        RandomSource(count: o.int("count"), classes: o.int("classes"), length: o.optionalInt("length"))
    }

    public var name: String { "random" }
    public var options: [(name: String, value: OptionValue)] {
        [("count", .integer(count))] + (classes.map { [("classes", .integer($0))] } ?? [])
            + (length.map { [("length", .integer($0))] } ?? [])
    }

    public func describe(modelInput: Shape) -> SourceDescription {
        let input = modelInput.map { d -> Dim in if case .symbol = d, let length { return .fixed(length) }; return d }
        return SourceDescription(input: input, targets: classes.map { .classes($0) } ?? .none, count: count,
                                 values: .bounded(largest: 1, what: "random inputs"))
    }

    public func validate(modelInput: Shape) throws { _ = try resolvedShape(modelInput) }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        let dims = try resolvedShape(context.modelInput)
        let size = try SizeLimits.elements([count] + dims, "random")
        let inputs = (0..<size).map { _ in rng.uniformFloat() }
        var targets = Targets.none
        if let k = classes {
            targets = .classes((0..<count).map { _ in Int32(rng.int(below: k)) }, classCount: k)
        }
        return try Dataset(inputs: inputs, inputShape: dims, targets: targets)
    }

    private func resolvedShape(_ shape: Shape) throws -> [Int] {
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
