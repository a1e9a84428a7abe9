import XCTest
import NNCKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class LossTests: XCTestCase {
    /// A loss under test: value and gradient w.r.t. the input, from arrays.
    typealias LossFunction = (_ input: [Float], _ gradient: inout [Float]) -> Double

    private let rows = 4, width = 11

    /// Every loss in its fast and reference forms, on one batch of inputs
    /// suited to it (probabilities for the probability losses, logits for the fused ones).
    private func cases(_ random: inout SeededRandom) -> [(String, [Float], LossFunction, LossFunction)] {
        let (r, w) = (rows, width)
        let logits = randomArray(r * w, &random, scale: 3)
        var probabilities = [Float](repeating: 0, count: r * w)
        activationForwardReference(.softmax, output: &probabilities, input: logits, rows: r, width: w)
        let sigmoids = logits.map { 1 / (1 + exp(-$0)) }
        var targets = randomArray(r * w, &random).map { abs($0) }
        for row in 0..<r {   // rows of probability targets that sum to 1
            let s = targets[(row * w)..<((row + 1) * w)].reduce(0, +)
            for j in 0..<w { targets[row * w + j] /= s }
        }
        let bits = randomArray(r * w, &random).map { $0 > 0 ? Float(1) : 0 }
        let labels: [Int32] = [3, 0, 10, 7]
        let regression = randomArray(r * w, &random, scale: 2)
        return [
            ("sse", regression,
             { x, g in sseLoss(dInput: &g, input: x, target: targets, rows: r, width: w) },
             { x, g in sseLossReference(dInput: &g, input: x, target: targets, rows: r, width: w) }),
            ("mse", regression,
             { x, g in mseLoss(dInput: &g, input: x, target: targets, rows: r, width: w) },
             { x, g in mseLossReference(dInput: &g, input: x, target: targets, rows: r, width: w) }),
            ("cross_entropy labels", probabilities,
             { x, g in crossEntropyLoss(dInput: &g, probabilities: x, labels: labels, rows: r, width: w) },
             { x, g in crossEntropyLossReference(dInput: &g, probabilities: x, labels: labels, rows: r, width: w) }),
            ("cross_entropy targets", probabilities,
             { x, g in crossEntropyLoss(dInput: &g, probabilities: x, targets: targets, rows: r, width: w) },
             { x, g in crossEntropyLossReference(dInput: &g, probabilities: x, targets: targets, rows: r, width: w) }),
            ("softmax+cross_entropy labels", logits,
             { x, g in softmaxCrossEntropyLoss(dLogits: &g, probabilities: nil, logits: x, labels: labels, rows: r, width: w) },
             { x, g in softmaxCrossEntropyLossReference(dLogits: &g, probabilities: nil, logits: x, labels: labels, rows: r, width: w) }),
            ("softmax+cross_entropy targets", logits,
             { x, g in softmaxCrossEntropyLoss(dLogits: &g, probabilities: nil, logits: x, targets: targets, rows: r, width: w) },
             { x, g in softmaxCrossEntropyLossReference(dLogits: &g, probabilities: nil, logits: x, targets: targets, rows: r, width: w) }),
            ("binary_cross_entropy", sigmoids,
             { x, g in binaryCrossEntropyLoss(dInput: &g, probabilities: x, targets: bits, rows: r, width: w) },
             { x, g in binaryCrossEntropyLossReference(dInput: &g, probabilities: x, targets: bits, rows: r, width: w) }),
            ("sigmoid+binary_cross_entropy", logits,
             { x, g in sigmoidBinaryCrossEntropyLoss(dLogits: &g, probabilities: nil, logits: x, targets: bits, rows: r, width: w) },
             { x, g in sigmoidBinaryCrossEntropyLossReference(dLogits: &g, probabilities: nil, logits: x, targets: bits, rows: r, width: w) }),
        ]
    }

    func testHandComputedSumAndMeanSquaredErrors() {
        let y: [Float] = [1, 2, 3, 4], t: [Float] = [0, 2, 1, 1]
        var g = [Float](repeating: .nan, count: 4)
        // sse: (½(1 + 0) + ½(4 + 9)) / 2 rows.
        XCTAssertEqual(sseLoss(dInput: &g, input: y, target: t, rows: 2, width: 2), 3.5, accuracy: 1e-12)
        XCTAssertEqual(g, [0.5, 0, 1, 1.5])
        // mse: (1 + 0 + 4 + 9) / 4 elements; gradient 2(y − t)/4.
        XCTAssertEqual(mseLoss(dInput: &g, input: y, target: t, rows: 2, width: 2), 3.5, accuracy: 1e-12)
        XCTAssertEqual(g, [0.5, 0, 1, 1.5])
        // mse with width 4 (one row): same sum, divided by 4.
        XCTAssertEqual(mseLoss(dInput: &g, input: y, target: t, rows: 1, width: 4), 3.5, accuracy: 1e-12)
    }

    func testFastMatchesReference() {
        var random = SeededRandom(seed: 10)
        for (name, x, fast, reference) in cases(&random) {
            var g = [Float](repeating: .nan, count: x.count), gr = g
            let value = fast(x, &g), valueReference = reference(x, &gr)
            XCTAssertEqual(value, valueReference, accuracy: 1e-6 * max(1, abs(valueReference)), name)
            assertClose(g, gr, atol: 1e-7, rtol: 1e-5, name)
        }
    }

    func testGradientsMatchFiniteDifferences() {
        var random = SeededRandom(seed: 11)
        for (name, x, fast, _) in cases(&random) {
            var g = [Float](repeating: .nan, count: x.count)
            _ = fast(x, &g)
            var scratch = g
            // Probabilities can be small: a step relative to the value keeps
            // the curvature of log p from dominating (those losses are
            // evaluated in Double, so a small step adds no noise).
            let relative = name.hasPrefix("cross_entropy") || name.hasPrefix("binary")
            let numeric = numericalGradient(x, step: { relative ? 1e-3 * $0 : 1e-3 }) { v in fast(v, &scratch) }
            assertClose(g, numeric, atol: 2e-5, rtol: 2e-3, name)
        }
    }

    func testFusedSoftmaxCrossEntropyEqualsUnfusedSequence() {
        var random = SeededRandom(seed: 12)
        let (r, w) = (rows, width)
        let z = randomArray(r * w, &random, scale: 4)
        let labels: [Int32] = [1, 9, 4, 0]
        var dz = [Float](repeating: .nan, count: r * w), p = dz
        let fused = softmaxCrossEntropyLoss(dLogits: &dz, probabilities: &p, logits: z, labels: labels, rows: r, width: w)
        // Unfused, fast pieces: softmax, cross-entropy on probabilities, softmax backward.
        var q = [Float](repeating: 0, count: r * w), dq = q, dzUnfused = q
        activationForward(.softmax, output: &q, input: z, rows: r, width: w)
        let unfused = crossEntropyLoss(dInput: &dq, probabilities: q, labels: labels, rows: r, width: w)
        activationBackward(.softmax, dInput: &dzUnfused, dOutput: dq, output: q, rows: r, width: w)
        XCTAssertEqual(fused, unfused, accuracy: 1e-6)
        assertClose(p, q, atol: 0, rtol: 1e-6, "probabilities")
        assertClose(dz, dzUnfused, atol: 1e-7, rtol: 1e-5, "gradient")
        // And the gradient is (softmax − onehot)/N.
        var expected = q.map { $0 / Float(r) }
        for (row, label) in labels.enumerated() { expected[row * w + Int(label)] -= 1 / Float(r) }
        assertClose(dz, expected, atol: 1e-7, rtol: 1e-6, "(p − t)/N")
    }

    func testRowWeightsDropRowsAndDivisorSetsTheMean() {
        var random = SeededRandom(seed: 13)
        let (r, w) = (rows, width)
        let z = randomArray(r * w, &random, scale: 2)
        let t = randomArray(r * w, &random)
        let weights: [Float] = [1, 0, 1, 0]
        var g = [Float](repeating: .nan, count: r * w)
        let masked = sseLoss(dInput: &g, input: z, target: t, rows: r, width: w, rowWeights: weights, divisor: 2)
        // The same as the loss of rows 0 and 2 alone (mean over those 2).
        let kept = Array(z[0..<w]) + Array(z[(2 * w)..<(3 * w)])
        let keptTargets = Array(t[0..<w]) + Array(t[(2 * w)..<(3 * w)])
        var gKept = [Float](repeating: .nan, count: 2 * w)
        let alone = sseLoss(dInput: &gKept, input: kept, target: keptTargets, rows: 2, width: w)
        XCTAssertEqual(masked, alone, accuracy: 1e-9)
        XCTAssertEqual(Array(g[0..<w]), Array(gKept[0..<w]))
        XCTAssertEqual(Array(g[w..<(2 * w)]), [Float](repeating: 0, count: w))
        XCTAssertEqual(Array(g[(3 * w)..<(4 * w)]), [Float](repeating: 0, count: w))
    }

    func testExtremeInputsStayFinite() {
        var dz = [Float](repeating: .nan, count: 3)
        let ce = softmaxCrossEntropyLoss(dLogits: &dz, probabilities: nil, logits: [1000, 0, 0], labels: [1],
                                         rows: 1, width: 3)
        XCTAssertEqual(ce, 1000, accuracy: 1e-3)
        XCTAssertEqual(dz, [1, -1, 0])
        var db = [Float](repeating: .nan, count: 2)
        let bce = sigmoidBinaryCrossEntropyLoss(dLogits: &db, probabilities: nil, logits: [100, -100], targets: [0, 0],
                                                rows: 1, width: 2)
        XCTAssertEqual(bce, 100, accuracy: 1e-9)
        XCTAssertEqual(db[0], 1)
        XCTAssertEqual(Double(db[1]), 0, accuracy: 1e-38)   // σ(−100) ≈ 3.7e-44; the fast σ gives < 1e-38
        // A zero probability at the label is clamped at ε = 1e-7: −log ε.
        var dp = [Float](repeating: .nan, count: 2)
        let clamped = crossEntropyLoss(dInput: &dp, probabilities: [0, 1], labels: [0], rows: 1, width: 2)
        XCTAssertEqual(clamped, -log(Double(probabilityFloor)), accuracy: 1e-6)
        XCTAssertTrue(dp.allSatisfy { $0.isFinite })
    }

    func testSpecNames() {
        XCTAssertEqual(Loss(rawValue: "cross_entropy"), .crossEntropy)
        XCTAssertEqual(Loss(rawValue: "binary_cross_entropy"), .binaryCrossEntropy)
        XCTAssertEqual(Loss.allCases.map(\.rawValue), ["sse", "mse", "cross_entropy", "binary_cross_entropy"])
    }
}
