import NNCKernels
import XCTest
@testable import NNCRuntime

/// The perceptron converges on linearly separable data within Novikoff's
/// bound, and says plainly when it does not converge.
final class ClassicPerceptronTests: XCTestCase {
    func assertConverged(_ result: RunResult, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotNil(result.note(containing: "perceptron: converged after \(result.history.count) epoch"),
                        "\(what): \(result.notes)", file: file, line: line)
        if case .integer(let errors)? = result.history.last?.metrics[metric: "errors"] {
            XCTAssertEqual(errors, 0, what, file: file, line: line)
        } else {
            XCTFail("\(what): no errors recorded", file: file, line: line)
        }
        for record in result.history.dropLast() {
            if case .integer(let errors)? = record.metrics[metric: "errors"] {
                XCTAssertGreaterThan(errors, 0, "\(what): stopped late, epoch \(record.epoch) had no error", file: file, line: line)
            }
        }
    }

    func testIrisSetosaVersicolorConvergesWithEitherRate() throws {
        for rate in ["normalized", "1", "0.05"] {
            let result = try ClassicRun.spec("perceptron-iris", ["train.rate=\(rate)"])
            assertConverged(result, "rate \(rate)")
            XCTAssertLessThan(result.history.count, 100, "rate \(rate)")
            XCTAssertEqual(result.metric("accuracy"), 1, "rate \(rate)")
            XCTAssertEqual(result.metric("errors"), 0, "rate \(rate)")
        }
    }

    /// Non-convergence is a result, not an error: no throw, a plain note, every epoch with errors.
    func testXorDoesNotConverge() throws {
        let result = try ClassicRun.spec("perceptron-xor")
        XCTAssertNotNil(result.note(containing: "did not converge in 50 epochs"), "\(result.notes)")
        XCTAssertNotNil(result.note(containing: "may not be linearly separable"))
        XCTAssertEqual(result.history.count, 50)
        for record in result.history {
            guard case .integer(let errors)? = record.metrics[metric: "errors"] else { return XCTFail("no errors") }
            XCTAssertGreaterThan(errors, 0, "epoch \(record.epoch)")
        }
        XCTAssertLessThan(result.metric("accuracy"), 1)
    }

    func testBlobsWithOneUnitPerClass() throws {
        let result = try ClassicRun.spec("perceptron-blobs")
        assertConverged(result, "blobs")
        XCTAssertGreaterThanOrEqual(result.metric("accuracy"), 0.95)
        guard case .matrix(let confusion)? = result.final["confusion"] else { return XCTFail("no confusion matrix") }
        XCTAssertEqual(confusion.count, 4)
        XCTAssertEqual(result.tensor("threshold1.weight")?.count, 4 * 2)
    }

    /// The threshold is learned as the weight −w₀ on x₀ = 1: a unit that must
    /// fire for x ≥ 2 on x ∈ {0, 1, 2, 3} ends with 1 < s/w ≤ 2.
    func testThresholdIsLearnedAsMinusW0() throws {
        let spec = """
        nnc: 1
        data: {inline: {inputs: [[0], [1], [2], [3]], targets: [0, 0, 1, 1]}}
        model: {input: [1], layers: [{threshold: {units: 1}}]}
        train: {rule: perceptron, rate: 1, epochs: 100}
        evaluate: {metrics: [accuracy]}
        """
        let result = try ClassicRun.yaml(spec)
        assertConverged(result, "1-D")
        guard let w = result.tensor("threshold1.weight")?.first, let s = result.tensor("threshold1.threshold")?.first else {
            return XCTFail("no parameters")
        }
        XCTAssertGreaterThan(w, 0)
        XCTAssertGreaterThan(s / w, 1)
        XCTAssertLessThanOrEqual(s / w, 2)
    }

    /// Separable data with a known unit separator u (in the augmented space
    /// (1, x)) and margin γ: from zero weights the perceptron makes at most
    /// (R/γ)² updates, R = max ‖(1, x)‖, whatever the order and with either
    /// rate; a fixed rate only scales w, so 1 and 0.01 make the same updates.
    func testUpdatesWithinNovikoffsBound() throws {
        var rng = SeededRandom(seed: 11)
        let raw: [Float] = [0.6, 1, -0.8, 0.4]
        let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let u = raw.map { $0 / norm }
        let gamma: Float = 0.08
        var inputs: [[Float]] = []
        var labels: [Int] = []
        var radius: Float = 0
        while inputs.count < 120 {
            let x = (0..<3).map { _ in 2 * rng.uniformFloat() - 1 }
            let margin = u[0] + zip(u.dropFirst(), x).reduce(0) { $0 + $1.0 * $1.1 }
            // Points near the separator make the bound bite.
            guard abs(margin) >= gamma, abs(margin) <= 3 * gamma else { continue }
            inputs.append(x)
            labels.append(margin > 0 ? 1 : 0)
            radius = max(radius, (1 + x.reduce(0) { $0 + $1 * $1 }).squareRoot())
        }
        let bound = Int((radius / gamma) * (radius / gamma))
        let spec = """
        nnc: 1
        data: {inline: {inputs: \(ClassicRun.rows(inputs)), targets: [\(labels.map(String.init).joined(separator: ", "))]}}
        model: {input: [3], layers: [{threshold: {units: 1}}]}
        train: {rule: perceptron, rate: normalized, epochs: 1000}
        evaluate: {metrics: [accuracy]}
        """
        var most = 0
        var updatesByRate: [String: [Int]] = [:]
        for rate in ["normalized", "1", "0.01"] {
            for seed in UInt64(1)...3 {
                let result = try ClassicRun.yaml(spec, ["train.rate=\(rate)"], seed: seed)
                assertConverged(result, "rate \(rate), seed \(seed)")
                let updates = result.historyTotal("updates")
                XCTAssertGreaterThan(updates, 0)
                XCTAssertLessThanOrEqual(updates, bound, "rate \(rate), seed \(seed): R = \(radius), γ = \(gamma)")
                most = max(most, updates)
                updatesByRate[rate, default: []].append(updates)
            }
        }
        XCTAssertEqual(updatesByRate["1"], updatesByRate["0.01"])
        // The bound is not vacuous here: training takes more than one pass of updates.
        XCTAssertGreaterThan(most, 20)
    }
}
