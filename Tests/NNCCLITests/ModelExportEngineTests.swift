import Foundation
import NNCIR
import NNCSpec
import XCTest

/// nnc's models checked by the real engines: onnx + onnxruntime, torch (and
/// torchrun). For every spec in specs/: nnc run (1 epoch), nnc data, nnc
/// predict, nnc export --to onnx; for the backprop ones also --to pytorch, a
/// strict load, and one full-batch SGD step against nnc's. One Python process
/// (Fixtures/engines/check_engines.py) checks everything and prints numbers
/// that the assertions read. Python: $NNC_PYTHON, else .venv-ci/bin/python,
/// else python3 (the test skips, with one line, only when there is none).
final class ModelExportEngineTests: XCTestCase {
    static let tolerance = 1e-5

    static func python() throws -> String {
        let env = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let p = env["NNC_PYTHON"], !p.isEmpty { candidates.append(p) }
        candidates.append(NNCProcess.repositoryRoot.appendingPathComponent(".venv-ci/bin/python").path)
        for dir in (env["PATH"] ?? "").split(separator: ":") { candidates.append("\(dir)/python3") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("Python not found (set NNC_PYTHON): the engine checks of the exports are skipped")
        }
        return found
    }

    func nnc(_ args: [String]) throws -> NNCProcess.Output {
        let out = try NNCProcess.run(args)
        XCTAssertEqual(out.status, 0, "nnc \(args.joined(separator: " ")): \(out.stderr)")
        return out
    }

    /// Smaller data for the specs whose full size would make the test slow (the checks do not depend on it).
    static let sizes: [String: [String]] = [
        "lstm-benchmark": ["data.count=96"], "lstm-adding": ["data.count=200"], "lstm-reber": ["data.train.count=200", "data.test.count=50"],
        "rnn-leaky": ["data.count=200"], "rnn-skip": ["data.count=200"], "rnn-sequence-to-one": ["data.count=200"],
        "rnn-elman-sine": ["data.count=100"], "rnn-output-feedback": ["data.count=100"],
    ]

