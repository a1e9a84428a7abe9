import XCTest
import NNCKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ScheduleTests: XCTestCase {
    private func rate(_ s: LearningRateSchedule, _ epoch: Int, total: Int = 10, base: Float = 0.1) -> Double {
        Double(s.rate(baseLR: base, epoch: epoch, totalEpochs: total))
    }

    func testConstantStepAndExponential() {
        XCTAssertEqual(rate(.constant, 7), 0.1, accuracy: 1e-8)
        let step = LearningRateSchedule.step(every: 3, factor: 0.5)
        XCTAssertEqual(rate(step, 0), 0.1, accuracy: 1e-8)
        XCTAssertEqual(rate(step, 2), 0.1, accuracy: 1e-8)
        XCTAssertEqual(rate(step, 3), 0.05, accuracy: 1e-8)
        XCTAssertEqual(rate(step, 8), 0.025, accuracy: 1e-8)
        let exponential = LearningRateSchedule.exponential(decay: 0.9)
        XCTAssertEqual(rate(exponential, 0), 0.1, accuracy: 1e-8)
        XCTAssertEqual(rate(exponential, 3), 0.1 * 0.729, accuracy: 1e-8)
    }

    func testCosineAnnealsOverAllEpochsByDefault() {
        let cosine = LearningRateSchedule.cosine(minLR: 0.01, period: nil)
        // minLR + (lr − minLR)(1 + cos(π e / 10)) / 2
        XCTAssertEqual(rate(cosine, 0), 0.1, accuracy: 1e-8)
        XCTAssertEqual(rate(cosine, 5), 0.055, accuracy: 1e-8)                    // halfway: the mean
        XCTAssertEqual(rate(cosine, 9), 0.01 + 0.09 * (1 + cos(0.9 * .pi)) / 2, accuracy: 1e-8)
        // Monotone decreasing over the run.
        let rates = (0..<10).map { rate(cosine, $0) }
        XCTAssertEqual(rates, rates.sorted(by: >))
    }

    func testCosineWithAShortPeriodRestarts() {
        let sgdr = LearningRateSchedule.cosine(minLR: 0, period: 4)
        XCTAssertEqual(rate(sgdr, 2, total: 12), 0.05, accuracy: 1e-8)        // (1 + cos(π/2))/2
        XCTAssertEqual(rate(sgdr, 4, total: 12), 0.1, accuracy: 1e-8)         // warm restart
        XCTAssertEqual(rate(sgdr, 9, total: 12), rate(sgdr, 1, total: 12), accuracy: 1e-8)
    }

    func testCyclicIsTriangular() {
        let cyclic = LearningRateSchedule.cyclic(minLR: 0.001, maxLR: 0.011, period: 4)
        let expected = [0.001, 0.006, 0.011, 0.006, 0.001, 0.006]
        for (epoch, value) in expected.enumerated() {
            XCTAssertEqual(rate(cyclic, epoch), value, accuracy: 1e-8, "epoch \(epoch)")
        }
    }
}
