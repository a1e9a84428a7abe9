import XCTest
@testable import NNCRuntime

/// Hebb's rule Δw = ε y x: forced (targets as y) and plain (the unit's own output).
final class ClassicHebbianTests: XCTestCase {
    /// The hebbian spec: one epoch at ε = 1/K stores W = (1/K) Σ y xᵀ and recalls every pair.
    func testHebbianSpecStoresTheSumOfOuterProducts() throws {
        let result = try ClassicRun.spec("hebbian")
        XCTAssertEqual(result.metric("overlap"), 1)
        XCTAssertEqual(result.metric("recall"), 1)
        let data = result.data.train
        guard case .vectors(let targets, _) = data.targets, let w = result.tensor("dense1.weight") else {
            return XCTFail("no targets or weights")
        }
        let (k, units) = (data.inputSize, 16)
        XCTAssertEqual(w.count, units * k)
        for r in 0..<units {
            for i in 0..<k {
                var expected: Float = 0
                for e in 0..<data.count { expected += targets[e * units + r] * data.inputs[e * k + i] }
                XCTAssertEqual(w[r * k + i], expected / Float(k), accuracy: 1e-5)
            }
        }
    }

    /// Superposition recalls orthonormal keys exactly (W x_k = Σ y_j x_jᵀ x_k = y_k),
    /// and ±1 orthogonal keys at the default ε = 1/F; non-orthogonal keys leave crosstalk.
    func testOrthonormalKeysAreRecalledExactly() throws {
        // Rows of the 4×4 Hadamard matrix: orthogonal ±1 keys.
        let hadamard: [[Float]] = [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]
        let targets: [[Float]] = [[0.5, -2], [3, 1], [-1, 0.25], [2, 2]]
        func spec(_ keys: [[Float]], rate: String?) -> String {
            """
            nnc: 1
            data: {inline: {inputs: \(ClassicRun.rows(keys)), targets: \(ClassicRun.rows(targets))}}
            model: {input: [4], layers: [{dense: {units: 2, bias: false}}]}
            train: {rule: hebbian, epochs: 1\(rate.map { ", rate: \($0)" } ?? "")}
            evaluate: {metrics: [mse]}
            """
        }
        let orthonormal = hadamard.map { $0.map { $0 / 2 } }
        XCTAssertLessThan(try ClassicRun.yaml(spec(orthonormal, rate: "1")).metric("mse"), 1e-10)
        XCTAssertLessThan(try ClassicRun.yaml(spec(hadamard, rate: nil)).metric("mse"), 1e-10)
        var correlated = orthonormal
        correlated[1] = [0.5, 0.5, 0.5, -0.5]  // unit norm, but x₀·x₁ = 0.5
        XCTAssertGreaterThan(try ClassicRun.yaml(spec(correlated, rate: "1")).metric("mse"), 0.01)
    }

    /// Plain Hebbian learning on a linear unit is a power iteration: w grows
    /// without bound and turns to the leading eigenvector of Σ x xᵀ.
    func testPlainHebbTurnsToThePrincipalDirection() throws {
        // Points spread along (1, 1), with a little spread across it.
        let inputs: [[Float]] = (0..<16).map { k in
            let along = Float(k - 8) / 4, across: Float = k % 2 == 0 ? 0.2 : -0.2
            return [along + across, along - across]
        }
        let spec = """
        nnc: 1
        data: {inline: {inputs: \(ClassicRun.rows(inputs))}}
        model: {input: [2], layers: [{dense: {units: 1, bias: false, init: {normal: 0.1}}}]}
        train: {rule: hebbian, rate: 0.01, epochs: 30}
        evaluate: {on: train, metrics: [mse]}
        """
        let result = try ClassicRun.yaml(spec, seed: 3)
        guard let w = result.tensor("dense1.weight") else { return XCTFail("no weights") }
        let norm = (w[0] * w[0] + w[1] * w[1]).squareRoot()
        XCTAssertGreaterThan(abs(w[0] + w[1]) / (norm * Float(2).squareRoot()), 0.999, "w = \(w)")
        let norms = result.history.compactMap { $0.metrics[metric: "weight_norm"]?.number }
        XCTAssertEqual(norms.count, 30)
        XCTAssertTrue(zip(norms, norms.dropFirst()).allSatisfy { $1 > $0 }, "\(norms)")
        XCTAssertNotNil(result.note(containing: "own outputs"))
    }

    /// On a threshold layer the same rule stores the pairs and leaves the thresholds as given.
    func testThresholdLayerKeepsItsThresholds() throws {
        let result = try ClassicRun.spec("hebbian", ["model.layers=[{threshold: {units: 16, output: bipolar, threshold: 0.5}}]",
                                                     "evaluate.show=0"])
        XCTAssertEqual(result.metric("recall"), 1)
        XCTAssertEqual(result.tensor("threshold1.threshold"), [Float](repeating: 0.5, count: 16))
        let dense = try ClassicRun.spec("hebbian", ["evaluate.show=0"])
        XCTAssertEqual(result.tensor("threshold1.weight"), dense.tensor("dense1.weight"))
    }

    /// Hopfield storage is w_ij = (1/K) Σ_ν x_i x_j with the diagonal at self_weight.
    func testHopfieldStorage() throws {
        for selfWeight in [0.0, 0.5] {
            let result = try ClassicRun.spec("hopfield", ["model.layers.0.hopfield.self_weight=\(selfWeight)", "evaluate.show=0"])
            let data = result.data.train
            let k = data.inputSize
            guard let w = result.tensor("hopfield1.weight") else { return XCTFail("no weights") }
            XCTAssertEqual(w.count, k * k)
            for i in 0..<k {
                for j in 0..<k {
                    var sum: Float = 0
                    for p in 0..<data.count { sum += data.inputs[p * k + i] * data.inputs[p * k + j] }
                    XCTAssertEqual(w[i * k + j], i == j ? Float(selfWeight) : sum / Float(k), accuracy: 1e-6)
                }
            }
        }
    }
}