    func testExportsAgreeWithOnnxRuntimeAndPyTorch() throws {
        let python = try Self.python()
        // The engines themselves are required (only a missing Python skips): say plainly how to get them.
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: python)
        probe.arguments = ["-c", "import torch, onnx, onnxruntime, safetensors, numpy"]
        probe.standardError = FileHandle.nullDevice
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else {
            return XCTFail("\(python) lacks torch, onnx, onnxruntime, safetensors or numpy: run .ci/run (it creates .venv-ci), "
                           + "or python3 -m venv .venv-ci && .venv-ci/bin/pip install 'torch==2.13.0+cpu' onnx onnxruntime safetensors numpy")
        }
        let root = NNCProcess.repositoryRoot
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-engines-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.removeItem(at: work)
        defer { try? FileManager.default.removeItem(at: work) }
        let specs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("specs").path)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        var manifest: [String: Any] = [:]
        var backprop: Set<String> = []
        var finals: [String: [String: Double]] = [:]
        for file in specs {
            let name = String(file.dropLast(5))
            let spec = root.appendingPathComponent("specs/\(file)").path
            let dir = work.appendingPathComponent(name).path
            let size = (Self.sizes[name] ?? []).flatMap { ["--set", $0] }
            let checked = Compiler.check(try SourceFile.load(path: spec), overrides: (Self.sizes[name] ?? []).compactMap(Override.init))
            let train = checked.spec?.train
            _ = try nnc(["run", spec, "--epochs", "1", "--threads", "1", "--quiet", "--out", dir + "/run"] + size)
            _ = try nnc(["data", spec, "--output", dir + "/data"] + size)
            let hasTest = FileManager.default.fileExists(atPath: dir + "/data/test_inputs.npy")
            let onTest = checked.spec?.evaluate?.onTest ?? hasTest
            let part = onTest && hasTest ? "test" : "train"
            let inputs = dir + "/data/\(part)_inputs.npy"
            _ = try nnc(["predict", dir + "/run", "--input", inputs, "--output", dir + "/predicted.npy"])
            if checked.graph?.layers.contains(where: { if case .layer(.hopfield) = $0.op { return true }; return false }) == true {
                let refused = try NNCProcess.run(["export", dir + "/run", "--to", "onnx", "--output", dir + "/model.onnx"])
                XCTAssertEqual(refused.status, 2, name)
                XCTAssertTrue(refused.stderr.contains("Hopfield"), refused.stderr)
                continue
            }
            _ = try nnc(["export", dir + "/run", "--to", "onnx", "--output", dir + "/model.onnx"])
            var c: [String: Any] = ["onnx": ["model": dir + "/model.onnx", "inputs": inputs, "expected": dir + "/predicted.npy"]]
            let targets = dir + "/data/\(part)_targets.npy"
            let padded = FileManager.default.fileExists(atPath: dir + "/data/\(part)_mask.npy")
            if checked.spec?.evaluate?.corrupt == nil, !padded, FileManager.default.fileExists(atPath: targets),
               let final = try metrics(dir + "/run/metrics.json") {
                finals[name] = final
                let threshold: Double = [.sigmoid, .step, .softmax].contains(checked.graph?.finalActivation) ? 0.5 : 0
                c["metrics"] = ["predicted": dir + "/predicted.npy", "targets": targets, "model": dir + "/run/model.safetensors",
                                "names": Array(final.keys), "threshold": threshold, "target_is_input": train?.targetIsInput ?? false]
            }
            if train?.rule == .backprop {
                backprop.insert(name)
                _ = try nnc(["export", dir + "/run", "--to", "pytorch", "--output", dir + "/model.py"])
                c["forward"] = ["py": dir + "/model.py", "weights": dir + "/run/model.safetensors", "inputs": inputs,
                                "expected": dir + "/predicted.npy"]
                // One full-batch step, in order, from the same start (noise off: its random numbers differ by design).
                var set = ["--set", "train.batch=100000", "--set", "train.shuffle=false"] + size
                if name == "autoencoder-denoising" { set += ["--set", "model.layers.0.noise.mask=0"] }
                _ = try nnc(["run", spec, "--epochs", "0", "--quiet", "--out", dir + "/start"] + set)
                _ = try nnc(["run", spec, "--epochs", "1", "--threads", "1", "--quiet", "--init", dir + "/start",
                             "--out", dir + "/step"] + set)
                _ = try nnc(["export", dir + "/start", "--to", "pytorch", "--output", dir + "/step.py"])
                var step: [String: Any] = ["py": dir + "/step.py", "start": dir + "/start/model.safetensors",
                                           "inputs": dir + "/data/train_inputs.npy", "expected": dir + "/step/model.safetensors"]
                if train?.targetIsInput != true { step["targets"] = dir + "/data/train_targets.npy" }
                for extra in ["lengths", "mask"] where FileManager.default.fileExists(atPath: dir + "/data/train_\(extra).npy") {
                    step[extra] = dir + "/data/train_\(extra).npy"
                }
                c["one_step"] = step
            }
            if name == "digits-cnn" {
                c["ddp"] = ["py": dir + "/model.py", "weights": dir + "/run/model.safetensors", "inputs": dir + "/data/train_inputs.npy",
                            "targets": dir + "/data/train_targets.npy", "one": dir + "/one.safetensors", "two": dir + "/two.safetensors"]
            }
            manifest[name] = c
        }
        let manifestPath = work.appendingPathComponent("manifest.json").path
        try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys]).write(to: URL(fileURLWithPath: manifestPath))
        let script = try NNCProcess.fixtures.appendingPathComponent("engines/check_engines.py").path
        let results = try runPython(python, [script, manifestPath])

        XCTAssertGreaterThanOrEqual(manifest.count, 30)
        XCTAssertGreaterThanOrEqual(backprop.count, 18)
        for (name, case_) in manifest {
            let r = try XCTUnwrap(results[name] as? [String: Any], name)
            for (key, value) in r where key.hasSuffix("_error") { XCTFail("\(name): \(key): \(value)") }
            XCTAssertLessThanOrEqual(r["onnx_vs_predict"] as? Double ?? .infinity, Self.tolerance, "\(name): onnxruntime vs nnc predict")
            XCTAssertGreaterThanOrEqual(r["opset"] as? Int ?? 0, 17, name)
            guard let c = case_ as? [String: Any] else { continue }
            if c["forward"] != nil {
                XCTAssertLessThanOrEqual(r["pytorch_vs_predict"] as? Double ?? .infinity, Self.tolerance, "\(name): PyTorch vs nnc predict")
                XCTAssertEqual(r["state_dict_keys_equal"] as? Int, 1, name)
                XCTAssertLessThanOrEqual(r["one_step_vs_nnc"] as? Double ?? .infinity, Self.tolerance, "\(name): one SGD step")
                XCTAssertGreaterThan(r["moved"] as? Double ?? 0, 10 * Self.tolerance, "\(name): the step must change the weights")
            }
            if let final = finals[name] {
                for metric in ["accuracy", "mse"] {
                    guard let expected = final[metric], let got = r[metric] as? Double else { continue }
                    XCTAssertEqual(got, expected, accuracy: 1e-4, "\(name): nnc predict's \(metric) vs nnc run's")
                }
            }
        }
        // Data-parallel: 2 processes equal 1 over the same global batches, and nnc predict takes the result.
        let ddp = try XCTUnwrap(results["digits-cnn"] as? [String: Any])
        XCTAssertLessThanOrEqual(ddp["two_vs_one_process"] as? Double ?? .infinity, Self.tolerance)
        let dir = work.appendingPathComponent("digits-cnn").path
        let predicted = try nnc(["predict", dir + "/two.safetensors", "--input", dir + "/data/test_inputs.npy"])
        let rows = predicted.stdout.split(separator: "\n")
        XCTAssertEqual(rows.first, "class,0,1,2,3,4,5,6,7,8,9")
        XCTAssertEqual(rows.count, 1 + 359)
    }

    /// The scalar entries of metrics.json's `final`.
    func metrics(_ path: String) throws -> [String: Double]? {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        guard let final = (json as? [String: Any])?["final"] as? [String: Any] else { return nil }
        return final.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }

    func runPython(_ python: String, _ args: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = args
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if ProcessInfo.processInfo.environment["NNC_ENGINE_TIMES"] == "1" { print(String(decoding: stderr, as: UTF8.self)) }
        guard process.terminationStatus == 0 else {
            XCTFail("python failed: \(String(decoding: stderr, as: UTF8.self).suffix(3000))")
            return [:]
        }
        // The last line is the JSON (model.py train prints progress before it).
        let lines = String(decoding: stdout, as: UTF8.self).split(separator: "\n")
        let last = try XCTUnwrap(lines.last)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }
}
