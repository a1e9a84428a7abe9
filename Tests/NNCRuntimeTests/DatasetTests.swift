import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

final class DatasetTests: XCTestCase {
    /// Ten examples [2]: example i is (i, 10 i), label i mod 3.
    private func tenExamples() throws -> Dataset {
        try Dataset(inputs: (0..<10).flatMap { [Float($0), Float(10 * $0)] }, inputShape: [2],
                    targets: .classes((0..<10).map { Int32($0 % 3) }, classCount: 3))
    }

    func testInitRejectsBrokenInvariants() {
        assertDataError(.malformed, ["3 input values", "[2]"]) { try Dataset(inputs: [1, 2, 3], inputShape: [2]) }
        assertDataError(.malformed, ["not finite"]) { try Dataset(inputs: [1, .nan], inputShape: [2]) }
        assertDataError(.malformed, ["label 3", "0..<3"]) {
            try Dataset(inputs: [1, 2], inputShape: [1], targets: .classes([0, 3], classCount: 3))
        }
        assertDataError(.malformed, ["length 4", "1...3"]) {
            try Dataset(inputs: [Float](repeating: 0, count: 6), inputShape: [3, 1], lengths: [2, 4])
        }
        assertDataError(.malformed, ["2 feature names"]) {
            try Dataset(inputs: [1, 2, 3], inputShape: [3], featureNames: ["a", "b"])
        }
    }

    func testLimitTakesTheFirstExamples() throws {
        let data = try tenExamples()
        let first = try data.limit(4)
        XCTAssertEqual(first.count, 4)
        XCTAssertEqual(first.inputs, [0, 0, 1, 10, 2, 20, 3, 30])
        XCTAssertEqual(labels(first), [0, 1, 2, 0])
        XCTAssertEqual(try data.limit(50).count, 10)
        assertDataError(.invalidOption, ["limit"]) { try data.limit(0) }
    }

