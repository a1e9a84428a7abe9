import XCTest
@testable import NNCRuntime

/// Binary (Willshaw) and linear associative memories.
final class ClassicAssociativeMemoryTests: XCTestCase {
    /// Clipped Hebbian storage w_ir = max_j x_i y_r recalls stored pairs exactly at s = l − ½.
    func testBinaryMemoryRecallsStoredPairsExactly() throws {
        let result = try ClassicRun.spec("binary-associative-memory")
        XCTAssertEqual(result.metric("recall"), 1)
        XCTAssertEqual(result.metric("false_ones"), 0)
        XCTAssertEqual(result.metric("missing_ones"), 0)
        let data = result.data.train
        guard case .vectors(let y, _) = data.targets, let w = result.tensor("threshold1.weight") else {
            return XCTFail("no targets or weights")
        }
        let (k, n) = (data.inputSize, 64)
        for r in 0..<n {
            for i in 0..<k {
                let expected: Float = (0..<data.count).contains { y[$0 * n + r] > 0 && data.inputs[$0 * k + i] > 0 } ? 1 : 0
                XCTAssertEqual(w[r * k + i], expected)
            }
        }
    }

    /// At s = l − ½ a stored cue never loses a one; overloading the memory only adds false ones.
    func testOverloadAddsFalseOnesNeverMissingOnes() throws {
        let result = try ClassicRun.spec("binary-associative-memory", ["data.count=200", "evaluate.show=0"])
        XCTAssertEqual(result.metric("missing_ones"), 0)
        XCTAssertGreaterThan(result.metric("false_ones"), 1)
        XCTAssertLessThan(result.metric("recall"), 0.5)
    }

    /// From cues with spurious ones, lowering s (tolerance) turns missing ones into false ones.
    func testToleranceTradesMissingOnesForFalseOnes() throws {
        var missing: [Double] = [], falseOnes: [Double] = []
        for tolerance in [0, 1, 2, 3] {
            let result = try ClassicRun.spec("binary-associative-memory", [
                "evaluate.corrupt={flip: 0.05}", "model.layers.0.threshold.tolerance=\(tolerance)", "evaluate.show=0",
            ])
            missing.append(result.metric("missing_ones"))
            falseOnes.append(result.metric("false_ones"))
        }
        XCTAssertGreaterThan(missing[0], 1, "spurious input ones raise l, so s is too high: \(missing)")
        XCTAssertTrue(zip(missing, missing.dropFirst()).allSatisfy { $1 <= $0 }, "\(missing)")
        XCTAssertTrue(zip(falseOnes, falseOnes.dropFirst()).allSatisfy { $1 >= $0 }, "\(falseOnes)")
        XCTAssertLessThan(missing[3], missing[0] / 2)
        XCTAssertGreaterThan(falseOnes[3], falseOnes[0])
    }

    /// Random ±1 keys are nearly orthogonal: Hebbian superposition leaves some crosstalk
    /// (mse > 0) but every output keeps its sign.
    func testLinearHebbianSpec() throws {
        let result = try ClassicRun.spec("linear-associative-hebbian")
        XCTAssertEqual(result.metric("overlap"), 1)
        XCTAssertGreaterThan(result.metric("mse"), 1e-4)
        XCTAssertLessThan(result.metric("mse"), 0.25)
    }

    /// Least squares reaches zero error for p ≤ k independent keys, and cannot for p > k.
    func testLeastSquaresIsExactUpToKIndependentKeys() throws {
        let exact = try ClassicRun.spec("linear-associative-lsq")
        XCTAssertLessThan(exact.metric("mse"), 1e-8)
        XCTAssertEqual(exact.metric("overlap"), 1)
        let over = try ClassicRun.spec("linear-associative-lsq", ["data.count=100", "evaluate.show=0"])
        XCTAssertGreaterThan(over.metric("mse"), 0.05)
    }

    /// On correlated keys (0/1 patterns share their mean) superposition mixes the
    /// memories up, while the pseudo-inverse still separates them.
    func testLeastSquaresBeatsHebbianOnCorrelatedKeys() throws {
        let overrides = ["data.encoding=binary", "data.count=5", "evaluate.show=0"]
        let hebbian = try ClassicRun.spec("linear-associative-hebbian", overrides)
        let lsq = try ClassicRun.spec("linear-associative-lsq", overrides)
        XCTAssertEqual(hebbian.data.train.inputs, lsq.data.train.inputs)
        XCTAssertLessThan(lsq.metric("mse"), 1e-8)
        XCTAssertGreaterThan(hebbian.metric("mse"), 0.05)
        XCTAssertGreaterThan(lsq.metric("overlap"), hebbian.metric("overlap"))
    }

    /// W = X X⁺ projects a degraded letter onto the stored ones: with 7 of 35
    /// pixels flipped (overlap 0.8 going in) the recall is much closer.
    func testAutoAssociativeLettersImproveOnTheDegradedInput() throws {
        let result = try ClassicRun.spec("auto-associative-letters")
        XCTAssertGreaterThan(result.metric("overlap"), 0.9)
        XCTAssertGreaterThan(result.metric("recall"), 0)
        guard let grids = result.note(containing: "recall (original | degraded | recalled)") else {
            return XCTFail("no recall grids in \(result.notes)")
        }
        // The first block is the letter A: its original grid is the font's A.
        let lines = grids.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[1].trimmingCharacters(in: .whitespaces).hasPrefix("A "), lines[1])
        let data = result.data.train
        for r in 0..<7 {
            let expected = String((0..<5).map { data.inputs[r * 5 + $0] > 0 ? "#" : "." })
            XCTAssertEqual(String(lines[2 + r].dropFirst(2).prefix(5)), expected, "row \(r)")
        }
    }
}
