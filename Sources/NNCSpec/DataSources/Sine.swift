import Foundation
import NNCData
import NNCKernels

/// `sine`: sine waves x(t) = sin(2π f t + φ) with, per sequence, a frequency
/// f uniform in [1/40, 1/10] cycles per step (periods of 10 to 40 steps) and
/// a phase φ uniform in [0, 2π). Next-value prediction: input at step t is
/// x(t), the target is x(t + 1), for t = 0..<T.
/// Inputs [T, 1]; targets vectors [T, 1].
public struct SineSource: SourceDescriptor {
    /// T, the sequence length.
    public var length: Int
    public var count: Int

    public init(length: Int, count: Int) {
        self.length = length
        self.count = count
    }

    public static let frequencies: ClosedRange<Double> = 0.025...0.1

    public static let schema = [(name: "sine", fields: [
        Field("length", .integer(min: 2, max: 100_000), default: "50", "sequence length T"),
        Field("count", .integer(min: 1, max: 10_000_000), default: "500", "sequences"),
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) -> SineSource {
        SineSource(length: o.int("length"), count: o.int("count"))
    }

    public var name: String { "sine" }
    public var options: [(name: String, value: OptionValue)] { [("length", .integer(length)), ("count", .integer(count))] }

    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: [.fixed(length), .fixed(1)], targets: .vectors([.fixed(length), .fixed(1)]), count: count,
                          values: .bounded(largest: 1, what: "sine values"))
    }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        try validate(modelInput: context.modelInput)
        var inputs = [Float](repeating: 0, count: count * length)
        var targets = [Float](repeating: 0, count: count * length)
        let range = Self.frequencies
        for i in 0..<count {
            let frequency = range.lowerBound + (range.upperBound - range.lowerBound) * rng.uniformDouble()
            let phase = 2 * Double.pi * rng.uniformDouble()
            // length + 1 samples: inputs are 0..<T, targets 1...T.
            let wave = (0...length).map { Float(sin(2 * Double.pi * frequency * Double($0) + phase)) }
            inputs.replaceSubrange((i * length)..<((i + 1) * length), with: wave[0..<length])
            targets.replaceSubrange((i * length)..<((i + 1) * length), with: wave[1...length])
        }
        return try Dataset(inputs: inputs, inputShape: [length, 1], targets: .vectors(targets, shape: [length, 1]))
    }

    public func validate(modelInput: Shape) throws {
        try SourceOption.positive(length, "length", of: "sine")
        try SourceOption.positive(count, "count", of: "sine")
        _ = try SizeLimits.elements([count, length], "sine")
    }
}
