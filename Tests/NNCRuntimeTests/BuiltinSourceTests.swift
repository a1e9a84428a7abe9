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

    /// The spec's dataset (decoded by the source's descriptor) and the check's diagnostic codes.
    static func decoded(_ flow: String) -> (dataset: DatasetSpec, source: BuiltinSource)?? {
        let yaml = "nnc: 1\ndata: \(flow)\nmodel: {input: [1], layers: [flatten]}\n"
        let checked = Compiler.check(SourceFile(path: "s.yaml", text: yaml))
        guard let dataset = checked.spec?.data?.train, case .builtin(let source) = dataset.form else {
            return checked.diagnostics.contains { $0.code == "E0403" } ? .some(nil) : nil
        }
        return (dataset, source)
    }

    static func dataset(_ flow: String) throws -> (DatasetSpec, BuiltinSource) {
        try XCTUnwrap(XCTUnwrap(decoded(flow), "\(flow): not decoded, and no E0403"), "\(flow): E0403")
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
            XCTAssertNil(source.problem(modelInput: modelInput), flow)
            var rng = SeededRandom(seed: 11)
            try Self.assertDescribed(dataset, source, modelInput, data: source.generate(rng: &rng, modelInput: modelInput), flow)
        }
    }

    /// Random options within every source's schema ranges (small sizes): where the
    /// source finds no problem (what `nnc check` reports as E0403) the generator
    /// succeeds and makes what the checker described; where it finds one, the
    /// generator fails with that message.
    func testRandomOptionsCheckCleanExactlyWhenTheyGenerate() throws {
        var rng = SeededRandom(seed: 2026)
        var clean = 0, rejected = 0
        let inputs: [Shape] = [[.fixed(3)], [.symbol("T"), .fixed(2)], [.fixed(2), .fixed(2)]]
        for (name, fields) in SpecSchema.builtinSources {
            for _ in 0..<16 {
                let options = fields.compactMap { f in
                    f.required || rng.int(below: 2) == 0 ? Self.randomValue(f.type, &rng).map { "\(f.name): \($0)" } : nil
                }
                let flow = "{" + (["source: \(name)"] + options).joined(separator: ", ") + "}"
                let modelInput = inputs[rng.int(below: inputs.count)]
                let decoded = try XCTUnwrap(Self.decoded(flow), "\(flow): not decoded, and no E0403")
                guard let (dataset, source) = decoded else { continue }   // the decoder's E0403 (iris repeats, letters under 3×3)
                var generator = SeededRandom(seed: 5)
                if let problem = source.problem(modelInput: modelInput) {
                    rejected += 1
                    XCTAssertThrowsError(try source.generate(rng: &generator, modelInput: modelInput), flow) {
                        XCTAssertEqual(($0 as? DataError)?.detail, problem, flow)
                    }
                } else {
                    clean += 1
                    let data = try source.generate(rng: &generator, modelInput: modelInput)
                    try Self.assertDescribed(dataset, source, modelInput, data: data, flow)
                }
            }
        }
        XCTAssertGreaterThan(clean, 200)
        XCTAssertGreaterThan(rejected, 5, "the option ranges should reach some sources' limits")
        print("BuiltinSourceTests: \(clean) random option sets generate, \(rejected) rejected by validate")
    }

    /// The checker's description (NNCIR's `DataDescription`, from the descriptor) against the data.
    static func assertDescribed(_ dataset: DatasetSpec, _ source: BuiltinSource, _ modelInput: Shape, data: Dataset, _ flow: String,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let checker = DataDescription.describe(dataset, modelInput: modelInput)
        let described = source.describe(modelInput: modelInput)
        XCTAssertEqual(data.name, source.name, flow, file: file, line: line)
        XCTAssertEqual(checker.count, data.count, "\(flow): example count", file: file, line: line)
        let input = try XCTUnwrap(checker.input, flow, file: file, line: line)
        XCTAssertTrue(dims(input, match: data.inputShape), "\(flow): input \(input) vs \(data.inputShape)", file: file, line: line)
        switch (checker.targets, data.targets) {
        case (.none, .none): break
        case (.classes(let k), .classes(let labels, let classCount)):
            XCTAssertEqual(k, classCount, "\(flow): classes", file: file, line: line)
            XCTAssertTrue(labels.allSatisfy { (0..<classCount).contains(Int($0)) }, flow, file: file, line: line)
        case (.vectors(let shape), .vectors(_, let actual)):
            XCTAssertTrue(dims(shape, match: actual), "\(flow): targets \(shape) vs \(actual)", file: file, line: line)
        case (let a, let b): XCTFail("\(flow): targets \(a) vs \(b)", file: file, line: line)
        }
        let classLabels: Bool = { if case .classes = data.targets { return true }; return false }()
        XCTAssertEqual(checker.classCoded, described.oneHotTargets || classLabels, flow, file: file, line: line)
        if described.oneHotTargets, case .vectors(let values, let shape) = data.targets, let width = shape.last {
            for row in stride(from: 0, to: values.count, by: width) {
                XCTAssertTrue([0, 1].contains(values[row..<(row + width)].reduce(0, +)), "\(flow): a target step is not one-hot",
                              file: file, line: line)
            }
        }
        XCTAssertEqual(described.variableLength, data.lengths != nil, flow, file: file, line: line)
        XCTAssertEqual(described.variableLength, data.targetMask != nil, flow, file: file, line: line)
        let largest = data.inputs.map(abs).max() ?? 0
        switch (described.values, checker.values) {
        case (.binary, .binary):
            XCTAssertTrue(data.inputs.allSatisfy { $0 == 0 || $0 == 1 }, "\(flow): not binary", file: file, line: line)
        case (.bounded(let bound, _), .real(let reported)):
            XCTAssertEqual(reported, bound, flow, file: file, line: line)
            XCTAssertLessThanOrEqual(largest, Float(bound), "\(flow): a value beyond the described range", file: file, line: line)
            XCTAssertGreaterThan(Double(largest), bound / 4, "\(flow): the described range is far too wide", file: file, line: line)
        case (.unbounded, .real(nil)):
            break
        case (let a, let b): XCTFail("\(flow): values \(a) vs \(b)", file: file, line: line)
        }
    }

    /// A random value of a schema type in YAML flow style, at small sizes; nil for types sources do not use.
    static func randomValue(_ type: SchemaType, _ rng: inout SeededRandom) -> String? {
        switch type {
        case .bool: return rng.int(below: 2) == 0 ? "false" : "true"
        case .integer(let lo, let hi): return String(lo + rng.int(below: min(hi, lo + 7) - lo + 1))
        case .number(let lo, let hi, let exclusive):
            let top = min(hi, lo + 2)
            var x = lo + (top - lo) * rng.uniformDouble()
            if exclusive && x == lo { x = top }
            return String(x)
        case .keyword(let names): return names.isEmpty ? nil : names[rng.int(below: names.count)]
        case .list(let element, let minCount, let maxCount):
            let n = minCount + rng.int(below: min(maxCount, minCount + 2) - minCount + 1)
            let items = (0..<n).compactMap { _ in randomValue(element, &rng) }
            return "[" + items.joined(separator: ", ") + "]"
        case .object(let o):
            let members = o.fields.compactMap { f in
                f.required || rng.int(below: 2) == 0 ? randomValue(f.type, &rng).map { "\(f.name): \($0)" } : nil
            }
            return "{" + members.joined(separator: ", ") + "}"
        case .text, .shape, .variant, .anyOf: return nil
        }
    }

    /// A source written bare takes every option's default from the schema table (the only place of defaults).
    func testBareSourcesTakeTheSchemasDefaults() throws {
        for (name, fields) in SpecSchema.builtinSources {
            let options = try Self.dataset("{source: \(name)}").1.options
            for field in fields {
                let listed = options.first { $0.name == field.name }.map { Self.flow($0.value) }
                XCTAssertEqual(listed, field.defaultValue, "\(name).\(field.name)")
            }
            XCTAssertEqual(options.count, fields.filter { $0.defaultValue != nil }.count, name)
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
