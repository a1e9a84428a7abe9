import Foundation
import NNCIR
import NNCSpec
import XCTest
@testable import NNCRuntime

final class OutputResolvedSpecTests: XCTestCase {
    static let specsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("specs").path

    /// Checks `text`; fails on any diagnostic.
    func checkClean(_ text: String, path: String, file: StaticString = #filePath, line: UInt = #line) -> CheckResult {
        let result = Compiler.check(SourceFile(path: path, text: text))
        XCTAssertEqual(result.diagnostics.map { "\($0.code) \($0.message)" }, [], "\(path):\n\(text)", file: file, line: line)
        return result
    }

    /// The resolved text of `text`, checked clean, and its re-emission compared.
    func resolve(_ text: String, path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (String, Spec) {
        let original = Compiler.check(SourceFile(path: path, text: text))
        let spec = try XCTUnwrap(original.spec, file: file, line: line)
        let resolved = resolvedSpecYAML(spec, graph: original.graph)
        let again = checkClean(resolved, path: path, file: file, line: line)
        let respec = try XCTUnwrap(again.spec, file: file, line: line)
        XCTAssertEqual(resolvedSpecYAML(respec, graph: again.graph), resolved, "not idempotent: \(path)", file: file, line: line)
        return (resolved, respec)
    }

    func testEverySpecResolvesCleanAndIdempotently() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.specsFolder).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 20)
        for name in files {
            let path = Self.specsFolder + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let (resolved, respec) = try resolve(text, path: path)
            let original = try XCTUnwrap(Compiler.check(SourceFile(path: path, text: text)).spec)
            XCTAssertEqual(respec.name, original.name)
            XCTAssertEqual(respec.description, original.description, name)
            XCTAssertEqual(respec.seed, original.seed)
            XCTAssertEqual(respec.model?.layers.compactMap { $0?.name }, original.model?.layers.compactMap { $0?.name })
            XCTAssertEqual(respec.train?.effectiveEpochs, original.train?.effectiveEpochs, name)
            XCTAssertEqual(respec.train?.optimizer, original.train?.optimizer, name)
            XCTAssertTrue(resolved.contains("# -> ["), "shape comments in \(name)")
        }
    }

    func testDefaultsAreWrittenOut() throws {
        let path = Self.specsFolder + "/digits-cnn.yaml"
        let (cnn, _) = try resolve(try String(contentsOfFile: path, encoding: .utf8), path: path)
        XCTAssertTrue(cnn.contains("name: digits-cnn\n"), cnn)
        XCTAssertTrue(cnn.contains("- conv2d: {name: conv2d1, filters: 16, kernel: 3, stride: 1, padding: same, activation: relu, bias: true, init: he}  # -> [16, 8, 8]\n"), cnn)
        XCTAssertTrue(cnn.contains("- maxpool: {name: maxpool2, size: 2, stride: 2}  # -> [16, 4, 4]\n"), cnn)
        XCTAssertTrue(cnn.contains("- dense: {name: dense7, units: 10, activation: linear, bias: true, init: xavier}  # -> [10]\n"), cnn)
        XCTAssertTrue(cnn.contains("optimizer: {adam: {lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-08}}\n"), cnn)
        XCTAssertTrue(cnn.contains("schedule: {cosine: {min_lr: 0.0001, period: 20}}\n"), cnn)
        XCTAssertTrue(cnn.contains("  on: test\n"), cnn)
        XCTAssertTrue(cnn.contains("  show: 8\n"), cnn)
        XCTAssertTrue(cnn.contains("  split: {train: 0.8, test: 0.2}\n"), cnn)

        // Rule-dependent defaults: loss after softmax, epochs and batch of per-example and closed-form rules.
        let spec = """
        nnc: 1
        data: {source: iris}
        model:
          input: [4]
          layers:
            - dense: {units: 3}
            - dropout: {rate: 0.1}
            - softmax
        train: {optimizer: sgd}
        """
        let (mlp, _) = try resolve(spec, path: "/tmp/iris-default.yaml")
        XCTAssertTrue(mlp.contains("name: iris-default\n"))
        XCTAssertTrue(mlp.contains("  loss: cross_entropy\n"), mlp)
        XCTAssertTrue(mlp.contains("  optimizer: {sgd: {lr: 0.01, momentum: 0, nesterov: false}}\n  schedule: constant\n  epochs: 10\n  batch: 32\n"), mlp)
        XCTAssertTrue(mlp.contains("  on: train\n"), mlp)
        XCTAssertTrue(mlp.contains("evaluate:  # metrics: those that fit the task\n"), mlp)

        let hebbian = """
        nnc: 1
        data: {source: patterns, count: 3, units: 16, encoding: bipolar}
        model: {input: [16], layers: [hopfield]}
        train: {rule: hebbian}
        evaluate: {metrics: [overlap, energy]}
        """
        let (hop, _) = try resolve(hebbian, path: "/tmp/hop.yaml")
        XCTAssertTrue(hop.contains("  rule: hebbian\n  target: labels\n  epochs: 100\n  batch: 1\n  shuffle: true\n"), hop)
        XCTAssertFalse(hop.contains("optimizer"))
        XCTAssertFalse(hop.contains("loss"))
        XCTAssertTrue(hop.contains("- hopfield: {name: hopfield1, update: async, order: random, max_sweeps: 100, self_weight: 0}  # -> [16]"), hop)

        let pca = """
        nnc: 1
        data: {source: digits}
        model: {input: [64], layers: [{pca: {components: 5}}]}
        train: {rule: pca, target: input}
        """
        let (closed, _) = try resolve(pca, path: "/tmp/pca.yaml")
        XCTAssertTrue(closed.contains("train:\n  rule: pca\n  target: input\nevaluate:"), closed)
        let withMetrics = try XCTUnwrap(Compiler.check(SourceFile(path: "/tmp/pca.yaml", text: pca)).spec)
        XCTAssertTrue(resolvedSpecYAML(withMetrics, graph: nil, defaultMetrics: ["mse"]).contains("  metrics: [mse]\n"))
        XCTAssertFalse(resolvedSpecYAML(withMetrics, graph: nil).contains("# ->"), "no graph, no shape comments")
    }

    func testTextThatNeedsQuotingReadsBackUnchanged() throws {
        let names = ["123", "yes", "On", "null", "~", "a: b", "x #y", "-lead", "[x]", "a,b", "é-名前", " pad", "tab\there", "ok_name",
                     "&anchor", "*alias", "!tag"]
        let descriptions = ["plain text, with commas", "two\nlines\n", "no final break\nsecond", "ends with two\n\n",
                            "trailing space \nline", "#not a comment", String(repeating: "word ", count: 40) + "end\n",
                            "double  spaces  kept " + String(repeating: "x", count: 90) + "  y\n", "control \u{7} bell",
                            "quote \" and backslash \\", "line\u{2028}separator", "  indented\nsecond\n", "'single'", "",
                            "# heading\n- item: x\n", "#folded: text y\n"]
        for (i, name) in names.enumerated() {
            let description = descriptions[i % descriptions.count]
            // A spec name must also be a safe file name (E0112/E0113); layer names need not.
            let specName = SafeName.problem(name) == nil ? name : "quoted"
            let spec = """
            nnc: 1
            name: \(YAMLEmitter.doubleQuoted(specName))
            description: \(YAMLEmitter.doubleQuoted(description))
            data: {source: xor}
            model:
              input: [2]
              layers:
                - dense: {units: 2, activation: tanh, name: \(YAMLEmitter.doubleQuoted(name))}
                - dense: {units: 1, activation: sigmoid, from: \(YAMLEmitter.doubleQuoted(name))}
            train: {loss: mse}
            """
            let (resolved, respec) = try resolve(spec, path: "/tmp/q.yaml")
            XCTAssertEqual(respec.name, specName, resolved)
            XCTAssertEqual(respec.description, description, resolved)
            XCTAssertEqual(respec.model?.layers.first??.name, name, resolved)
            XCTAssertEqual(respec.model?.layers.last??.from?.first?.name, name, resolved)
        }
        XCTAssertTrue(YAMLEmitter.isPlain("ok_name", inFlow: true))
        XCTAssertFalse(YAMLEmitter.isPlain("yes", inFlow: false))
        XCTAssertFalse(YAMLEmitter.isPlain("a,b", inFlow: true))
        XCTAssertTrue(YAMLEmitter.isPlain("a,b", inFlow: false))
    }

    func testLongDescriptionsAreFoldedAndPathsMadeAbsolute() throws {
        let long = String(repeating: "a fairly long sentence ", count: 10) + "end."
        let spec = """
        nnc: 1
        description: >
          \(long)
        data: {csv: {path: data/x.csv, label: 0}, limit: 5, normalize: minmax}
        model: {input: [3], layers: [{dense: {units: 2, init: {uniform: 0.5}, penalty: {l2: 0.001}}}]}
        train: {loss: cross_entropy}
        """
        let (resolved, respec) = try resolve(spec, path: "specs-relative/folder/spec.yaml")
        XCTAssertEqual(respec.description, long + "\n")
        XCTAssertTrue(resolved.contains("description: >\n  a fairly long"), resolved)
        XCTAssertTrue(resolved.components(separatedBy: "\n").allSatisfy { $0.components(separatedBy: "  # ")[0].count <= 120 }, resolved)
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertTrue(resolved.contains("csv: {path: \(cwd)/specs-relative/folder/data/x.csv, label: 0, header: false}"), resolved)
        XCTAssertTrue(resolved.contains("init: {uniform: 0.5}, penalty: {l2: 0.001}"), resolved)
        XCTAssertTrue(resolved.contains("  limit: 5\n  shuffle: false\n  normalize: minmax\n  one_hot: false\n"), resolved)
    }
}
