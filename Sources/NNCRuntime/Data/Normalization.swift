/// Input normalization (`normalize:`), fitted on one dataset (the training
/// part) and applied unchanged to others (the test part), so test statistics
/// never leak into training.
///
/// Statistics are per feature group, chosen by the input's rank:
/// - `[F]` (vectors): each of the F components on its own (tabular columns);
/// - `[T, F]` (sequences): each of the F features, pooled over time steps;
/// - `[C, H, W]` and higher (images): each channel, pooled over positions.
/// Sequence padding (steps beyond `lengths`) is neither counted nor changed.
/// Targets are never normalized.

public enum Normalization: Sendable, Equatable {
    /// (x − mean) / std per group; a constant group (std = 0) is only centred.
    case standardize
    /// (x − min) / (max − min) per group, so training data spans 0...1; a
    /// constant group becomes 0.
    case minmax
    /// x · K for every value (Caffe's `scale`, Keras' `Rescaling`), e.g. `{scale: 0.00392156862745098}`
    /// maps bytes to 0...1 and `{scale: 0.0625}` the digits' 0...16.
    case scale(Float)
}

/// x' = (x − offsets[g]) · factors[g] for every input value x in group g.
public struct NormalizationStats: Sendable, Equatable {
    public let method: Normalization
    /// The input shape the statistics were fitted on.
    public let inputShape: [Int]
    public let offsets: [Float]
    public let factors: [Float]

    /// Fits `method` to the inputs of `data`.
    public static func fit(_ method: Normalization, to data: Dataset) throws -> NormalizationStats {
        let groups = FeatureGroups(data.inputShape)
        switch method {
        case .scale(let k):
            guard k.isFinite, k != 0 else { throw DataError.invalidOption("normalize scale must be finite and non-zero, got \(k)") }
            return NormalizationStats(method: method, inputShape: data.inputShape,
                                      offsets: [Float](repeating: 0, count: groups.count),
                                      factors: [Float](repeating: k, count: groups.count))
        case .standardize:
            var sum = [Double](repeating: 0, count: groups.count)
            var n = [Double](repeating: 0, count: groups.count)
            data.forEachValidInput { j, v in
                let g = groups.group(of: j)
                sum[g] += Double(v)
                n[g] += 1
            }
            let mean = zip(sum, n).map { $1 > 0 ? $0 / $1 : 0 }
            var squares = [Double](repeating: 0, count: groups.count)
            data.forEachValidInput { j, v in
                let g = groups.group(of: j)
                let d = Double(v) - mean[g]
                squares[g] += d * d
            }
            let factors = (0..<groups.count).map { g -> Float in
                let std = n[g] > 0 ? (squares[g] / n[g]).squareRoot() : 0
                return std > 1e-12 ? Float(1 / std) : 1
            }
            return NormalizationStats(method: method, inputShape: data.inputShape,
                                      offsets: mean.map { Float($0) }, factors: factors)
        case .minmax:
            var low = [Float](repeating: .infinity, count: groups.count)
            var high = [Float](repeating: -.infinity, count: groups.count)
            data.forEachValidInput { j, v in
                let g = groups.group(of: j)
                low[g] = min(low[g], v)
                high[g] = max(high[g], v)
            }
            // A group never seen (impossible with ≥ 1 example) is left unchanged.
            let offsets = low.map { $0.isFinite ? $0 : 0 }
            let factors = zip(low, high).map { lo, hi -> Float in hi > lo ? 1 / (hi - lo) : 1 }
            return NormalizationStats(method: method, inputShape: data.inputShape, offsets: offsets, factors: factors)
        }
    }

    /// `data` with these statistics applied to its inputs.
    public func apply(to data: Dataset) throws -> Dataset {
        guard data.inputShape == inputShape else {
            throw DataError.invalidOption(
                "normalization statistics were fitted on inputs of shape \(inputShape), not \(data.inputShape)")
        }
        let groups = FeatureGroups(inputShape)
        var result = data
        data.forEachValidInput { j, v in
            let g = groups.group(of: j)
            result.inputs[j] = (v - offsets[g]) * factors[g]
        }
        return result
    }
}

extension Dataset {
    /// This dataset normalized with statistics fitted on itself; use
    /// `NormalizationStats.fit` on the training part and `apply` to the others.
    public func normalized(_ method: Normalization) throws -> Dataset {
        try NormalizationStats.fit(method, to: self).apply(to: self)
    }

    /// Calls `body(flat index, value)` for every input value that is not padding.
    func forEachValidInput(_ body: (Int, Float) -> Void) {
        let size = inputSize
        for i in 0..<count {
            let start = i * size
            for j in start..<(start + validInputCount(i)) {
                body(j, inputs[j])
            }
        }
    }
}

/// Which feature group a flat input index belongs to (see the file comment).
private struct FeatureGroups {
    let count: Int
    /// Consecutive values that share a group (positions of one channel).
    let inner: Int

    init(_ shape: [Int]) {
        let size = shape.reduce(1, *)
        switch shape.count {
        case 1: (count, inner) = (shape[0], 1)
        case 2: (count, inner) = (shape[1], 1)
        default: (count, inner) = (shape[0], size / shape[0])
        }
    }

    func group(of flatIndex: Int) -> Int { (flatIndex / inner) % count }
}
