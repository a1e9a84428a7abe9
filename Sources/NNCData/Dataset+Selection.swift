import NNCKernels

/// Choosing and reordering examples: `limit`, `shuffle` and `split` of the spec
/// (applied in that order: limit first, before any shuffle). Every per-example
/// array (inputs, targets, lengths, masks, allowed targets, long-range steps)
/// moves together.
extension Dataset {
    /// The examples at `indices`, in that order (repeats allowed).
    public func subset(_ indices: [Int]) throws -> Dataset {
        guard !indices.isEmpty else { throw DataError.invalidOption("a subset needs at least one example") }
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DataError.invalidOption("example \(bad) is outside 0..<\(count)")
        }
        return gathering(indices)
    }

    /// The first `n` examples (all of them when n ≥ count).
    public func limit(_ n: Int) throws -> Dataset {
        guard n >= 1 else { throw DataError.invalidOption("limit must be at least 1, got \(n)") }
        return n >= count ? self : gathering(Array(0..<n))
    }

    /// The examples in an order drawn from `rng` (Fisher–Yates).
    public func shuffled(rng: inout SeededRandom) -> Dataset {
        gathering(permutation(rng: &rng))
    }

    /// Shuffles with `rng`, then cuts into consecutive parts of the given
    /// fractions, e.g. [0.8, 0.2] for train and test. Fractions must be positive
    /// and sum to at most 1 (what is left over is dropped); part boundaries are
    /// round(cumulative fraction × count), and the last part reaches the end
    /// when the fractions sum to 1. Every part must be non-empty.
    public func split(fractions: [Double], rng: inout SeededRandom) throws -> [Dataset] {
        guard !fractions.isEmpty else { throw DataError.invalidOption("split needs at least one fraction") }
        if let bad = fractions.first(where: { !($0 > 0 && $0 <= 1) }) {
            throw DataError.invalidOption("split fraction \(bad) must be in (0, 1]")
        }
        let total = fractions.reduce(0, +)
        guard total <= 1 + 1e-9 else {
            throw DataError.invalidOption("split fractions sum to \(total), more than 1")
        }
        let order = permutation(rng: &rng)
        var parts: [Dataset] = []
        var start = 0
        var cumulative = 0.0
        for (index, fraction) in fractions.enumerated() {
            cumulative += fraction
            let isLast = index == fractions.count - 1
            let end = isLast && abs(total - 1) <= 1e-9 ? count : min(count, Int((cumulative * Double(count)).rounded()))
            guard end > start else {
                throw DataError.invalidOption(
                    "split part \(index + 1) (fraction \(fraction) of \(count) examples) would be empty")
            }
            parts.append(gathering(Array(order[start..<end])))
            start = end
        }
        return parts
    }

    private func permutation(rng: inout SeededRandom) -> [Int] {
        var order = Array(0..<count)
        rng.shuffle(&order)
        return order
    }

    /// The examples at `indices`, which the caller guarantees are in 0..<count.
    package func gathering(_ indices: [Int]) -> Dataset {
        var result = self
        result.count = indices.count
        result.inputs = Self.gatherRows(inputs, rowSize: inputSize, indices)
        switch targets {
        case .none:
            break
        case .classes(let labels, let k):
            result.targets = .classes(indices.map { labels[$0] }, classCount: k)
        case .vectors(let values, let shape):
            result.targets = .vectors(Self.gatherRows(values, rowSize: targetSize, indices), shape: shape)
        }
        result.lengths = lengths.map { l in indices.map { l[$0] } }
        result.longRangeSteps = longRangeSteps.map { s in indices.map { s[$0] } }
        result.targetMask = targetMask.map { Self.gatherRows($0, rowSize: $0.count / count, indices) }
        result.allowedTargets = allowedTargets.map { Self.gatherRows($0, rowSize: targetSize, indices) }
        return result
    }

    private static func gatherRows(_ values: [Float], rowSize: Int, _ indices: [Int]) -> [Float] {
        var out = [Float]()
        out.reserveCapacity(indices.count * rowSize)
        for i in indices {
            out.append(contentsOf: values[(i * rowSize)..<((i + 1) * rowSize)])
        }
        return out
    }
}
