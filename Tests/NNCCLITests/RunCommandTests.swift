import Foundation
import XCTest

final class RunCommandTests: XCTestCase {
    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-cli-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    func testRunWritesEveryOutputAndPrintsJSON() throws {
        let out = try temporaryDirectory()
        let r = try NNCProcess.run(["run", "specs/xor-mlp.yaml", "--out", out.path, "--format", "json", "--quiet"],
                                   in: NNCProcess.repositoryRoot)
        XCTAssertEqual(r.status, 0, r.stderr)
        let final = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(final["accuracy"] as? Double, 1)
        for file in ["model.safetensors", "metrics.json", "spec.resolved.yaml", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), file)
        }
        let metrics = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("metrics.json"))) as? [String: Any])
        XCTAssertEqual((metrics["final"] as? [String: Any])?["accuracy"] as? Double, 1)
        XCTAssertFalse((metrics["epochs"] as? [Any] ?? []).isEmpty)
    }

    /// spec.resolved.yaml, with every default written out, runs to the same numbers.
    func testResolvedSpecRunsTheSame() throws {
        let out = try temporaryDirectory()
        let first = try NNCProcess.run(["run", "specs/iris-softmax.yaml", "--out", out.path, "--format", "json", "--quiet"],
                                       in: NNCProcess.repositoryRoot)
        XCTAssertEqual(first.status, 0, first.stderr)
        let again = try NNCProcess.run(["run", out.appendingPathComponent("spec.resolved.yaml").path, "--format", "json", "--quiet",
                                        "--no-out"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stdout, first.stdout)
    }

    func testExitCodesOfRun() throws {
        let dir = try NNCProcess.fixtures
        XCTAssertEqual(try NNCProcess.run(["run", "mistakes.yaml"], in: dir).status, 1, "spec errors")
        XCTAssertEqual(try NNCProcess.run(["run", "no-such.yaml"], in: dir).status, 2, "unreadable spec")
        let diverged = try NNCProcess.run(["run", "diverges.yaml", "--quiet", "--no-out", "--set", "train.optimizer={sgd: {lr: 1.0e+8}}"],
                                          in: dir)
        XCTAssertEqual(diverged.status, 3, "divergence")
        XCTAssertTrue(diverged.stderr.contains("training diverged at epoch 1"), diverged.stderr)
        let badSet = try NNCProcess.run(["run", "specs/xor-mlp.yaml", "--set", "train.epochz=3", "--no-out"],
                                        in: NNCProcess.repositoryRoot)
        XCTAssertEqual(badSet.status, 1, "an override is checked like the spec")
        XCTAssertTrue(badSet.stderr.contains("E0101"), badSet.stderr)
    }

    /// Ctrl-C writes a checkpoint and exits 3; --resume picks it up.
    func testInterruptWritesACheckpointThatResumes() throws {
        let out = try temporaryDirectory()
        let process = Process()
        process.executableURL = try NNCProcess.executable
        process.arguments = ["run", "specs/digits-cnn.yaml", "--epochs", "400", "--out", out.path, "--quiet", "--threads", "1"]
        process.currentDirectoryURL = NNCProcess.repositoryRoot
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        Thread.sleep(forTimeInterval: 2.0)
        XCTAssertTrue(process.isRunning, "the run ended before it could be interrupted")
        process.interrupt()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 3, message)
        let checkpoint = out.appendingPathComponent("digits-cnn.checkpoint.safetensors")
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path), message)
        XCTAssertTrue(message.contains("--resume"), message)
        // No temporary files are left behind by the atomic write.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains(".tmp") }
        XCTAssertEqual(leftovers, [])
        let resumed = try NNCProcess.run(["run", "specs/digits-cnn.yaml", "--epochs", "1", "--resume", checkpoint.path,
                                          "--quiet", "--format", "json", "--no-out"], in: NNCProcess.repositoryRoot)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(resumed.stdout.utf8)) as? [String: Any])
        let garbage = out.appendingPathComponent("garbage.safetensors")
        try Data("not a checkpoint".utf8).write(to: garbage)
        let bad = try NNCProcess.run(["run", "specs/digits-cnn.yaml", "--resume", garbage.path, "--no-out"],
                                     in: NNCProcess.repositoryRoot)
        XCTAssertEqual(bad.status, 2, "a checkpoint that cannot be read is a file that cannot be read")
        XCTAssertTrue(bad.stderr.contains("cannot resume"), bad.stderr)
    }
}
