import Foundation
import XCTest

/// nnc predict, nnc data, nnc run --init / --epochs 0, and the model file's metadata, through the binary.
final class PredictCommandTests: XCTestCase {
    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-predict-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func run(_ args: [String], status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> NNCProcess.Output {
        let r = try NNCProcess.run(args, in: NNCProcess.repositoryRoot)
        XCTAssertEqual(r.status, status, "nnc \(args.joined(separator: " ")): \(r.stderr)", file: file, line: line)
        return r
    }

    /// The header JSON of a safetensors file (8-byte length, then the JSON).
    func metadata(_ url: URL) throws -> [String: String] {
        let bytes = [UInt8](try Data(contentsOf: url))
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        return try XCTUnwrap(header["__metadata__"] as? [String: String])
    }

    func testModelFileDescribesItself() throws {
        let out = try temporaryDirectory()
        _ = try run(["run", "specs/iris-softmax.yaml", "--out", out.path, "--quiet"])
        let m = try metadata(out.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(m["producer"], "nnc")
        XCTAssertEqual(m["nnc_model"], "1")
        XCTAssertEqual(m["output"], "class_probabilities")
        XCTAssertEqual(m["input_shape"], "[4]")
        XCTAssertEqual(m["output_shape"], "[3]")
        XCTAssertEqual(m["class_names"], #"["setosa","versicolor","virginica"]"#)
        XCTAssertFalse((m["nnc_version"] ?? "unknown").contains("unknown"))
        let resolved = try String(contentsOf: out.appendingPathComponent("spec.resolved.yaml"), encoding: .utf8)
        XCTAssertEqual(m["spec_yaml"], resolved)
        let normalization = try XCTUnwrap(m["normalization"])
        let n = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(normalization.utf8)) as? [String: Any])
        XCTAssertEqual(n["method"] as? String, "standardize")
        XCTAssertEqual((n["offsets"] as? [Double])?.count, 4)
    }

    /// predict on the spec's own test part gives the accuracy run reported; CSV names the classes.
    func testPredictReproducesRunAndNamesClasses() throws {
        let out = try temporaryDirectory()
        let r = try run(["run", "specs/iris-softmax.yaml", "--out", out.path + "/run", "--format", "json", "--quiet"])
        let final = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        _ = try run(["data", "specs/iris-softmax.yaml", "--output", out.path + "/data"])
        let csv = try run(["predict", out.path + "/run", "--input", out.path + "/data/test_inputs.npy"]).stdout
        var lines = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.removeFirst(), "class,setosa,versicolor,virginica")
        let labels = try npyInt64(out.appendingPathComponent("data/test_targets.npy"))
        XCTAssertEqual(lines.count, labels.count)
        let names = ["setosa", "versicolor", "virginica"]
        var correct = 0
        for (row, label) in zip(lines, labels) {
            let fields = row.split(separator: ",")
            let probabilities = fields.dropFirst().compactMap { Double($0) }
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
            if String(fields[0]) == names[Int(label)] { correct += 1 }
        }
        XCTAssertEqual(Double(correct) / Double(labels.count), try XCTUnwrap(final["accuracy"] as? Double), accuracy: 1e-12)
    }

    /// Raw .csv rows (with a header) give the same outputs as the .npy of the same values.
    func testCSVInputMatchesNPY() throws {
        let out = try temporaryDirectory()
        _ = try run(["run", "specs/xor-mlp.yaml", "--out", out.path, "--quiet"])
        let input = out.appendingPathComponent("x.csv")
        try "a,b\n0,0\n0,1\n1,0\n1,1\n".write(to: input, atomically: true, encoding: .utf8)
        let csv = try run(["predict", out.path, "--input", input.path]).stdout.split(separator: "\n")
        XCTAssertEqual(csv.count, 5)
        XCTAssertEqual(csv.dropFirst().map { $0.split(separator: ",")[0] }, ["0", "1", "1", "0"], "xor learned")
        _ = try run(["predict", out.path, "--input", input.path, "--output", out.path + "/y.npy"])
        let bytes = try Data(contentsOf: out.appendingPathComponent("y.npy"))
        XCTAssertEqual(bytes.prefix(6), Data([0x93] + Array("NUMPY".utf8)))
        XCTAssertEqual(bytes.count, 128 + 4 * 4, "float32 [4, 1] after a 128-byte header")
    }

