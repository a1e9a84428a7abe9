import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Semantic checks of the non-sequence generated sources.
final class GeneratedSourceTests: XCTestCase {
    func testBlobsAreSeparatedClustersAroundTheirCentres() throws {
        for (classes, dims) in [(2, 2), (4, 2), (3, 5), (3, 1)] {
            var rng = SeededRandom(seed: 7)
            let source = BlobsSource(classes: classes, dims: dims, count: 200, spread: 0.1)
            let (data, centres) = try source.generateWithCentres(rng: &rng)
            XCTAssertEqual(centres.count, classes)
            let counts = Dictionary(grouping: labels(data), by: { $0 }).mapValues(\.count)
            XCTAssertEqual(counts.count, classes)
            XCTAssertLessThanOrEqual((counts.values.max() ?? 0) - (counts.values.min() ?? 0), 1, "balanced classes")
            func distance(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() }
            for a in 0..<classes {
                if dims > 1 { XCTAssertEqual(distance(centres[a], [Float](repeating: 0, count: dims)), BlobsSource.radius, accuracy: 1e-4) }
                for b in (a + 1)..<max(a + 1, classes) {
                    XCTAssertGreaterThan(distance(centres[a], centres[b]), 1.0, "centres \(a), \(b) well apart")
                }
            }
            // Nearest-centre classification is perfect: the classes are cut by
            // the hyperplanes between centres, so linearly separable.
            var sumSquares: Float = 0
            for i in 0..<data.count {
                let x = row(data, i)
                let nearest = (0..<classes).min { distance(x, centres[$0]) < distance(x, centres[$1]) }
                XCTAssertEqual(nearest, Int(labels(data)[i]))
                let own = centres[Int(labels(data)[i])]
                sumSquares += zip(x, own).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            }
            let measuredSpread = (sumSquares / Float(data.count * dims)).squareRoot()
            XCTAssertEqual(measuredSpread, 0.1, accuracy: 0.02, "per-coordinate std is the spread")
        }
    }

    func testBarsAndStripes() throws {
        for n in [3, 4] {
            var rng = SeededRandom(seed: 0)
            let data = try BarsAndStripesSource(size: n, image: false).generate(rng: &rng)
            XCTAssertEqual(data.count, (1 << (n + 1)) - 2)
            XCTAssertEqual(data.inputShape, [n * n])
            XCTAssertEqual(Set((0..<data.count).map { row(data, $0) }).count, data.count, "all distinct")
            for i in 0..<data.count {
                let image = row(data, i)
                let rowsUniform = (0..<n).allSatisfy { r in Set(image[(r * n)..<((r + 1) * n)]).count == 1 }
                let columnsUniform = (0..<n).allSatisfy { c in Set((0..<n).map { image[$0 * n + c] }).count == 1 }
                if labels(data)[i] == 0 {
                    XCTAssertTrue(rowsUniform, "bars: every row all on or all off")
                } else {
                    XCTAssertTrue(columnsUniform && !rowsUniform, "stripes, and not also bars")
                }
            }
            XCTAssertEqual(labels(data).filter { $0 == 0 }.count, 1 << n, "blank and full count as bars")
        }
    }

    func testPatternsHaveExactlyTheRequestedActivity() throws {
        var rng = SeededRandom(seed: 4)
        let data = try PatternsSource(count: 50, units: 40, density: 0.1, pairs: .init(units: 30, density: 0.2)).generate(rng: &rng)
        XCTAssertEqual(data.count, 50)
        for i in 0..<50 {
            let x = row(data, i)
            XCTAssertTrue(x.allSatisfy { $0 == 0 || $0 == 1 })
            XCTAssertEqual(x.reduce(0, +), 4, "round(0.1 · 40) active")
            XCTAssertEqual(vectors(data)[(i * 30)..<((i + 1) * 30)].reduce(0, +), 6, "round(0.2 · 30) active")
        }
        // Positions are spread over all units, not stuck at the front.
        let perUnit = (0..<40).map { u in (0..<50).filter { row(data, $0)[u] == 1 }.count }
        XCTAssertTrue(perUnit.allSatisfy { $0 < 20 } && perUnit.filter { $0 > 0 }.count > 30, "\(perUnit)")
        let plain = try PatternsSource(count: 3, units: 10, density: 0.5, pairs: nil).generate(rng: &rng)
        XCTAssertEqual(plain.targets, .none)
        XCTAssertEqual(try plain.encoded(.bipolar).inputs.reduce(0, +), 0, "balanced bipolar patterns sum to 0")
    }

    func testLettersAreDistinctAtTheUsualSizes() throws {
        var rng = SeededRandom(seed: 0)
        for size in [[5, 5], [7, 5], [8, 8], [10, 10], [16, 16]] {
            let data = try LettersSource(size: size, count: 26, image: false).generate(rng: &rng)
            XCTAssertEqual(data.count, 26)
            XCTAssertEqual(data.inputShape, [size[0] * size[1]])
            XCTAssertEqual(Set((0..<26).map { row(data, $0) }).count, 26, "\(size): 26 distinct letters")
            XCTAssertEqual(labels(data), (0..<26).map { Int32($0) })
        }
        // At the font's own size, T is a full top row and a centre column.
        let t = row(try LettersSource(size: [7, 5], count: 26, image: false).generate(rng: &rng), 19)
        XCTAssertEqual(Array(t[0..<5]), [1, 1, 1, 1, 1])
        XCTAssertEqual((1..<7).map { t[$0 * 5 + 2] }, [1, 1, 1, 1, 1, 1])
        XCTAssertEqual(t.reduce(0, +), 11)
        let few = try LettersSource(size: [10, 10], count: 3, image: true).generate(rng: &rng)
        XCTAssertEqual(few.classNames, ["A", "B", "C"])
        XCTAssertEqual(few.inputShape, [1, 10, 10])
        assertDataError(.invalidOption, ["same image"]) { try LettersSource(size: [2, 2], count: 26, image: false).generate(rng: &rng) }
    }

    func testRandomResolvesSymbolicDimensions() throws {
        var rng = SeededRandom(seed: 2)
        let data = try RandomSource(count: 200, classes: 4, length: 5).generate(rng: &rng, modelInput: [.symbol("T"), .fixed(3)])
        XCTAssertEqual(data.inputShape, [5, 3])
        XCTAssertTrue(data.inputs.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Set(labels(data)), [0, 1, 2, 3])
        let mean = data.inputs.reduce(0, +) / Float(data.inputs.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.05)
        XCTAssertEqual(try RandomSource(count: 3, classes: nil, length: nil).generate(rng: &rng, modelInput: [.fixed(2)]).targets, .none)
    }
}
