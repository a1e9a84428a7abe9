import NNCIR
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Properties every built-in source must have. Each source has one descriptor
/// (NNCSpec/DataSources): the checker's description of its data (NNCIR's
/// `DataDescription`, from the descriptor) must be what the generator makes,
/// for every source name and several option sets, defaults included; the
/// data is deterministic in the seed; absurd options throw instead of trapping.
final class BuiltinSourceTests: XCTestCase {
    /// Sources as a spec writes them, with the model input (what `random` copies).
    static let specs: [(flow: String, modelInput: Shape)] = [
        ("{source: digits}", [.fixed(64)]), ("{source: digits, image: true}", [.fixed(64)]),
        ("{source: iris}", [.fixed(4)]), ("{source: iris, classes: [2, 0]}", [.fixed(4)]), ("{source: iris, classes: [1]}", [.fixed(4)]),
        ("{source: and}", [.fixed(2)]), ("{source: or, inputs: 4}", [.fixed(2)]), ("{source: nand, inputs: 3}", [.fixed(2)]),
        ("{source: nor}", [.fixed(2)]), ("{source: xor, inputs: 5}", [.fixed(2)]), ("{source: not}", [.fixed(2)]),
        ("{source: parity}", [.fixed(2)]), ("{source: parity, bits: 6}", [.fixed(2)]),
        ("{source: majority}", [.fixed(2)]), ("{source: majority, bits: 3}", [.fixed(2)]),
        ("{source: blobs}", [.fixed(2)]), ("{source: blobs, classes: 3, dims: 4, count: 30, spread: 0.2}", [.fixed(2)]),
        ("{source: blobs, classes: 5, dims: 1, count: 10}", [.fixed(2)]),
        ("{source: bars_and_stripes}", [.fixed(2)]), ("{source: bars_and_stripes, size: 3, image: true}", [.fixed(2)]),
        ("{source: patterns}", [.fixed(2)]), ("{source: patterns, count: 5, units: 12, density: 0.25}", [.fixed(2)]),
        ("{source: patterns, count: 4, units: 10, pairs: {units: 6}}", [.fixed(2)]),
        ("{source: patterns, count: 3, units: 20, density: 0.3, pairs: {units: 8, density: 0.25}}", [.fixed(2)]),
        ("{source: letters}", [.fixed(2)]), ("{source: letters, size: [5, 4], count: 7}", [.fixed(2)]),
        ("{source: letters, size: [8, 8], image: true}", [.fixed(2)]),
        ("{source: reber, count: 9}", [.fixed(2)]), ("{source: reber, embedded: true, count: 20}", [.fixed(2)]),
        ("{source: adding, length: 6, count: 11}", [.fixed(2)]), ("{source: adding, length: 2, count: 3}", [.fixed(2)]),
        ("{source: sine, length: 7, count: 13}", [.fixed(2)]), ("{source: sine}", [.fixed(2)]),
        ("{source: random, count: 17, classes: 4}", [.fixed(3)]),
        ("{source: random, count: 5, classes: 2, length: 6}", [.symbol("T"), .fixed(3)]),
        ("{source: random}", [.fixed(2), .fixed(2)]),
    ]

    /// The spec's dataset (decoded by the source's descriptor).
    static func dataset(_ flow: String) throws -> (DatasetSpec, BuiltinSource) {
        let yaml = "nnc: 1\ndata: \(flow)\nmodel: {input: [1], layers: [flatten]}\n"
        let spec = try XCTUnwrap(Compiler.check(SourceFile(path: "s.yaml", text: yaml)).spec, flow)
        let dataset = try XCTUnwrap(spec.data?.train, flow)
        guard case .builtin(let source) = dataset.form else { throw XCTSkip("\(flow) is not a built-in source") }
        return (dataset, source)
    }

