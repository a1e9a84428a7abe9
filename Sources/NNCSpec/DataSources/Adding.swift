import NNCData
import NNCKernels

/// `adding`: Hochreiter & Schmidhuber's adding problem (1997), in the form of
/// Le, Jaitly & Hinton (2015): every step has two inputs, a value uniform in
/// [0, 1) and a marker 0/1; exactly two steps are marked, the first uniformly
/// in the first half (steps 0..<⌊T/2⌋), the second in the second half
/// (⌊T/2⌋..<T). The target is the sum of the two marked values, in [0, 2):
/// sequence-to-one, one value per sequence.
/// Inputs [T, 2] (value, marker); targets vectors [1].
public struct AddingSource: SourceDescriptor {
    /// T, the sequence length (at least 2).
    public var length: Int
    public var count: Int

    public init(length: Int, count: Int) {
        self.length = length
        self.count = count
    }

    public static let schema = [(name: "adding", fields: [
        Field("length", .integer(min: 2, max: 100_000), default: "50", "sequence length T"),
        Field("count", .integer(min: 1, max: 10_000_000), default: "1000", "sequences"),
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) -> AddingSource {
        AddingSource(length: o.int("length"), count: o.int("count"))
    }

    public var name: String { "adding" }
    public var options: [(name: String, value: OptionValue)] { [("length", .integer(length)), ("count", .integer(count))] }

    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: [.fixed(length), .fixed(2)], targets: .vectors([.fixed(1)]), count: count,
                          values: .bounded(largest: 1, what: "adding inputs"))
    }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        try validate(modelInput: context.modelInput)
        let half = length / 2
        var inputs = [Float](repeating: 0, count: count * length * 2)
        var sums = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let base = i * length * 2
            for step in 0..<length { inputs[base + 2 * step] = rng.uniformFloat() }
            let first = rng.int(below: half)
            let second = half + rng.int(below: length - half)
            inputs[base + 2 * first + 1] = 1
            inputs[base + 2 * second + 1] = 1
            sums[i] = inputs[base + 2 * first] + inputs[base + 2 * second]
        }
        return try Dataset(inputs: inputs, inputShape: [length, 2], targets: .vectors(sums, shape: [1]),
                           featureNames: ["value", "marker"])
    }

    public func validate(modelInput: Shape) throws {
        guard length >= 2 else { throw DataError.invalidOption("adding: length must be at least 2, got \(length)") }
        try SourceOption.positive(count, "count", of: "adding")
        _ = try SizeLimits.elements([count, length, 2], "adding")
    }
}
