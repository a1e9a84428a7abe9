import XCTest
@testable import NNCRuntime

/// The Widrow–Hoff (LMS) rule.
final class ClassicDeltaTests: XCTestCase {
    static let inputs: [[Float]] = [[0.5, -1, 0.2], [1, 0.3, -0.4], [-0.7, 0.8, 0.1], [0.2, 0.2, 0.9],
                                    [-1, -0.5, 0.3], [0.6, -0.2, -0.8], [0.1, 0.9, 0.5], [-0.3, -0.6, -0.2]]

    func spec(rule: String, targets: [[Float]], extra: String = "") -> String {
        """
        nnc: 1
        data: {inline: {inputs: \(ClassicRun.rows(Self.inputs)), targets: \(ClassicRun.rows(targets))}}
        model: {input: [3], layers: [{dense: {units: 1}}]}
        train: {rule: \(rule)\(extra)}
        evaluate: {metrics: [mse]}
        """
    }

    /// With a small enough step LMS converges to the least-squares solution:
    /// exactly on consistent targets, and to the closed form's weights on noisy ones.
    func testConvergesToTheLeastSquaresSolution() throws {
        let consistent = Self.inputs.map { [2 * $0[0] - $0[1] + 0.5 * $0[2] + 0.3] }
        let exact = try ClassicRun.yaml(spec(rule: "delta", targets: consistent, extra: ", rate: 0.1, epochs: 400"))
        XCTAssertLessThan(exact.metric("mse"), 1e-8)
        guard let w = exact.tensor("dense1.weight"), let b = exact.tensor("dense1.bias") else { return XCTFail("no weights") }
        for (got, want) in zip(w + b, [2, -1, 0.5, 0.3] as [Float]) { XCTAssertEqual(got, want, accuracy: 1e-3) }

        let noisy = consistent.enumerated().map { [$1[0] + ($0 % 2 == 0 ? 0.2 : -0.2)] }
        let lms = try ClassicRun.yaml(spec(rule: "delta", targets: noisy, extra: ", rate: 0.005, epochs: 3000, shuffle: false"))
        let lsq = try ClassicRun.yaml(spec(rule: "least_squares", targets: noisy))
        XCTAssertGreaterThan(lsq.metric("mse"), 1e-3)
        XCTAssertEqual(lms.metric("mse"), lsq.metric("mse"), accuracy: 2e-3 * lsq.metric("mse") + 1e-6)
        guard let a = lms.tensor("dense1.weight"), let c = lsq.tensor("dense1.weight") else { return XCTFail("no weights") }
        for (x, y) in zip(a, c) { XCTAssertEqual(x, y, accuracy: 0.02) }
    }

    /// Adaline: the linear part is fitted to ±1 under a sign output, which then computes AND.
    func testAdalineLearnsAnd() throws {
        let spec = """
        nnc: 1
        data: {source: and}
        model: {input: [2], layers: [{dense: {units: 1, activation: sign}}]}
        train: {rule: delta, rate: 0.05, epochs: 200}
        evaluate: {metrics: [accuracy]}
        """
        let result = try ClassicRun.yaml(spec)
        XCTAssertEqual(result.metric("accuracy"), 1)
        // The least-squares fit of ±1 targets for AND is w = (1, 1), b = −1.5.
        guard let w = result.tensor("dense1.weight"), let b = result.tensor("dense1.bias") else { return XCTFail("no weights") }
        XCTAssertEqual(w[0], 1, accuracy: 0.2)
        XCTAssertEqual(w[1], 1, accuracy: 0.2)
        XCTAssertEqual(b[0], -1.5, accuracy: 0.2)
    }

    /// A step far beyond 2/‖x‖² diverges, and the run says so.
    /// The shipped Adaline spec classifies AND of bipolar inputs without error.
    func testShippedAdalineSpec() throws {
        let result = try RuntimeTest.run(spec: "delta-adaline")
        XCTAssertEqual(result.final["accuracy"]?.number, 1)
        XCTAssertEqual(result.final["errors"], .integer(0))
    }

    func testTooLargeARateDiverges() throws {
        let targets = Self.inputs.map { [$0[0]] }
        XCTAssertThrowsError(try ClassicRun.yaml(spec(rule: "delta", targets: targets, extra: ", rate: 50, epochs: 200"))) { error in
            guard case RunError.diverged(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("rate"), message)
        }
    }
}
