import XCTest
@testable import NNCKernels

final class LinearAlgebraTests: XCTestCase {
    func testEigenDecompositionReconstructsAndIsOrthonormal() {
        var rng = SeededRandom(seed: 7)
        let n = 12
        var b = [Double](repeating: 0, count: n * n)
        for i in 0..<(n * n) { b[i] = rng.uniformDouble() * 2 - 1 }
        var a = [Double](repeating: 0, count: n * n)   // a = b bᵀ: symmetric, positive semi-definite
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[i * n + k] * b[j * n + k] } } }
        let (values, vectors) = symmetricEigen(a, n: n)
        XCTAssertEqual(values, values.sorted(by: >))
        for i in 0..<n {
            for j in 0..<n {
                var dot = 0.0, recon = 0.0
                for k in 0..<n {
                    dot += vectors[i * n + k] * vectors[j * n + k]
                    recon += vectors[k * n + i] * values[k] * vectors[k * n + j]
                }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-10)
                XCTAssertEqual(recon, a[i * n + j], accuracy: 1e-9)
            }
        }
    }

    func testKnownEigenvalues() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1.
        let (values, vectors) = symmetricEigen([2, 1, 1, 2], n: 2)
        XCTAssertEqual(values[0], 3, accuracy: 1e-12)
        XCTAssertEqual(values[1], 1, accuracy: 1e-12)
        XCTAssertEqual(abs(vectors[0]), 1 / 2.0.squareRoot(), accuracy: 1e-12)
    }

    func testPseudoInverseSatisfiesPenroseConditions() {
        var rng = SeededRandom(seed: 3)
        // Rank-deficient 6×4: the last column is the sum of the first two.
        let rows = 6, cols = 4
        var a = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<3 { a[r * cols + c] = rng.uniformDouble() - 0.5 }
            a[r * cols + 3] = a[r * cols] + a[r * cols + 1]
        }
        let p = pseudoInverse(a, rows: rows, cols: cols)
        func mul(_ x: [Double], _ xr: Int, _ xc: Int, _ y: [Double], _ yc: Int) -> [Double] {
            var out = [Double](repeating: 0, count: xr * yc)
            for i in 0..<xr { for j in 0..<yc { for k in 0..<xc { out[i * yc + j] += x[i * xc + k] * y[k * yc + j] } } }
            return out
        }
        let apa = mul(mul(a, rows, cols, p, rows), rows, rows, a, cols)   // A A⁺ A = A
        for i in 0..<a.count { XCTAssertEqual(apa[i], a[i], accuracy: 1e-9) }
        let pap = mul(mul(p, cols, rows, a, cols), cols, cols, p, rows)   // A⁺ A A⁺ = A⁺
        for i in 0..<p.count { XCTAssertEqual(pap[i], p[i], accuracy: 1e-9) }
        let ap = mul(a, rows, cols, p, rows)                              // A A⁺ symmetric
        for i in 0..<rows { for j in 0..<rows { XCTAssertEqual(ap[i * rows + j], ap[j * rows + i], accuracy: 1e-9) } }
    }
}
