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
public struct PatternsSource: DataSource, Equatable {
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

    public func describe() throws -> DatasetDescription {
        _ = try activeUnits()
        let targets: TargetDescription = pairs.map { .vectors(shape: [.fixed($0.units)]) } ?? .none
        return DatasetDescription(inputShape: [.fixed(units)], targets: targets, count: count, inputValues: .binary)
    }

    public func generate(rng: inout SeededRandom) throws -> Dataset {
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
