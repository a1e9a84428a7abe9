import NNCKernels

/// Principal components of a set of examples, in Double: the mean, and the
/// eigenvalues and eigenvectors of the covariance matrix with the 1/N
/// normalisation (the population covariance of the data it is fitted on).
///
/// With 1/N, reconstructing every example from the leading k components,
/// x̂ = μ + Σ_{j≤k} v_j v_jᵀ (x − μ), leaves a mean squared residual
/// (1/N) Σ_n ‖x_n − x̂_n‖² equal to Σ_{j>k} λ_j, the sum of the discarded
/// eigenvalues, exactly (on the data the components were fitted on).
public struct PrincipalComponents: Sendable {
    /// μ: [features].
    public var mean: [Double]
    /// All eigenvalues of the covariance, descending ([features]); tiny
    /// negative values from rounding are kept as computed.
    public var eigenvalues: [Double]
    /// The matching unit eigenvectors as rows, [features, features]; each
    /// row's entry of largest magnitude is positive (a deterministic sign).
    public var vectors: [Double]
    public var features: Int

    /// Fits the components of `count` examples stored row-major in `rows`
    /// ([count, features]).
    public init(rows: UnsafeBufferPointer<Float>, count: Int, features: Int) {
        precondition(count >= 1 && features >= 1 && rows.count >= count * features, "PrincipalComponents: need count × features values")
        let (mean, covariance) = Self.covariance(rows: rows, count: count, features: features)
        let (values, vectors) = symmetricEigen(covariance, n: features, stop: { Cancellation.isRequested })
        var signed = vectors
        for r in 0..<features { Self.makeLargestEntryPositive(&signed, row: r, width: features) }
        self.mean = mean
        self.eigenvalues = values
        self.vectors = signed
        self.features = features
    }

    /// The mean ([features]) and the 1/N covariance ([features, features]) of
    /// the examples `selected` (default: all `count`) of `rows` ([count, features]).
    /// Two passes (mean first, then centred products) keep it exact in Double.
    static func covariance(rows: UnsafeBufferPointer<Float>, count: Int, features: Int,
                           selected: [Int]? = nil) -> (mean: [Double], covariance: [Double]) {
        let examples = selected ?? Array(0..<count)
        let n = Double(max(1, examples.count))
        var mean = [Double](repeating: 0, count: features)
        for e in examples {
            for j in 0..<features { mean[j] += Double(rows[e * features + j]) }
        }
        for j in 0..<features { mean[j] /= n }
        var covariance = [Double](repeating: 0, count: features * features)
        var centred = [Double](repeating: 0, count: features)
        // A cancelled run stops early; the caller's `Cancellation.check()` discards the result.
        var poll = Cancellation.Poll(every: 16)
        for e in examples {
            if poll.due() { break }
            for j in 0..<features { centred[j] = Double(rows[e * features + j]) - mean[j] }
            for i in 0..<features {
                let ci = centred[i]
                guard ci != 0 else { continue }
                for j in i..<features { covariance[i * features + j] += ci * centred[j] }
            }
        }
        for i in 0..<features {
            for j in i..<features {
                let c = covariance[i * features + j] / n
                covariance[i * features + j] = c
                covariance[j * features + i] = c
            }
        }
        return (mean, covariance)
    }

    /// Flips the sign of row `row` ([width] values) so that its entry of largest magnitude is positive.
    static func makeLargestEntryPositive(_ v: inout [Double], row: Int, width: Int) {
        var largest = 0
        for k in 0..<width where abs(v[row * width + k]) > abs(v[row * width + largest]) { largest = k }
        if v[row * width + largest] < 0 {
            for k in 0..<width { v[row * width + k] = -v[row * width + k] }
        }
    }

    /// Total variance: the trace of the covariance, Σ_j λ_j.
    public var totalVariance: Double { eigenvalues.reduce(0, +) }

    /// The fraction of the total variance the leading `k` components keep.
    public func explainedFraction(_ k: Int) -> Double {
        let total = totalVariance
        guard total > 0 else { return 1 }
        return eigenvalues.prefix(k).reduce(0, +) / total
    }

    /// Σ_{j>k} λ_j: the mean squared reconstruction error (per example, summed
    /// over features) of the leading k components on the fitted data.
    public func discardedVariance(_ k: Int) -> Double { eigenvalues.dropFirst(k).reduce(0, +) }

    /// The coordinates of one example on the leading `k` components:
    /// c_j = v_jᵀ (x − μ). x: [features]; returns [k].
    public func project(_ x: UnsafePointer<Float>, components k: Int) -> [Double] {
        (0..<min(k, features)).map { r in
            var s = 0.0
            for j in 0..<features { s += vectors[r * features + j] * (Double(x[j]) - mean[j]) }
            return s
        }
    }
}
