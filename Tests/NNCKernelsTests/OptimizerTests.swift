import XCTest
import NNCKernels

final class OptimizerTests: XCTestCase {
    /// Runs `optimizer` for the given gradient sequence from `start`.
    private func run(_ optimizer: Optimizer, start: [Float], gradients: [[Float]], lr: Float) -> [Float] {
        var p = start
        var state = [Float](repeating: 0, count: max(1, optimizer.stateCount(parameterCount: start.count)))
        for (i, g) in gradients.enumerated() {
            optimizer.update(parameters: &p, state: &state, gradients: g, count: p.count, learningRate: lr, step: i + 1)
        }
        return p
    }

    func testPlainSGD() {
        let p = run(.sgd(momentum: 0, nesterov: false), start: [1, 2], gradients: [[0.5, -1]], lr: 0.1)
        XCTAssertEqual(p, [0.95, 2.1])
    }

    func testMomentumAndNesterovByHand() {
        // g = 1 twice, lr 0.1, μ 0.9. Plain: v = 1, 1.9 → p = 0.9, 0.71.
        let plain = run(.sgd(momentum: 0.9, nesterov: false), start: [1], gradients: [[1], [1]], lr: 0.1)
        XCTAssertEqual(plain[0], 0.71, accuracy: 1e-6)
        // Nesterov (PyTorch): step = g + μ v = 1.9, then 1 + 0.9·1.9 = 2.71 → p = 0.81, 0.539.
        let nesterov = run(.sgd(momentum: 0.9, nesterov: true), start: [1], gradients: [[1], [1]], lr: 0.1)
        XCTAssertEqual(nesterov[0], 0.539, accuracy: 1e-6)
    }

    func testAdamFirstStepMovesEachParameterByTheLearningRate() {
        // Bias correction makes m̂ = g and v̂ = g² at step 1: Δp = −lr·g/(|g| + ε).
        let p = run(.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8), start: [1, 1, 1], gradients: [[0.3, -2, 1e-3]], lr: 0.01)
        XCTAssertEqual(p[0], 0.99, accuracy: 1e-6)
        XCTAssertEqual(p[1], 1.01, accuracy: 1e-6)
        XCTAssertEqual(p[2], 0.99, accuracy: 1e-6)
    }

    func testFastUpdatesMatchReferencesOverSeveralSteps() {
        var random = SeededRandom(seed: 40)
        let count = 37                                   // four vectors and a tail
        let start = randomArray(count, &random)
        let gradients = (0..<5).map { _ in randomArray(count, &random, scale: 2) }
        for (momentum, nesterov) in [(Float(0), false), (0.9, false), (0.8, true)] {
            let fast = run(.sgd(momentum: momentum, nesterov: nesterov), start: start, gradients: gradients, lr: 0.05)
            var p = start, v = [Float](repeating: 0, count: count)
            for g in gradients {
                if momentum == 0 {
                    sgdUpdateReference(parameters: &p, velocity: nil, gradients: g, count: count,
                                       learningRate: 0.05, momentum: 0, nesterov: false)
                } else {
                    sgdUpdateReference(parameters: &p, velocity: &v, gradients: g, count: count,
                                       learningRate: 0.05, momentum: momentum, nesterov: nesterov)
                }
            }
            assertClose(fast, p, atol: 1e-6, rtol: 1e-6, "sgd μ \(momentum) nesterov \(nesterov)")
        }
        let fast = run(.adam(beta1: 0.9, beta2: 0.99, epsilon: 1e-8), start: start, gradients: gradients, lr: 0.01)
        var p = start, m = [Float](repeating: 0, count: count), v = m
        for (i, g) in gradients.enumerated() {
            adamUpdateReference(parameters: &p, firstMoment: &m, secondMoment: &v, gradients: g, count: count,
                                learningRate: 0.01, beta1: 0.9, beta2: 0.99, epsilon: 1e-8, step: i + 1)
        }
        assertClose(fast, p, atol: 1e-6, rtol: 1e-6, "adam")
    }

    func testStateCounts() {
        XCTAssertEqual(Optimizer.sgd(momentum: 0, nesterov: false).stateCount(parameterCount: 10), 0)
        XCTAssertEqual(Optimizer.sgd(momentum: 0.9, nesterov: true).stateCount(parameterCount: 10), 10)
        XCTAssertEqual(Optimizer.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8).stateCount(parameterCount: 10), 20)
    }

    func testGlobalNormClippingScalesOnlyAboveTheLimit() {
        var a: [Float] = [3, 4], b: [Float] = [0, 12]      // global norm 13
        a.withUnsafeMutableBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                XCTAssertEqual(globalL2Norm([pa, pb]), 13, accuracy: 1e-12)
                XCTAssertEqual(clipGlobalNorm([pa, pb], maxNorm: 20), 13, accuracy: 1e-12)
                XCTAssertEqual(Array(pa), [3, 4])            // below the limit: untouched
                XCTAssertEqual(clipGlobalNorm([pa, pb], maxNorm: 6.5), 13, accuracy: 1e-12)
                XCTAssertEqual(globalL2Norm([pa, pb]), 6.5, accuracy: 1e-5)
            }
        }
        XCTAssertEqual(a[0], 1.5, accuracy: 1e-6)
        XCTAssertEqual(b[1], 6, accuracy: 1e-6)
        // A long buffer (blocked summation) against a plain Double sum.
        var random = SeededRandom(seed: 41)
        var long = randomArray(1000, &random)
        let expected = long.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        long.withUnsafeMutableBufferPointer { p in XCTAssertEqual(globalL2Norm([p]), expected, accuracy: 1e-5) }
    }
}
