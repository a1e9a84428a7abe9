import NNCKernels

/// The plane of the two leading principal axes of a set of examples, for
/// the 2-D figures (codes wider than two units, PCA's view of the inputs).
///
/// Only two axes are needed, so instead of a full eigen-decomposition
/// (O(F³), slow for wide inputs such as 784 pixels) this runs orthogonal
/// iteration on the 1/N covariance (O(F²) per step) and finishes with a
/// Rayleigh–Ritz rotation inside the converged plane, so the axes are the
/// leading eigenvectors in order. The covariance is estimated from at most
/// `maxRows` evenly spaced examples (a figure needs no more). Each axis's
/// entry of largest magnitude is positive, as in `PrincipalComponents`.
struct PlaneProjection {
    /// μ: [features].
    let mean: [Double]
    /// Orthonormal axes, [axes.count][features]; one axis when features = 1.
    let axes: [[Double]]

    /// - rows: [count, features] row-major.
    init(rows: UnsafeBufferPointer<Float>, count: Int, features: Int, maxRows: Int = 4000) {
        let step = max(1, (count + maxRows - 1) / maxRows)
        let selected = Array(stride(from: 0, to: count, by: step))
        let (mean, c) = PrincipalComponents.covariance(rows: rows, count: count, features: features, selected: selected)
        let k = min(2, features)
        // A fixed start (seeded), never orthogonal to the leading plane in practice.
        var random = SeededRandom(seed: 0x2D)
        var q = (0..<(k * features)).map { _ in Double(random.normalFloat()) }
        Self.orthonormalize(&q, k: k, features: features)
        for _ in 0..<2000 {
            var next = [Double](repeating: 0, count: k * features)
            for a in 0..<k {
                for i in 0..<features {
                    var s = 0.0
                    for j in 0..<features { s += c[i * features + j] * q[a * features + j] }
                    next[a * features + i] = s
                }
            }
            guard Self.orthonormalize(&next, k: k, features: features) else { break }
            // Converged when the new plane's basis is the old one's (up to sign).
            var moved = 0.0
            for a in 0..<k {
                var dot = 0.0
                for j in 0..<features { dot += next[a * features + j] * q[a * features + j] }
                moved = max(moved, 1 - abs(dot))
            }
            q = next
            if moved < 1e-13 { break }
        }
        // Rayleigh–Ritz: diagonalise the covariance within the plane, largest first.
        var h = [Double](repeating: 0, count: k * k)
        for a in 0..<k {
            for b in 0..<k {
                var s = 0.0
                for i in 0..<features {
                    var ci = 0.0
                    for j in 0..<features { ci += c[i * features + j] * q[b * features + j] }
                    s += q[a * features + i] * ci
                }
                h[a * k + b] = s
            }
        }
        let (_, rotation) = symmetricEigen(h, n: k)
        var axes = [Double](repeating: 0, count: k * features)
        for a in 0..<k {
            for b in 0..<k {
                for j in 0..<features { axes[a * features + j] += rotation[a * k + b] * q[b * features + j] }
            }
            PrincipalComponents.makeLargestEntryPositive(&axes, row: a, width: features)
        }
        self.mean = mean
        self.axes = (0..<k).map { Array(axes[($0 * features)..<(($0 + 1) * features)]) }
    }

    /// Gram–Schmidt on the k rows of v ([k, features]); false when a row vanishes (rank < k).
    @discardableResult
    static func orthonormalize(_ v: inout [Double], k: Int, features: Int) -> Bool {
        for a in 0..<k {
            for b in 0..<a {
                var dot = 0.0
                for j in 0..<features { dot += v[a * features + j] * v[b * features + j] }
                for j in 0..<features { v[a * features + j] -= dot * v[b * features + j] }
            }
            var norm = 0.0
            for j in 0..<features { norm += v[a * features + j] * v[a * features + j] }
            norm = norm.squareRoot()
            guard norm > 1e-300 else { return false }
            for j in 0..<features { v[a * features + j] /= norm }
        }
        return true
    }

    /// (x − μ) on the two axes (y = 0 with one axis). x: [features].
    func project(_ x: UnsafePointer<Float>) -> (x: Double, y: Double) {
        let coordinates = axes.map { axis in
            axis.indices.reduce(0.0) { $0 + axis[$1] * (Double(x[$1]) - mean[$1]) }
        }
        return (coordinates.first ?? 0, coordinates.count > 1 ? coordinates[1] : 0)
    }
}
