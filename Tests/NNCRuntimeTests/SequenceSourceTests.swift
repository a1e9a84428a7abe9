import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Semantic checks of the sequence sources: reber, adding, sine.
final class SequenceSourceTests: XCTestCase {
    /// The Reber grammar as a regular expression, written independently of the
    /// generator's state table: B (T S* X (S | X T* V (P X T* V)* (V | P S))
    /// | P T* V (P X T* V)* (V | P S)) E.
    private let reberPattern = "B(TS*X(S|XT*V(PXT*V)*(V|PS))|PT*V(PXT*V)*(V|PS))E"

    /// The symbols of example i, read back from the one-hot inputs plus the last target.
    private func string(_ data: Dataset, _ i: Int) throws -> String {
        let symbols = Array("BTSXPVE")
        let steps = try XCTUnwrap(data.lengths?[i])
        let width = data.inputShape[0] * 7
        var text = ""
        for t in 0..<steps {
            let x = Array(data.inputs[(i * width + t * 7)..<(i * width + t * 7 + 7)])
            XCTAssertEqual(x.reduce(0, +), 1, "one-hot")
            text.append(symbols[try XCTUnwrap(x.firstIndex(of: 1))])
        }
        let y = Array(vectors(data)[(i * width + (steps - 1) * 7)..<(i * width + steps * 7)])
        text.append(symbols[try XCTUnwrap(y.firstIndex(of: 1))])
        return text
    }

    func testPlainReberStringsAreGrammatical() throws {
        var rng = SeededRandom(seed: 9)
        let data = try ReberSource(embedded: false, count: 200).generate(rng: &rng)
        let regex = try Regex(reberPattern)
        var lengths = Set<Int>()
        for i in 0..<data.count {
            let s = try string(data, i)
            XCTAssertNotNil(s.wholeMatch(of: regex), s)
            lengths.insert(s.count)
        }
        XCTAssertEqual(lengths.min(), 5)
        XCTAssertGreaterThan(lengths.count, 5, "lengths vary")
        XCTAssertEqual(data.inputShape, [(lengths.max() ?? 0) - 1, 7], "padded to the longest")
        XCTAssertNil(data.longRangeSteps)
    }

    func testEmbeddedReberRemembersTheSecondSymbol() throws {
        var rng = SeededRandom(seed: 3)
        let data = try ReberSource(embedded: true, count: 200).generate(rng: &rng)
        let inner = try Regex(reberPattern)
        var wrappers = Set<Character>()
        for i in 0..<data.count {
            let s = Array(try string(data, i))
            XCTAssertEqual(s.first, "B")
            XCTAssertEqual(s.last, "E")
            XCTAssertTrue(s[1] == "T" || s[1] == "P")
            XCTAssertEqual(s[s.count - 2], s[1], "penultimate == second: \(String(s))")
            XCTAssertNotNil(String(s[2..<(s.count - 2)]).wholeMatch(of: inner), String(s))
            wrappers.insert(s[1])
            // The long-range step predicts the penultimate symbol, and only it is allowed there.
            let step = try XCTUnwrap(data.longRangeSteps?[i])
            XCTAssertEqual(step, s.count - 3)
            let base = (i * data.inputShape[0] + step) * 7
            let allowed = try XCTUnwrap(data.allowedTargets)
            XCTAssertEqual(Array(allowed[base..<(base + 7)]), Array(vectors(data)[base..<(base + 7)]))
        }
        XCTAssertEqual(wrappers, ["T", "P"])
    }

    func testReberTargetsMasksAndAllowedSymbols() throws {
        var rng = SeededRandom(seed: 5)
        let data = try ReberSource(embedded: false, count: 50, maxLength: 12).generate(rng: &rng)
        let steps = data.inputShape[0]
        XCTAssertLessThanOrEqual(steps, 11, "strings of at most 12 symbols")
        let targets = vectors(data)
        let allowed = try XCTUnwrap(data.allowedTargets)
        let mask = try XCTUnwrap(data.targetMask)
        for i in 0..<data.count {
            let length = try XCTUnwrap(data.lengths?[i])
            for t in 0..<steps {
                let base = (i * steps + t) * 7
                let y = Array(targets[base..<(base + 7)])
                let a = Array(allowed[base..<(base + 7)])
                if t < length {
                    XCTAssertEqual(mask[i * steps + t], 1)
                    let symbol = try XCTUnwrap(y.firstIndex(of: 1))
                    XCTAssertEqual(a[symbol], 1, "the actual next symbol is allowed")
                    XCTAssertTrue((1...2).contains(a.reduce(0, +)), "one or two choices")
                    if t + 1 < length {
                        XCTAssertEqual(Array(data.inputs[(base + 7)..<(base + 14)]), y, "next input = this target")
                    }
                } else {
                    XCTAssertEqual(mask[i * steps + t], 0)
                    XCTAssertEqual(y + a + Array(data.inputs[base..<(base + 7)]), [Float](repeating: 0, count: 21), "padding is zero")
                }
            }
            // After B the grammar allows exactly T and P.
            XCTAssertEqual(Array(allowed[(i * steps * 7)..<(i * steps * 7 + 7)]), [0, 1, 0, 0, 1, 0, 0])
        }
    }

    func testAddingTargetIsTheSumOfTheMarkedValues() throws {
        var rng = SeededRandom(seed: 8)
        let length = 11
        let data = try AddingSource(length: length, count: 100).generate(rng: &rng)
        XCTAssertEqual(data.inputShape, [length, 2])
        let sums = vectors(data)
        XCTAssertEqual(sums.count, 100)
        for i in 0..<data.count {
            let x = row(data, i)
            let marked = (0..<length).filter { x[2 * $0 + 1] == 1 }
            XCTAssertEqual(marked.count, 2)
            XCTAssertTrue(x.enumerated().allSatisfy { $0.offset % 2 == 0 ? ($0.element >= 0 && $0.element < 1) : ($0.element == 0 || $0.element == 1) })
            XCTAssertLessThan(marked[0], length / 2, "first marker in the first half")
            XCTAssertGreaterThanOrEqual(marked[1], length / 2, "second marker in the second half")
            XCTAssertEqual(sums[i], x[2 * marked[0]] + x[2 * marked[1]])
        }
    }

    func testSineTargetIsTheNextInput() throws {
        var rng = SeededRandom(seed: 6)
        let length = 30
        let data = try SineSource(length: length, count: 20).generate(rng: &rng)
        XCTAssertEqual(data.inputShape, [length, 1])
        let targets = vectors(data)
        for i in 0..<data.count {
            let x = row(data, i)
            for t in 0..<(length - 1) { XCTAssertEqual(targets[i * length + t], x[t + 1]) }
            XCTAssertTrue(x.allSatisfy { abs($0) <= 1 })
            // A sine wave: x(t+1) + x(t−1) = 2 cos(2πf) x(t), with cos(2πf) in [cos(0.2π), cos(0.05π)].
            let ratios = (1..<(length - 1)).compactMap { t -> Float? in
                abs(x[t]) > 0.3 ? (x[t + 1] + x[t - 1]) / (2 * x[t]) : nil
            }
            for r in ratios {
                XCTAssertGreaterThanOrEqual(r, Float(cos(0.2 * Double.pi)) - 1e-3)
                XCTAssertLessThanOrEqual(r, Float(cos(0.05 * Double.pi)) + 1e-3)
            }
        }
    }
}