    func testEveryNameIsCovered() throws {
        let names = try Self.specs.map { try Self.dataset($0.flow).1.name }
        XCTAssertEqual(Set(names), Set(BuiltinSource.names))
        XCTAssertEqual(BuiltinSource.names, SpecSchema.builtinSources.map(\.value))
    }

    /// What `nnc check` knows about the data is what the run generates.
    func testTheCheckersDescriptionIsWhatTheGeneratorMakes() throws {
        for (flow, modelInput) in Self.specs {
            let (dataset, source) = try Self.dataset(flow)
            let checker = DataDescription.describe(dataset, modelInput: modelInput)
            let described = source.describe(modelInput: modelInput)
            var rng = SeededRandom(seed: 11)
            let data = try source.generate(rng: &rng, modelInput: modelInput)
            XCTAssertEqual(data.name, source.name, flow)
            XCTAssertEqual(checker.count, data.count, "\(flow): example count")
            let input = try XCTUnwrap(checker.input, flow)
            XCTAssertTrue(Self.dims(input, match: data.inputShape), "\(flow): input \(input) vs \(data.inputShape)")
            switch (checker.targets, data.targets) {
            case (.none, .none): break
            case (.classes(let k), .classes(let labels, let classCount)):
                XCTAssertEqual(k, classCount, "\(flow): classes")
                XCTAssertTrue(labels.allSatisfy { (0..<classCount).contains(Int($0)) }, flow)
            case (.vectors(let shape), .vectors(_, let actual)):
                XCTAssertTrue(Self.dims(shape, match: actual), "\(flow): targets \(shape) vs \(actual)")
            case (let a, let b): XCTFail("\(flow): targets \(a) vs \(b)")
            }
            XCTAssertEqual(checker.classCoded, described.oneHotTargets || { if case .classes = data.targets { return true }; return false }(), flow)
            if described.oneHotTargets, case .vectors(let values, let shape) = data.targets, let width = shape.last {
                for row in stride(from: 0, to: values.count, by: width) {
                    XCTAssertTrue([0, 1].contains(values[row..<(row + width)].reduce(0, +)), "\(flow): a target step is not one-hot")
                }
            }
            XCTAssertEqual(described.variableLength, data.lengths != nil, flow)
            XCTAssertEqual(described.variableLength, data.targetMask != nil, flow)
            let largest = data.inputs.map(abs).max() ?? 0
            switch (described.values, checker.values) {
            case (.binary, .binary):
                XCTAssertTrue(data.inputs.allSatisfy { $0 == 0 || $0 == 1 }, "\(flow): not binary")
                XCTAssertEqual(largest, 1, flow)
            case (.bounded(let bound, _), .real(let reported)):
                XCTAssertEqual(reported, bound, flow)
                XCTAssertLessThanOrEqual(largest, Float(bound), "\(flow): a value beyond the described range")
                XCTAssertGreaterThan(Double(largest), bound / 2, "\(flow): the described range is far too wide")
            case (.unbounded, .real(nil)):
                XCTAssertFalse(data.inputs.allSatisfy { $0 == 0 || $0 == 1 }, flow)
            case (let a, let b): XCTFail("\(flow): values \(a) vs \(b)")
            }
        }
    }

    /// What spec.resolved.yaml lists for a source reads back as the same source.
    func testResolvedOptionsDecodeToTheSameSource() throws {
        for (flow, _) in Self.specs {
            let source = try Self.dataset(flow).1
            let written = source.options.map { "\($0.name): \(Self.flow($0.value))" }
            let again = try Self.dataset("{" + (["source: \(source.name)"] + written).joined(separator: ", ") + "}").1
            XCTAssertEqual(again, source, flow)
        }
    }

