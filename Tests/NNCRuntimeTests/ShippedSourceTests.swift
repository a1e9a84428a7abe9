import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

final class ShippedSourceTests: XCTestCase {
    func testDigits() throws {
        var rng = SeededRandom(seed: 0)
        let digits = try DigitsSource(image: false).generate(rng: &rng)
        XCTAssertEqual(digits.count, 1797)
        XCTAssertEqual(digits.inputShape, [64])
        XCTAssertEqual(digits.inputs.min(), 0)
        XCTAssertEqual(digits.inputs.max(), 16)
        XCTAssertTrue(digits.inputs.allSatisfy { $0 == $0.rounded() }, "pixel counts are whole numbers")
        let counts = Dictionary(grouping: labels(digits), by: { $0 }).mapValues(\.count)
        XCTAssertEqual(counts.keys.sorted(), Array(0..<10))
        XCTAssertEqual(counts.values.reduce(0, +), 1797)
        XCTAssertTrue(counts.values.allSatisfy { (170...190).contains($0) }, "about 180 of each digit: \(counts)")
        XCTAssertEqual(digits.classNames?.first, "0")
        // The first row of the file is a 0.
        XCTAssertEqual(labels(digits).first, 0)
        XCTAssertEqual(Array(digits.inputs[0..<8]), [0, 0, 5, 13, 9, 1, 0, 0])

        let images = try DigitsSource(image: true).generate(rng: &rng)
        XCTAssertEqual(images.inputShape, [1, 8, 8])
        XCTAssertEqual(images.inputs, digits.inputs)
    }

    func testIris() throws {
        var rng = SeededRandom(seed: 0)
        let iris = try IrisSource(classes: nil).generate(rng: &rng)
        XCTAssertEqual(iris.count, 150)
        XCTAssertEqual(iris.inputShape, [4])
        XCTAssertEqual(iris.featureNames, ["sepal_length", "sepal_width", "petal_length", "petal_width"])
        XCTAssertEqual(iris.classNames, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(labels(iris).filter { $0 == 2 }.count, 50)
        // Setosa's petals are shorter than 2 cm, the others' longer than 3 cm.
        for i in 0..<iris.count {
            let petal = row(iris, i)[2]
            XCTAssertEqual(petal < 2.5, labels(iris)[i] == 0)
        }
    }

    func testIrisSubsetRelabelsInTheGivenOrder() throws {
        var rng = SeededRandom(seed: 0)
        let all = try IrisSource(classes: nil).generate(rng: &rng)
        let subset = try IrisSource(classes: [2, 0]).generate(rng: &rng)
        XCTAssertEqual(subset.count, 100)
        XCTAssertEqual(subset.targets, .classes(labels(subset), classCount: 2))
        XCTAssertEqual(subset.classNames, ["virginica", "setosa"])
        // Every kept row keeps its measurements; virginica becomes 0, setosa 1.
        let originals = (0..<all.count).filter { labels(all)[$0] != 1 }
        for (k, i) in originals.enumerated() {
            XCTAssertEqual(row(subset, k), row(all, i))
            XCTAssertEqual(labels(subset)[k], labels(all)[i] == 2 ? 0 : 1)
        }
        assertDataError(.invalidOption, ["class 3 does not exist"]) { try IrisSource(classes: [0, 3]).validate(modelInput: []) }
        assertDataError(.invalidOption, ["repeat"]) { try IrisSource(classes: [1, 1]).validate(modelInput: []) }
    }
}
