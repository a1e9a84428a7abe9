import NNCKernels
import XCTest
@testable import NNCRuntime

/// Properties every built-in source must have: it describes its data without
/// generating it, correctly, and it is deterministic in the seed.
final class BuiltinSourceTests: XCTestCase {
    /// One small instance of every source, covering every name.
    private let sources: [BuiltinSource] = [
        .digits(DigitsSource(image: true)),
        .iris(IrisSource(classes: [2, 0])),
        .truthTable(TruthTableSource(function: .and)), .truthTable(TruthTableSource(function: .or)),
        .truthTable(TruthTableSource(function: .nand, inputs: 3)), .truthTable(TruthTableSource(function: .nor)),
        .truthTable(TruthTableSource(function: .xor)), .truthTable(TruthTableSource(function: .not)),
        .truthTable(TruthTableSource(function: .parity, inputs: 4)),
        .truthTable(TruthTableSource(function: .majority, inputs: 5)),
        .blobs(BlobsSource(classes: 3, dims: 4, count: 30, spread: 0.2)),
        .barsAndStripes(BarsAndStripesSource(size: 3, image: true)),
        .patterns(PatternsSource(count: 5, units: 20, density: 0.3, pairs: .init(units: 8, density: 0.25))),
        .letters(LettersSource(size: [8, 8], count: 26, image: true)),
        .reber(ReberSource(embedded: true, count: 20)),
        .adding(AddingSource(length: 10, count: 8)),
        .sine(SineSource(length: 12, count: 4)),
        .random(RandomSource(shape: [.symbol("T"), .fixed(3)], count: 5, classes: 4, length: 6)),
    ]

    func testEveryNameIsCovered() {
        XCTAssertEqual(Set(sources.map(\.name)), Set(BuiltinSource.names))
    }

    func testDescriptionsMatchTheGeneratedData() throws {
        for source in sources {
            let description = try source.describe()
            var rng = SeededRandom(seed: 11)
            let data = try source.generate(rng: &rng)
            let actual = data.datasetDescription
            let name = source.name
            XCTAssertEqual(data.name, name)
            XCTAssertEqual(description.count, actual.count, name)
            XCTAssertTrue(dims(description.inputShape, match: actual.inputShape), "\(name): \(description.inputShape) vs \(actual.inputShape)")
            switch (description.targets, actual.targets) {
            case (.none, .none):
                break
            case (.classes(let a), .classes(let b)):
                XCTAssertEqual(a, b, name)
            case (.vectors(let a), .vectors(let b)):
                XCTAssertTrue(dims(a, match: b), "\(name): targets \(a) vs \(b)")
            default:
                XCTFail("\(name): targets \(description.targets) vs \(actual.targets)")
            }
            XCTAssertEqual(description.variableLength, actual.variableLength, name)
            XCTAssertEqual(description.hasTargetMask, actual.hasTargetMask, name)
            switch description.inputValues {
            case .binary:
                XCTAssertEqual(actual.inputValues, .binary, name)
            case .interval(let low, let high):
                XCTAssertTrue(data.inputs.allSatisfy { $0 >= low && $0 <= high }, name)
            case .real:
                break
            }
        }
    }

    func testSameSeedSameDataDifferentSeedDifferentData() throws {
        for source in sources {
            var a = SeededRandom(seed: 1), b = SeededRandom(seed: 1), c = SeededRandom(seed: 2)
            let first = try source.generate(rng: &a)
            XCTAssertEqual(first, try source.generate(rng: &b), source.name)
            switch source {
            case .blobs, .patterns, .reber, .adding, .sine, .random:
                XCTAssertNotEqual(first, try source.generate(rng: &c), source.name)
            case .digits, .iris, .truthTable, .barsAndStripes, .letters:
                break   // fixed data: the seed plays no part
            }
        }
    }

    func testAbsurdOptionsThrowInsteadOfTrapping() {
        assertDataError(.tooLarge, ["2^62"]) { try TruthTableSource(function: .parity, inputs: 62).describe() }
        assertDataError(.tooLarge, ["2^40"]) { try BarsAndStripesSource(size: 39, image: false).describe() }
        assertDataError(.invalidOption, ["not", "exactly 1"]) { try TruthTableSource(function: .not, inputs: 2).describe() }
        assertDataError(.invalidOption, ["bits must be at least 1"]) { try TruthTableSource(function: .majority, inputs: 0).describe() }
        assertDataError(.tooLarge, ["too many"]) { try BlobsSource(classes: 2, dims: 1 << 20, count: 1 << 20, spread: 0.5).describe() }
        assertDataError(.tooLarge, ["too many"]) { try PatternsSource(count: Int.max, units: 4, density: 0.5, pairs: nil).describe() }
        assertDataError(.tooLarge, ["too many"]) { try SineSource(length: Int.max / 2, count: 3).describe() }
        assertDataError(.invalidOption, ["length must be at least 2"]) { try AddingSource(length: 1, count: 1).describe() }
        assertDataError(.invalidOption, ["size must be [height, width]"]) { try LettersSource(size: [5], count: 26, image: false).describe() }
        assertDataError(.invalidOption, ["count must be in 1...26"]) { try LettersSource(size: [7, 5], count: 27, image: false).describe() }
        assertDataError(.invalidOption, ["symbolic dimension 'T'", "length"]) {
            try RandomSource(shape: [.symbol("T"), .fixed(3)], count: 256, classes: 10, length: nil).describe()
        }
        assertDataError(.invalidOption, ["shorter than the shortest string (9"]) {
            try ReberSource(embedded: true, count: 1000, maxLength: 8).describe()
        }
        assertDataError(.invalidOption, ["density 0.01 of 20 units leaves no unit active"]) {
            try PatternsSource(count: 10, units: 20, density: 0.01, pairs: nil).describe()
        }
        assertDataError(.invalidOption, ["count 1 must be at least classes (3)"]) { try BlobsSource(classes: 3, dims: 2, count: 1, spread: 0.5).describe() }
    }

    /// Fixed dimensions must be equal; a symbolic one matches any size.
    private func dims(_ described: [DataDim], match actual: [DataDim]) -> Bool {
        described.count == actual.count && zip(described, actual).allSatisfy { d, a in
            if case .symbol = d { return true }
            return d == a
        }
    }
}
