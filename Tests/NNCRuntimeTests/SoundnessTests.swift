import XCTest
import NNCIR
import NNCSpec
@testable import NNCRuntime

/// Issue "sound compiler": a spec that checks clean runs as written. Each test
/// reproduces a place where the promise once broke.
final class SoundnessTests: XCTestCase {
    func scalar(_ result: RunResult, _ name: String) throws -> Double {
        guard case .number(let v)? = result.final[name] else { throw RunError.bug("metric \(name) missing: \(result.final.entries.map(\.name))") }
        return v
    }

    static let pca = """
        nnc: 1
        seed: 1
        data: {source: digits, normalize: {scale: 0.0625}, limit: 400, split: {train: 0.8, test: 0.2}}
        model:
          input: [64]
          layers:
            - pca: {components: 8}
        train: {rule: pca}
        evaluate: {metrics: [mse]}
        """

    /// Property-test seed 83290: a linear rnn with a skip connection trains to finite
    /// weights (the step loss is 1e17, finite) whose outputs overflow at evaluation; the
    /// run reported mse and loss NaN with exit 0. It is a divergence (exit 3, a message).
    func testOutputsThatOverflowAtEvaluationAreADivergence() throws {
        let text = """
            nnc: 1
            seed: 50
            data: {source: adding, length: 5, count: 8}
            model:
              input: [T, 2]
              layers:
                - rnn: {units: 4, activation: linear, skip: 1, return: last}
                - dense: {units: 1, activation: linear}
            train: {epochs: 1, batch: 4, loss: mse, optimizer: sgd, shuffle: false, bptt: {truncate: 2}}
            """
        XCTAssertThrowsError(try RuntimeTest.run(text: text)) { error in
            guard case RunError.diverged(let message) = error else { return XCTFail("not a divergence: \(error)") }
            XCTAssertTrue(message.contains("NaN or infinite"), message)
        }
    }

    /// A pca layer reconstructs its input whatever `target` says: without `target: input`
    /// the evaluation compares the reconstruction with the input, not with one-hot labels.
    func testPCAIsJudgedOnItsInputWithoutTargetInput() throws {
        let implicit = try scalar(try RuntimeTest.run(text: Self.pca), "mse")
        let explicit = try scalar(try RuntimeTest.run(text: Self.pca.replacingOccurrences(of: "{rule: pca}", with: "{rule: pca, target: input}")), "mse")
        XCTAssertEqual(implicit, explicit)
        XCTAssertLessThan(implicit, 0.05, "reconstruction error of 8 components on [0, 1] digits")
    }

    /// On unlabelled data the requested mse is still reported.
    func testPCAOnUnlabelledDataReportsMSE() throws {
        let text = """
            nnc: 1
            data: {inline: {inputs: [[1, 2, 0], [2, 4, 0.1], [3, 6, -0.1], [4, 8, 0]]}}
            model:
              input: [3]
              layers:
                - pca: {components: 1}
            train: {rule: pca}
            evaluate: {on: train, metrics: [mse]}
            """
        let mse = try scalar(try RuntimeTest.run(text: text), "mse")
        XCTAssertLessThan(mse, 0.01)
        XCTAssertGreaterThan(mse, 0, "the third column's noise is not on the first component")
    }

    /// Defaults live in the schema only: a source without options gets the table's values.
    func testBuiltinSourceOptionsDefaultToTheSchemaTable() throws {
        let checked = try RuntimeTest.check(text: """
            nnc: 1
            data: {source: blobs}
            model:
              input: [2]
              layers:
                - dense: {units: 2}
                - softmax
            train: {epochs: 1}
            """)
        guard case .builtin(.blobs(let blobs))? = checked.spec?.data?.train.form else { return XCTFail("not blobs") }
        let (classes, dims, count, spread) = (blobs.classes, blobs.dims, blobs.count, blobs.spread)
        let table = try XCTUnwrap(SpecSchema.builtinSources.first { $0.value == "blobs" }?.fields)
        func schemaDefault(_ key: String) -> String? { table.first { $0.name == key }?.defaultValue }
        XCTAssertEqual(String(classes), schemaDefault("classes"))
        XCTAssertEqual(String(dims), schemaDefault("dims"))
        XCTAssertEqual(String(count), schemaDefault("count"))
        XCTAssertEqual(formatNumber(spread), schemaDefault("spread"))
        let run = try Runner.run(checked, options: RunOptions())
        XCTAssertEqual(run.data.train.count + (run.data.test?.count ?? 0), count)
    }

    /// Every option of every built-in source that the builder reads has a default in the
    /// table (or is optional by meaning: iris' class subset, random's time length).
    func testEverySourceOptionHasATableDefault() {
        for (source, fields) in SpecSchema.builtinSources {
            for field in fields where !["classes", "length", "pairs"].contains(field.name) || source == "blobs" || source == "random" && field.name == "classes" {
                XCTAssertNotNil(field.defaultValue, "\(source).\(field.name) has no default in the schema")
            }
        }
    }

    /// `--epochs` is checked like `train.epochs`: W0101 where it changes nothing.
    func testEpochsFlagWarnsWhereItHasNoEffect() throws {
        let closedForm = try RuntimeTest.check(text: Self.pca)
        XCTAssertEqual(Compiler.flagWarnings(closedForm, epochs: 3).map(\.code), ["W0101"])
        XCTAssertEqual(Compiler.flagWarnings(closedForm, epochs: nil).map(\.code), [])
        let iterative = try RuntimeTest.check(text: Self.pca.replacingOccurrences(of: "- pca: {components: 8}", with: "- dense: {units: 64, bias: false}")
            .replacingOccurrences(of: "{rule: pca}", with: "{rule: delta, target: input}"))
        XCTAssertEqual(Compiler.flagWarnings(iterative, epochs: 3).map(\.code), [])
    }
}
