import XCTest
import NNCKernels

final class DropoutTests: XCTestCase {
    private let count = 20_000

    /// Inputs in (0.1, 1.1): never 0 or 1, so corrupted units are recognizable.
    private func inputs() -> [Float] {
        var random = SeededRandom(seed: 30)
        return (0..<count).map { _ in 0.1 + random.uniformFloat() }
    }

    func testDropoutDropsAtTheRateAndScalesTheKeptUnits() {
        let x = inputs()
        var y = [Float](repeating: .nan, count: count), mask = y
        var random = SeededRandom(seed: 1)
        dropoutForward(output: &y, mask: &mask, input: x, count: count, rate: 0.3, random: &random)
        let keep = Float(1) / Float(0.7)
        let dropped = mask.filter { $0 == 0 }.count
        XCTAssertTrue(mask.allSatisfy { $0 == 0 || $0 == keep })
        // Binomial(20000, 0.3): σ ≈ 0.0032 of the fraction; allow 5σ.
        XCTAssertEqual(Double(dropped) / Double(count), 0.3, accuracy: 0.016)
        for i in 0..<count { XCTAssertEqual(y[i], x[i] * mask[i]) }
        // Inverted dropout keeps the expected sum.
        XCTAssertEqual(Double(y.reduce(0, +)) / Double(x.reduce(0, +)), 1, accuracy: 0.02)
    }

    func testDropoutIsReproducibleAndBackwardUsesTheMask() {
        let x = inputs()
        var y1 = [Float](repeating: 0, count: count), m1 = y1, y2 = y1, m2 = y1, y3 = y1, m3 = y1
        var r1 = SeededRandom(seed: 7), r2 = SeededRandom(seed: 7), r3 = SeededRandom(seed: 8)
        dropoutForward(output: &y1, mask: &m1, input: x, count: count, rate: 0.5, random: &r1)
        dropoutForward(output: &y2, mask: &m2, input: x, count: count, rate: 0.5, random: &r2)
        dropoutForward(output: &y3, mask: &m3, input: x, count: count, rate: 0.5, random: &r3)
        XCTAssertEqual(m1, m2)
        XCTAssertNotEqual(m1, m3)
        var random = SeededRandom(seed: 9)
        let dy = randomArray(count, &random)
        var dx = [Float](repeating: .nan, count: count)
        dropoutBackward(dInput: &dx, dOutput: dy, mask: m1, count: count)
        for i in 0..<count { XCTAssertEqual(dx[i], dy[i] * m1[i]) }
    }

    func testDropoutRateLimits() {
        let x = inputs()
        var y = [Float](repeating: .nan, count: count), mask = y
        var random = SeededRandom(seed: 3)
        dropoutForward(output: &y, mask: &mask, input: x, count: count, rate: 0, random: &random)
        XCTAssertEqual(y, x)
        dropoutForward(output: &y, mask: &mask, input: x, count: count, rate: 1, random: &random)
        XCTAssertTrue(y.allSatisfy { $0 == 0 })
    }

    func testGaussianNoiseHasTheRequestedSpreadAndPassesGradients() {
        let x = inputs()
        var y = [Float](repeating: .nan, count: count), mask = y
        var random = SeededRandom(seed: 4)
        noiseForward(output: &y, mask: &mask, input: x, count: count, noise: .gaussian(std: 0.5), random: &random)
        let e = (0..<count).map { Double(y[$0] - x[$0]) }
        let mean = e.reduce(0, +) / Double(count)
        let std = (e.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.02)      // σ/√n ≈ 0.0035
        XCTAssertEqual(std, 0.5, accuracy: 0.015)
        XCTAssertTrue(mask.allSatisfy { $0 == 1 })
        var dx = [Float](repeating: .nan, count: count)
        noiseBackward(dInput: &dx, dOutput: x, mask: mask, count: count)
        XCTAssertEqual(dx, x)
    }

    func testMaskingNoiseZeroesWithoutRescaling() {
        let x = inputs()
        var y = [Float](repeating: .nan, count: count), mask = y
        var random = SeededRandom(seed: 5)
        noiseForward(output: &y, mask: &mask, input: x, count: count, noise: .mask(probability: 0.25), random: &random)
        let zeroed = (0..<count).filter { y[$0] == 0 }
        XCTAssertEqual(Double(zeroed.count) / Double(count), 0.25, accuracy: 0.016)
        for i in 0..<count {
            XCTAssertEqual(y[i], mask[i] == 0 ? 0 : x[i])
            XCTAssertTrue(mask[i] == 0 || mask[i] == 1)
        }
    }

    func testSaltAndPepperUsesLowAndHighEquallyOften() {
        let x = inputs()
        for (low, high) in [(Float(0), Float(1)), (-1, 1)] {
            var y = [Float](repeating: .nan, count: count), mask = y
            var random = SeededRandom(seed: 6)
            noiseForward(output: &y, mask: &mask, input: x, count: count,
                         noise: .saltPepper(probability: 0.2, low: low, high: high), random: &random)
            let corrupted = (0..<count).filter { mask[$0] == 0 }
            XCTAssertEqual(Double(corrupted.count) / Double(count), 0.2, accuracy: 0.016)
            let lows = corrupted.filter { y[$0] == low }.count, highs = corrupted.filter { y[$0] == high }.count
            XCTAssertEqual(lows + highs, corrupted.count)
            // Binomial(≈4000, ½): σ ≈ 0.008 of the fraction.
            XCTAssertEqual(Double(lows) / Double(corrupted.count), 0.5, accuracy: 0.04)
            for i in 0..<count where mask[i] == 1 { XCTAssertEqual(y[i], x[i]) }
        }
        XCTAssertEqual(Noise.saltPepper(probability: 0.1), .saltPepper(probability: 0.1, low: 0, high: 1))
    }
}
