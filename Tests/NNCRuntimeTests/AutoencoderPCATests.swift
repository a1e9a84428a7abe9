import XCTest
@testable import NNCRuntime

/// `rule: pca` and `PrincipalComponents`: closed-form principal components,
/// checked against the covariance computed here from the data.
final class AutoencoderPCATests: XCTestCase {
    /// Four points on rotated axes of half-lengths 3 and 1 around (1, 2): the
    /// 1/N covariance has eigenvalues 9/2 and 1/2 along the rotated axes.
    func testPrincipalComponentsOfRotatedCross() {
        let angle = Double.pi / 6
        let (c, s) = (cos(angle), sin(angle))
        let points: [(Double, Double)] = [(3, 0), (-3, 0), (0, 1), (0, -1)]
        var rows: [Float] = []
        for (u, w) in points {
            let x: Double = 1 + c * u - s * w
            let y: Double = 2 + s * u + c * w
            rows += [Float(x), Float(y)]
        }
        let fit = rows.withUnsafeBufferPointer { PrincipalComponents(rows: $0, count: 4, features: 2) }
        XCTAssertEqual(fit.mean[0], 1, accuracy: 1e-6)
        XCTAssertEqual(fit.mean[1], 2, accuracy: 1e-6)
        XCTAssertEqual(fit.eigenvalues[0], 4.5, accuracy: 1e-5)
        XCTAssertEqual(fit.eigenvalues[1], 0.5, accuracy: 1e-5)
        // Signs: each vector's largest entry is positive.
        for (got, want) in zip(fit.vectors, [c, s, -s, c]) { XCTAssertEqual(got, want, accuracy: 1e-6) }
        XCTAssertEqual(fit.explainedFraction(1), 0.9, accuracy: 1e-6)
        XCTAssertEqual(fit.discardedVariance(1), 0.5, accuracy: 1e-5)
        let x: [Float] = [Float(1 + 3 * c), Float(2 + 3 * s)]
        let projected = x.withUnsafeBufferPointer { b in b.baseAddress.map { fit.project($0, components: 2) } ?? [] }
        XCTAssertEqual(projected.count, 2)
        XCTAssertEqual(projected[0], 3, accuracy: 1e-5)
        XCTAssertEqual(projected[1], 0, accuracy: 1e-5)
    }

    /// On the training digits, PCA's mean squared reconstruction error per
    /// example, Σ_f (x − x̂)², equals the sum of the discarded eigenvalues of
    /// the 1/N covariance (the `mse` metric is that divided by 64). The
    /// components are checked here against the covariance itself:
    /// orthonormal, C v = λ v, and the eigenvalues sum to the trace.
    func testReconstructionErrorEqualsSumOfDiscardedEigenvalues() throws {
        for components in [2, 8, 20] {
            let result = try AutoencoderSpecs.run("pca-digits", ["model.layers.0.pca.components=\(components)", "evaluate.on=train"])
            XCTAssertEqual(result.evaluatedOn, "train")
            let record = try XCTUnwrap(result.history.first?.metrics)
            guard case .numbers(let eigenvalues)? = record[metric: "eigenvalues"] else { return XCTFail("no eigenvalues") }
            XCTAssertEqual(eigenvalues.count, 64)
            XCTAssertEqual(eigenvalues, eigenvalues.sorted(by: >))
            let discarded = eigenvalues.dropFirst(components).reduce(0, +)
            let perExample = try AutoencoderSpecs.mse(result) * 64
            XCTAssertEqual(perExample, discarded, accuracy: 1e-6 * discarded, "\(components) components")
            print("PCA \(components) components, training digits: mean ‖x − x̂‖² \(perExample), discarded eigenvalues \(discarded)")

            // The covariance, from the training inputs.
            let data = result.data.train
            let (n, f) = (data.count, 64)
            var mean = [Double](repeating: 0, count: f)
            for e in 0..<n { for j in 0..<f { mean[j] += Double(data.inputs[e * f + j]) / Double(n) } }
            var cov = [Double](repeating: 0, count: f * f)
            for e in 0..<n {
                for i in 0..<f {
                    let di = Double(data.inputs[e * f + i]) - mean[i]
                    for j in 0..<f { cov[i * f + j] += di * (Double(data.inputs[e * f + j]) - mean[j]) / Double(n) }
                }
            }
            let trace = (0..<f).reduce(0.0) { $0 + cov[$1 * f + $1] }
            XCTAssertEqual(eigenvalues.reduce(0, +), trace, accuracy: 1e-9 * trace)

            let saved = try XCTUnwrap(result.parameters.first { $0.name == "code.components" })
            XCTAssertEqual(saved.shape, [components, f])
            let v = saved.values.map(Double.init)
            var kept = 0.0
            for k in 0..<components {
                let row = Array(v[(k * f)..<((k + 1) * f)])
                for l in 0..<components {
                    let dot = (0..<f).reduce(0.0) { $0 + row[$1] * v[l * f + $1] }
                    XCTAssertEqual(dot, k == l ? 1 : 0, accuracy: 1e-5)
                }
                let cv = (0..<f).map { i in (0..<f).reduce(0.0) { $0 + cov[i * f + $1] * row[$1] } }
                let lambda = zip(row, cv).reduce(0.0) { $0 + $1.0 * $1.1 }
                XCTAssertEqual(lambda, eigenvalues[k], accuracy: 1e-5 * eigenvalues[0])
                let residual = zip(cv, row).reduce(0.0) { $0 + ($1.0 - lambda * $1.1) * ($1.0 - lambda * $1.1) }.squareRoot()
                XCTAssertLessThan(residual, 1e-4 * eigenvalues[0], "component \(k) is not an eigenvector")
                kept += lambda
            }
            // The same identity from the covariance alone: trace − Σ kept = Σ discarded.
            XCTAssertEqual(perExample, trace - kept, accuracy: 1e-5 * discarded)
            guard case .number(let explained)? = record[metric: "explained_variance"] else { return XCTFail("no explained_variance") }
            XCTAssertEqual(explained, kept / trace, accuracy: 1e-5)
            let mse = try XCTUnwrap(record[metric: "mse"]?.number)
            XCTAssertEqual(mse, perExample / 64, accuracy: 1e-6 * mse)
        }
    }

    /// The run's note gives the fraction of the variance kept (the
    /// `explained_variance` checked above) and the identity's two sides.
    func testNoteGivesTheVarianceKept() throws {
        let result = try AutoencoderSpecs.run("pca-digits")
        guard case .number(let explained)? = result.history.first?.metrics[metric: "explained_variance"] else {
            return XCTFail("no explained_variance")
        }
        let note = try XCTUnwrap(result.notes.first { $0.hasPrefix("PCA:") })
        let kept = String(format: "%.1f%%", 100 * explained)
        XCTAssertTrue(note.contains("8 of 64 components keep \(kept) of the training data's variance"), note)
        XCTAssertTrue(note.contains("the discarded eigenvalues sum to"), note)
    }
}
