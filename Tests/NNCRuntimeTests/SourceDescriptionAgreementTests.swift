import XCTest
import NNCIR
import NNCSpec
@testable import NNCRuntime

/// The checker describes each built-in source without data (NNCIR's `DataDescription`:
/// shapes, targets, example count, value range); the runtime's generators describe what
/// they make (`describe()`). Until both come from one descriptor per source, this test
/// holds them together: for every source, with options, they agree.
final class SourceDescriptionAgreementTests: XCTestCase {
    static let sources = [
        "{source: digits}", "{source: digits, image: true}", "{source: iris}", "{source: iris, classes: [0, 2]}",
        "{source: xor}", "{source: and, inputs: 3}", "{source: not}", "{source: parity, bits: 5}", "{source: majority, bits: 3}",
        "{source: blobs, classes: 3, dims: 4, count: 30}", "{source: bars_and_stripes, size: 3}",
        "{source: bars_and_stripes, size: 4, image: true}", "{source: patterns, count: 5, units: 12}",
        "{source: patterns, count: 4, units: 10, pairs: {units: 6}}", "{source: letters, size: [5, 4], count: 7}",
        "{source: reber, count: 9}", "{source: adding, length: 6, count: 11}", "{source: sine, length: 7, count: 13}",
        "{source: random, count: 17, classes: 4}",
    ]

    func testCheckerAndGeneratorsDescribeEverySourceAlike() throws {
        for flow in Self.sources {
            let yaml = "nnc: 1\ndata: \(flow)\nmodel: {input: [1], layers: [flatten]}\n"
            let spec = try XCTUnwrap(Compiler.check(SourceFile(path: "s.yaml", text: yaml)).spec, flow)
            guard let dataset = spec.data?.train, case .builtin(let source) = dataset.form else { return XCTFail(flow) }
            let modelInput: Shape = [.fixed(3)]
            let checker = DataDescription.describe(dataset, modelInput: modelInput)
            let runtime = try DataPipeline.builtin(source, modelInput: modelInput).describe()
            XCTAssertEqual(checker.count, runtime.count, "\(flow): example count")
            XCTAssertEqual(checker.input?.map(\.description), runtime.inputShape.map(\.description), "\(flow): input shape")
            switch (checker.targets, runtime.targets) {
            case (.classes(let a), .classes(let b)): XCTAssertEqual(a, b, "\(flow): classes")
            case (.vectors(let a), .vectors(let b)): XCTAssertEqual(a.map(\.description), b.map(\.description), "\(flow): targets")
            case (.none, .none): break
            case (let a, let b): XCTFail("\(flow): targets \(a) vs \(b)")
            }
            switch (checker.values, runtime.inputValues) {
            case (.binary, .binary), (.real, .interval), (.real, .real): break
            case (let a, let b): XCTFail("\(flow): values \(a) vs \(b)")
            }
        }
    }
}
