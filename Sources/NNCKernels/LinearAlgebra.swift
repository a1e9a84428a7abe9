/// Dense linear algebra in Double for the closed-form rules (PCA, least
/// squares): small matrices (up to a few hundred rows), exactness first.

/// Eigen-decomposition of a symmetric matrix by the cyclic Jacobi method.
/// - a: [n, n] row-major, symmetric (only symmetry-consistent input is meaningful).
/// - Returns eigenvalues in descending order and the matching eigenvectors as
///   the ROWS of `vectors` ([n, n]), orthonormal.
/// - stop: polled once per row of a sweep; when it says so the iteration ends
///   early (a cancelled run: the caller discards the result).
public func symmetricEigen(_ a: [Double], n: Int, stop: () -> Bool = { false }) -> (values: [Double], vectors: [Double]) {
    precondition(a.count == n * n, "symmetricEigen: need n·n values")
    var m = a
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    var scale = 0.0
    for x in m { scale = max(scale, abs(x)) }
    let tolerance = max(scale, 1e-300) * 1e-15
    for _ in 0..<100 {
        var off = 0.0
        for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off = max(off, abs(m[p * n + q])) } }
        if off <= tolerance || stop() { break }
        for p in 0..<n where !stop() {
            for q in (p + 1)..<max(p + 1, n) {
                let apq = m[p * n + q]
                guard abs(apq) > tolerance else { continue }
                let app = m[p * n + p], aqq = m[q * n + q]
                // Rotation angle that zeroes m[p][q] (Golub & Van Loan, symmetric Schur).
                let theta = (aqq - app) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {
                    let mkp = m[k * n + p], mkq = m[k * n + q]
                    m[k * n + p] = c * mkp - s * mkq
                    m[k * n + q] = s * mkp + c * mkq
                }
                for k in 0..<n {
                    let mpk = m[p * n + k], mqk = m[q * n + k]
                    m[p * n + k] = c * mpk - s * mqk
                    m[q * n + k] = s * mpk + c * mqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    // Columns of v are eigenvectors; sort by eigenvalue, descending, and return them as rows.
    let order = (0..<n).sorted { m[$0 * n + $0] > m[$1 * n + $1] }
    var values = [Double](repeating: 0, count: n)
    var vectors = [Double](repeating: 0, count: n * n)
    for (row, j) in order.enumerated() {
        values[row] = m[j * n + j]
        for k in 0..<n { vectors[row * n + k] = v[k * n + j] }
    }
    return (values, vectors)
}

/// Moore–Penrose pseudo-inverse A⁺ of A [rows, cols] (row-major), via the
/// eigen-decomposition of AᵀA: A⁺ = V Σ⁻² Vᵀ Aᵀ over the eigenvalues above
/// `relativeTolerance` × the largest (smaller ones count as zero: rank-deficient
/// A gets the minimum-norm least-squares solution). Returns [cols, rows].
/// `stop` as for `symmetricEigen`.
public func pseudoInverse(_ a: [Double], rows: Int, cols: Int, relativeTolerance: Double = 1e-10,
                          stop: () -> Bool = { false }) -> [Double] {
    precondition(a.count == rows * cols, "pseudoInverse: need rows·cols values")
    var ata = [Double](repeating: 0, count: cols * cols)
    for i in 0..<cols where !stop() {
        for j in i..<cols {
            var s = 0.0
            for r in 0..<rows { s += a[r * cols + i] * a[r * cols + j] }
            ata[i * cols + j] = s
            ata[j * cols + i] = s
        }
    }
    let (values, vectors) = symmetricEigen(ata, n: cols, stop: stop)
    let largest = values.first ?? 0
    // M = Σ_k v_k v_kᵀ / λ_k over the kept eigenpairs: (AᵀA)⁺.
    var m = [Double](repeating: 0, count: cols * cols)
    for (k, lambda) in values.enumerated() where lambda > largest * relativeTolerance && lambda > 0 {
        for i in 0..<cols {
            let vi = vectors[k * cols + i] / lambda
            for j in 0..<cols { m[i * cols + j] += vi * vectors[k * cols + j] }
        }
    }
    // A⁺ = (AᵀA)⁺ Aᵀ : [cols, rows].
    var result = [Double](repeating: 0, count: cols * rows)
    for i in 0..<cols {
        for r in 0..<rows {
            var s = 0.0
            for j in 0..<cols { s += m[i * cols + j] * a[r * cols + j] }
            result[i * rows + r] = s
        }
    }
    return result
}