    func testBadInputsSayWhichFileAndWhatShape() throws {
        let out = try temporaryDirectory()
        _ = try run(["run", "specs/iris-softmax.yaml", "--out", out.path, "--quiet"])
        let wide = out.appendingPathComponent("wide.csv")
        try "1,2,3,4,5\n".write(to: wide, atomically: true, encoding: .utf8)
        var r = try run(["predict", out.path, "--input", wide.path], status: 3)
        XCTAssertTrue(r.stderr.contains(wide.path) && r.stderr.contains("[1, 5]") && r.stderr.contains("[N, 4]"), r.stderr)
        let nan = out.appendingPathComponent("nan.csv")
        try "1,2,nan,4\n".write(to: nan, atomically: true, encoding: .utf8)
        r = try run(["predict", out.path, "--input", nan.path], status: 3)
        XCTAssertTrue(r.stderr.contains(nan.path) && r.stderr.contains("[N, 4]"), r.stderr)
        let text = out.appendingPathComponent("x.txt")
        try "1,2,3,4\n".write(to: text, atomically: true, encoding: .utf8)
        r = try run(["predict", out.path, "--input", text.path], status: 2)
        XCTAssertTrue(r.stderr.contains("not a .npy or .csv") && r.stderr.contains("[N, 4]"), r.stderr)
        r = try run(["predict", out.path, "--input", out.path + "/missing.npy"], status: 2)
        XCTAssertTrue(r.stderr.contains("missing.npy"), r.stderr)
        r = try run(["predict", out.path + "/metrics.json", "--input", wide.path], status: 2)
        XCTAssertTrue(r.stderr.contains("metrics.json"), r.stderr)
    }