    func testShuffleIsAPermutationThatDependsOnTheSeed() throws {
        let data = try tenExamples()
        var rngA = SeededRandom(seed: 5), rngB = SeededRandom(seed: 5), rngC = SeededRandom(seed: 6)
        let a = data.shuffled(rng: &rngA), b = data.shuffled(rng: &rngB), c = data.shuffled(rng: &rngC)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.inputs, c.inputs)
        XCTAssertNotEqual(a.inputs, data.inputs)
        // Rows stay whole and labels move with them.
        let order = (0..<10).map { Int(row(a, $0)[0]) }
        XCTAssertEqual(order.sorted(), Array(0..<10))
        for (i, original) in order.enumerated() {
            XCTAssertEqual(row(a, i), [Float(original), Float(10 * original)])
            XCTAssertEqual(labels(a)[i], Int32(original % 3))
        }
    }

    func testSplitGivesDisjointPartsOfTheRightSizes() throws {
        let data = try tenExamples()
        var rng = SeededRandom(seed: 1)
        let parts = try data.split(fractions: [0.7, 0.3], rng: &rng)
        XCTAssertEqual(parts.map(\.count), [7, 3])
        let ids = parts.flatMap { part in (0..<part.count).map { Int(row(part, $0)[0]) } }
        XCTAssertEqual(Set(ids).count, 10, "every example in exactly one part")

        var rng2 = SeededRandom(seed: 1)
        XCTAssertEqual(try data.split(fractions: [0.7, 0.3], rng: &rng2), parts, "same seed, same split")
        var rng3 = SeededRandom(seed: 1)
        XCTAssertEqual(try data.split(fractions: [0.5, 0.2], rng: &rng3).map(\.count), [5, 2], "the rest is dropped")
    }

    func testSplitErrors() throws {
        let data = try tenExamples()
        var rng = SeededRandom(seed: 1)
        assertDataError(.invalidOption, ["part 2", "empty"]) { try data.split(fractions: [0.99, 0.01], rng: &rng) }
        assertDataError(.invalidOption, ["sum to", "more than 1"]) { try data.split(fractions: [0.8, 0.3], rng: &rng) }
        assertDataError(.invalidOption, ["fraction -0.5"]) { try data.split(fractions: [-0.5], rng: &rng) }
    }

    func testOneHot() throws {
        let data = try tenExamples().limit(4)
        let hot = try data.oneHot()
        guard case .vectors(let v, let shape) = hot.targets else { return XCTFail("expected vectors") }
        XCTAssertEqual(shape, [3])
        XCTAssertEqual(v, [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0])
        assertDataError(.invalidOption, ["one_hot", "vectors"]) { try hot.oneHot() }
    }

    func testBipolarEncodingMapsZeroToMinusOne() throws {
        let data = try Dataset(inputs: [0, 1, 1, 0], inputShape: [2], targets: .vectors([1, 0, 0, 0], shape: [2]))
        let bipolar = try data.encoded(.bipolar)
        XCTAssertEqual(bipolar.inputs, [-1, 1, 1, -1])
        XCTAssertEqual(vectors(bipolar), [1, -1, -1, -1])
        let back = try bipolar.encoded(.binary)
        XCTAssertEqual(back, data)
        // Real-valued targets are left alone; non-binary inputs are an error.
        let regression = try Dataset(inputs: [0, 1], inputShape: [2], targets: .vectors([0.25], shape: [1]))
        XCTAssertEqual(vectors(try regression.encoded(.bipolar)), [0.25])
        let real = try Dataset(inputs: [0, 0.5], inputShape: [2])
        assertDataError(.invalidOption, ["0.5", "example 0"]) { try real.encoded(.bipolar) }
    }

    func testEncodingLeavesSequencePaddingAlone() throws {
        // Two sequences of [3, 1]: lengths 3 and 1; the second is padded.
        let data = try Dataset(inputs: [1, 0, 1, 0, 0, 0], inputShape: [3, 1], lengths: [3, 1])
        XCTAssertEqual(try data.encoded(.bipolar).inputs, [1, -1, 1, -1, 0, 0])
    }

    func testStandardizeUsesTrainingStatisticsOnTest() throws {
        // Feature 1: 1, 3 (mean 2, std 1); feature 2: constant 5.
        let train = try Dataset(inputs: [1, 5, 3, 5], inputShape: [2])
        let test = try Dataset(inputs: [5, 7], inputShape: [2])
        let stats = try NormalizationStats.fit(.standardize, to: train)
        XCTAssertEqual(stats.offsets, [2, 5])
        XCTAssertEqual(stats.factors, [1, 1], "std 1, and a constant feature is only centred")
        XCTAssertEqual(try stats.apply(to: train).inputs, [-1, 0, 1, 0])
        XCTAssertEqual(try stats.apply(to: test).inputs, [3, 2], "test statistics do not leak in")
    }

    func testMinmaxAndScale() throws {
        let train = try Dataset(inputs: [2, 0, 6, 10], inputShape: [2])
        let stats = try NormalizationStats.fit(.minmax, to: train)
        XCTAssertEqual(try stats.apply(to: train).inputs, [0, 0, 1, 1])
        XCTAssertEqual(try stats.apply(to: Dataset(inputs: [4, 20], inputShape: [2])).inputs, [0.5, 2])
        XCTAssertEqual(try train.normalized(.scale(0.5)).inputs, [1, 0, 3, 5])   // multiplies, as Caffe and Keras
        assertDataError(.invalidOption, ["scale"]) { try train.normalized(.scale(0)) }
        assertDataError(.invalidOption, ["[2]", "[1]"]) { try stats.apply(to: Dataset(inputs: [1], inputShape: [1])) }
    }

    func testNormalizationGroupsImageChannelsAndSequenceFeatures() throws {
        // Images [2, 1, 2]: channel 0 holds 0, 2 (and 4, 6); channel 1 holds 10, 10 (constant).
        let images = try Dataset(inputs: [0, 2, 10, 10, 4, 6, 10, 10], inputShape: [2, 1, 2])
        let s = try NormalizationStats.fit(.minmax, to: images)
        XCTAssertEqual(s.offsets, [0, 10])
        XCTAssertEqual(s.factors, [1.0 / 6, 1])
        // Sequences [2, 1] with the second example one step long: its padding is ignored.
        let sequences = try Dataset(inputs: [1, 3, 5, 0], inputShape: [2, 1], lengths: [2, 1])
        let t = try NormalizationStats.fit(.standardize, to: sequences)
        XCTAssertEqual(t.offsets, [3], "mean of 1, 3, 5; not of the padding 0")
        XCTAssertEqual(try t.apply(to: sequences).inputs[3], 0, "padding stays 0")
    }

    func testSubsetKeepsSequenceAnnotationsAligned() throws {
        var rng = SeededRandom(seed: 3)
        let reber = try ReberSource(embedded: true, count: 6).generate(rng: &rng)
        let picked = try reber.subset([4, 1])
        XCTAssertEqual(picked.lengths, [reber.lengths?[4], reber.lengths?[1]].compactMap { $0 })
        XCTAssertEqual(picked.longRangeSteps, [reber.longRangeSteps?[4], reber.longRangeSteps?[1]].compactMap { $0 })
        let steps = reber.inputShape[0]
        XCTAssertEqual(picked.targetMask.map { Array($0[0..<steps]) }, reber.targetMask.map { Array($0[(4 * steps)..<(5 * steps)]) })
        assertDataError(.invalidOption, ["example 6"]) { try reber.subset([6]) }
    }
}
