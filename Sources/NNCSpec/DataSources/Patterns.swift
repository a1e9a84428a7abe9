import NNCData
import NNCKernels

/// `patterns`: P random binary patterns of K units, for Hopfield networks and
/// associative memories; with `pairs`, each pattern gets a random target
/// pattern (hetero-association).
///
/// `density` d means exactly round(d · K) active units per pattern, at
/// positions drawn uniformly (not K independent coin flips): every pattern has
/// the same activity, which is what binary associative memories (threshold
/// l − ½ with l active inputs) and capacity experiments assume; d = 0.5 gives
/// the balanced patterns of Hopfield experiments. Patterns are not forced to
/// be distinct. Values are 0/1; `encoding: bipolar` makes them ±1.
/// Inputs [K]; targets none, or vectors [N] with `pairs`.
public struct PatternsSource: SourceDescriptor {
    public struct Pairs: Sendable, Equatable {
        /// N, the units of each target pattern.
        public var units: Int
        public var density: Double

        public init(units: Int, density: Double) {
            self.units = units
            self.density = density
        }
    }

    /// P, the number of patterns.
    public var count: Int
    /// K, the units of each pattern.
    public var units: Int
    public var density: Double
    public var pairs: Pairs?

    public init(count: Int, units: Int, density: Double, pairs: Pairs?) {
        self.count = count
        self.units = units
        self.density = density
        self.pairs = pairs
    }

    public static let schema = [(name: "patterns", fields: [
        Field("count", .integer(min: 1, max: 1_000_000), default: "10", "patterns P"),
        Field("units", .integer(min: 1, max: 1_000_000), default: "100", "units K"),
        Field("density", .probability, default: "0.5", "fraction of active units"),
        Field("pairs", .object(ObjectSchema([
            Field("units", .integer(min: 1, max: 1_000_000), required: true, "target units N"),
            Field("density", .probability, default: "0.5", "fraction of active target units"),
        ])), "give each pattern a random target pattern (hetero-association)"),
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) -> PatternsSource {
        PatternsSource(count: o.int("count"), units: o.int("units"), density: o.number("density"),
                       pairs: o.nested("pairs").map { Pairs(units: $0.int("units"), density: $0.number("density")) })
    }

    public var name: String { "patterns" }
    public var options: [(name: String, value: OptionValue)] {
        [("count", .integer(count)), ("units", .integer(units)), ("density", .number(density))]
            + (pairs.map { [("pairs", .map([.init(name: "units", value: .integer($0.units)), .init(name: "density", value: .number($0.density))]))] } ?? [])
    }

    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: [.fixed(units)], targets: pairs.map { .vectors([.fixed($0.units)]) } ?? .none, count: count,
                          values: .binary)
    }

    public func validate(modelInput: Shape) throws { _ = try activeUnits() }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        let (active, targetActive) = try activeUnits()
        var inputs = [Float](repeating: 0, count: count * units)
        var targetValues = [Float](repeating: 0, count: count * (pairs?.units ?? 0))
        for p in 0..<count {
            Self.drawPattern(into: &inputs, at: p * units, units: units, active: active, rng: &rng)
            if let pairs, let targetActive {
                Self.drawPattern(into: &targetValues, at: p * pairs.units, units: pairs.units, active: targetActive, rng: &rng)
            }
        }
        let targets: Targets = pairs.map { .vectors(targetValues, shape: [$0.units]) } ?? .none
        return try Dataset(inputs: inputs, inputShape: [units], targets: targets)
    }

    /// Sets `active` of the `units` values starting at `offset` to 1, chosen by a
    /// partial Fisher–Yates shuffle of the positions.
    private static func drawPattern(into values: inout [Float], at offset: Int, units: Int, active: Int,
                                    rng: inout SeededRandom) {
        var positions = Array(0..<units)
        for i in 0..<active {
            let j = i + rng.int(below: units - i)
            positions.swapAt(i, j)
            values[offset + positions[i]] = 1
        }
    }

    /// round(d · K) for the patterns and for the targets, each at least 1.
    private func activeUnits() throws -> (Int, Int?) {
        try SourceOption.positive(count, "count", of: "patterns")
        try SourceOption.positive(units, "units", of: "patterns")
        try SourceOption.fraction(density, "density", of: "patterns")
        _ = try SizeLimits.elements([count, units], "patterns")
        let active = try Self.active(density, units, "")
        guard let pairs else { return (active, nil) }
        try SourceOption.positive(pairs.units, "pairs.units", of: "patterns")
        try SourceOption.fraction(pairs.density, "pairs.density", of: "patterns")
        _ = try SizeLimits.elements([count, pairs.units], "patterns pairs")
        return (active, try Self.active(pairs.density, pairs.units, "pairs."))
    }

    private static func active(_ density: Double, _ units: Int, _ prefix: String) throws -> Int {
        let k = Int((density * Double(units)).rounded())
        guard k >= 1 else {
            throw DataError.invalidOption("patterns: \(prefix)density \(density) of \(units) units leaves no unit active")
        }
        return k
    }
}