    func testSameSeedSameDataDifferentSeedDifferentData() throws {
        for (flow, modelInput) in Self.specs {
            let source = try Self.dataset(flow).1
            var a = SeededRandom(seed: 1), b = SeededRandom(seed: 1), c = SeededRandom(seed: 2)
            let first = try source.generate(rng: &a, modelInput: modelInput)
            XCTAssertEqual(first, try source.generate(rng: &b, modelInput: modelInput), flow)
            switch source {
            case .blobs, .patterns, .reber, .adding, .sine, .random:
                XCTAssertNotEqual(first, try source.generate(rng: &c, modelInput: modelInput), flow)
            case .digits, .iris, .truthTable, .barsAndStripes, .letters:
                break   // fixed data: the seed plays no part
            }
        }
    }

    func testAbsurdOptionsThrowInsteadOfTrapping() {
        func validate(_ s: some SourceDescriptor, _ modelInput: Shape = []) throws { try s.validate(modelInput: modelInput) }
        assertDataError(.tooLarge, ["2^62"]) { try validate(TruthTableSource(function: .parity, inputs: 62)) }
        assertDataError(.tooLarge, ["2^40"]) { try validate(BarsAndStripesSource(size: 39, image: false)) }
        assertDataError(.invalidOption, ["not", "exactly 1"]) { try validate(TruthTableSource(function: .not, inputs: 2)) }
        assertDataError(.invalidOption, ["bits must be at least 1"]) { try validate(TruthTableSource(function: .majority, inputs: 0)) }
        assertDataError(.tooLarge, ["too many"]) { try validate(BlobsSource(classes: 2, dims: 1 << 20, count: 1 << 20, spread: 0.5)) }
        assertDataError(.tooLarge, ["too many"]) { try validate(PatternsSource(count: Int.max, units: 4, density: 0.5, pairs: nil)) }
        assertDataError(.tooLarge, ["too many"]) { try validate(SineSource(length: Int.max / 2, count: 3)) }
        assertDataError(.invalidOption, ["length must be at least 2"]) { try validate(AddingSource(length: 1, count: 1)) }
        assertDataError(.invalidOption, ["size must be [height, width]"]) { try validate(LettersSource(size: [5], count: 26, image: false)) }
        assertDataError(.invalidOption, ["count must be in 1...26"]) { try validate(LettersSource(size: [7, 5], count: 27, image: false)) }
        assertDataError(.invalidOption, ["symbolic dimension 'T'", "length"]) {
            try validate(RandomSource(count: 256, classes: 10, length: nil), [.symbol("T"), .fixed(3)])
        }
        assertDataError(.invalidOption, ["shorter than the shortest string (9"]) { try validate(ReberSource(embedded: true, count: 1000, maxLength: 8)) }
        assertDataError(.invalidOption, ["density 0.01 of 20 units leaves no unit active"]) {
            try validate(PatternsSource(count: 10, units: 20, density: 0.01, pairs: nil))
        }
        assertDataError(.invalidOption, ["count 1 must be at least classes (3)"]) { try validate(BlobsSource(classes: 3, dims: 2, count: 1, spread: 0.5)) }
        // The description never fails, even where validation will: no overflow on H·W.
        let huge = LettersSource(size: [1 << 40, 1 << 40], count: 26, image: false)
        XCTAssertEqual(huge.describe(modelInput: []).input, [.fixed(Int.max)])
        assertDataError(.invalidOption, ["each in 1...4096"]) { try validate(huge) }
    }

    /// An option value in YAML flow style.
    static func flow(_ v: OptionValue) -> String {
        switch v {
        case .bool(let b): String(b)
        case .integer(let n): String(n)
        case .number(let x): formatNumber(x)
        case .list(let items): "[" + items.map(flow).joined(separator: ", ") + "]"
        case .map(let members): "{" + members.map { "\($0.name): \(flow($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    /// Fixed dimensions must be equal; a symbolic one matches any size.
    static func dims(_ described: Shape, match actual: [Int]) -> Bool {
        described.count == actual.count && zip(described, actual).allSatisfy { d, a in
            if case .fixed(let n) = d { return n == a }
            return true
        }
    }
}