    /// --init starts from a model file's weights: --epochs 0 evaluates them unchanged; wrong shapes are located.
    func testInitWeightsAndEpochsZero() throws {
        let out = try temporaryDirectory()
        let trained = try run(["run", "specs/digits-mlp.yaml", "--epochs", "2", "--out", out.path + "/a", "--format", "json", "--quiet"]).stdout
        let again = try run(["run", "specs/digits-mlp.yaml", "--epochs", "0", "--init", out.path + "/a", "--format", "json", "--quiet"]).stdout
        XCTAssertEqual(again, trained)
        let r = try run(["run", "specs/digits-mlp.yaml", "--epochs", "0", "--set", "model.layers.0.dense.units=16",
                         "--init", out.path + "/a/model.safetensors"], status: 1)
        XCTAssertTrue(r.stderr.contains("specs/digits-mlp.yaml:11:7: error[E0802]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("'dense1.weight' has shape [32, 64] in the model file, the spec gives [16, 64]"), r.stderr)
        let other = try run(["run", "specs/digits-cnn.yaml", "--epochs", "0", "--init", out.path + "/a"], status: 1)
        XCTAssertTrue(other.stderr.contains("error[E0801]"), other.stderr)
    }

    /// --code writes an autoencoder's code layer; a classifier has none.
    func testCodeLayer() throws {
        let out = try temporaryDirectory()
        _ = try run(["run", "specs/autoencoder-undercomplete.yaml", "--epochs", "1", "--out", out.path + "/ae", "--quiet"])
        _ = try run(["data", "specs/autoencoder-undercomplete.yaml", "--output", out.path + "/data"])
        let codes = try run(["predict", out.path + "/ae", "--input", out.path + "/data/test_inputs.npy", "--code"]).stdout
        let header = try XCTUnwrap(codes.split(separator: "\n").first)
        XCTAssertTrue(header.hasPrefix("code0,code1"), String(header))
        let full = try run(["predict", out.path + "/ae", "--input", out.path + "/data/test_inputs.npy"]).stdout
        XCTAssertEqual(full.split(separator: "\n").first?.split(separator: ",").count, 64, "the reconstruction")
        XCTAssertLessThan(header.split(separator: ",").count, 64)
        _ = try run(["run", "specs/xor-mlp.yaml", "--out", out.path + "/xor", "--quiet"])
        let x = out.appendingPathComponent("x.csv")
        try "0,1\n".write(to: x, atomically: true, encoding: .utf8)
        let r = try run(["predict", out.path + "/xor", "--input", x.path, "--code"], status: 3)
        XCTAssertTrue(r.stderr.contains("no code layer"), r.stderr)
    }

    func testExportRefusesOtherRulesByName() throws {
        let out = try temporaryDirectory()
        _ = try run(["run", "specs/perceptron-iris.yaml", "--epochs", "1", "--out", out.path, "--quiet"])
        let r = try run(["export", out.path, "--to", "pytorch", "--output", out.path + "/m.py"], status: 2)
        XCTAssertTrue(r.stderr.contains("rule 'perceptron'"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path + "/m.py"))
    }

    /// Model files with broken metadata or tensors are refused with the reason, never a crash.
    func testHostileModelFiles() throws {
        let out = try temporaryDirectory()
        _ = try run(["run", "specs/iris-softmax.yaml", "--out", out.path, "--quiet"])
        let bytes = [UInt8](try Data(contentsOf: out.appendingPathComponent("model.safetensors")))
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let input = out.appendingPathComponent("x.csv")
        try "5.1,3.5,1.4,0.2\n".write(to: input, atomically: true, encoding: .utf8)
        func variant(_ name: String, metadata change: (inout [String: String]) -> Void, dropTensors: Bool = false) throws -> String {
            var h = header
            var m = try XCTUnwrap(h["__metadata__"] as? [String: String])
            change(&m)
            h["__metadata__"] = m
            var data = Array(bytes[(8 + length)...])
            if dropTensors {
                h = ["__metadata__": m]
                data = []
            }
            var json = [UInt8](try JSONSerialization.data(withJSONObject: h))
            json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
            let file = out.appendingPathComponent(name)
            try Data((0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json + data).write(to: file)
            return file.path
        }
        var r = try run(["predict", try variant("a.safetensors") { $0["spec_yaml"] = nil }, "--input", input.path], status: 2)
        XCTAssertTrue(r.stderr.contains("not a self-describing nnc model"), r.stderr)
        r = try run(["predict", try variant("b.safetensors") { $0["spec_yaml"] = "model: [[[" }, "--input", input.path], status: 2)
        XCTAssertTrue(r.stderr.contains("does not check clean"), r.stderr)
        r = try run(["predict", try variant("c.safetensors") { $0["normalization"] = #"{"method":"standardize","input_shape":[4],"offsets":[1],"factors":[1]}"# },
                     "--input", input.path], status: 2)
        XCTAssertTrue(r.stderr.contains("'normalization'"), r.stderr)
        r = try run(["predict", try variant("d.safetensors") { $0["input_shape"] = "[-1]" }, "--input", input.path], status: 2)
        XCTAssertTrue(r.stderr.contains("'input_shape'"), r.stderr)
        r = try run(["predict", try variant("e.safetensors", metadata: { _ in }, dropTensors: true), "--input", input.path], status: 3)
        XCTAssertTrue(r.stderr.contains("has no tensor 'dense1.weight'"), r.stderr)
        r = try run(["export", try variant("f.safetensors") { $0["output"] = "nonsense" }, "--to", "onnx", "--output", out.path + "/m.onnx"], status: 2)
        XCTAssertTrue(r.stderr.contains("'output'"), r.stderr)
    }

    func npyInt64(_ url: URL) throws -> [Int64] {
        let bytes = [UInt8](try Data(contentsOf: url))
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.contains("'<i8'"), header)
        let data = bytes[(10 + headerLength)...]
        return stride(from: data.startIndex, to: data.endIndex, by: 8).map { i in
            (0..<8).reduce(Int64(0)) { $0 | Int64(data[i + $1]) << (8 * Int64($1)) }
        }
    }
}
