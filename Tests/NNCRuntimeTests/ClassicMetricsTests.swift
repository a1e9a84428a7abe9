import XCTest
@testable import NNCRuntime

/// How outputs are compared with stored patterns, and the energy line.
final class ClassicMetricsTests: XCTestCase {
    func testUnitReadingFollowsEachSidesCoding() {
        // ±1 Hopfield states against 0/1 patterns: −1 reads as 0.
        let hopfield = UnitReading(finalActivation: .sign, patterns: [0, 1])
        XCTAssertFalse(hopfield.output(-1))
        XCTAssertTrue(hopfield.output(1))
        XCTAssertFalse(hopfield.pattern(0))
        // A linear output is read like the patterns: at 0 for ±1 ones, at ½ for 0/1 ones.
        XCTAssertTrue(UnitReading(finalActivation: .linear, patterns: [-1, 1]).output(0.2))
        XCTAssertFalse(UnitReading(finalActivation: .linear, patterns: [0, 1]).output(0.2))
        XCTAssertTrue(UnitReading(finalActivation: .linear, patterns: [0, 1]).output(0.7))
    }

    func testCountsOfMatchesFalseOnesAndMissingOnes() {
        let stored = StoredPatterns(values: [1, 1, 0, 1, 0, 0, 1, 0], width: 4,
                                    reading: UnitReading(finalActivation: .step, patterns: [0, 1]), autoAssociative: false)
        let counts = stored.compare([1, 0, 1, 1, 0, 0, 1, 0])
        XCTAssertEqual(counts.matchingUnits, 6)
        XCTAssertEqual(counts.falseOnes, 1)
        XCTAssertEqual(counts.missingOnes, 1)
        XCTAssertEqual(counts.exact, 1)
    }

    func testEnergyLineReportsRises() {
        XCTAssertTrue(ClassicMetrics.energyLine([-1, -2, -3], synchronous: false).hasSuffix("it never rose"))
        let line = ClassicMetrics.energyLine([-1, -2, -1.5, -3], synchronous: true)
        XCTAssertTrue(line.contains("it rose 1 time (synchronous"), line)
        XCTAssertTrue(line.contains("3 sweeps"), line)
        XCTAssertEqual(ClassicMetrics.sparkline([0, 1, 2, 3, 4, 5, 6, 7], width: 8), "▁▂▃▄▅▆▇█")
    }
}
