import Foundation
import XCTest

/// `nnc run` under faults and hostile input, through the real binary:
/// signals, checkpoints of other specs, output folders that cannot be
/// written, names that would leave the folder, and resolved specs that must
/// run the same.
final class RunFaultCLITests: XCTestCase {
    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-fault-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Starts `nnc ARGS`, sends `signal` after `delay` seconds; returns the exit status and stderr.
    func interrupt(_ arguments: [String], after delay: Double, signal: Int32 = SIGINT,
                   in directory: URL = NNCProcess.repositoryRoot) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = try NNCProcess.executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        Thread.sleep(forTimeInterval: delay)
        XCTAssertTrue(process.isRunning, "the run ended before the signal: \(arguments)")
        kill(process.processIdentifier, signal)
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, message)
    }

    /// Issue 12 item 3: a perceptron with 10^7 epochs stops on SIGINT and
    /// SIGTERM with a checkpoint; the checkpoint of another spec is refused
    /// (exit 2); the right spec resumes, and the checkpoint is removed after
    /// the resumed run completes (item 8).
    func testPerceptronStopsOnSignalsAndResumes() throws {
        let out = try temporaryDirectory()
        let args = ["run", "specs/perceptron-xor.yaml", "--epochs", "10000000", "--quiet", "--out", out.path]
        let checkpoint = out.appendingPathComponent("perceptron-xor.checkpoint.safetensors").path
        for signal in [SIGINT, SIGTERM] {
            let stopped = try interrupt(args, after: 0.2, signal: signal)
            XCTAssertEqual(stopped.status, 3, stopped.stderr)
            XCTAssertTrue(stopped.stderr.contains("checkpoint written to \(checkpoint)"), stopped.stderr)
        }
        let other = try NNCProcess.run(args + ["--resume", checkpoint, "--set", "train.rate=0.5"], in: NNCProcess.repositoryRoot)
        XCTAssertEqual(other.status, 2, other.stderr)
        XCTAssertTrue(other.stderr.contains("belongs to another spec"), other.stderr)
        let resumed = try NNCProcess.run(["run", "specs/perceptron-xor.yaml", "--epochs", "5", "--quiet", "--out", out.path,
                                          "--resume", checkpoint], in: NNCProcess.repositoryRoot)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("did not converge"), resumed.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint), "a completed resume removes its checkpoint")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("model.safetensors").path))
    }

    /// A synchronous Hopfield recall cycling for 10^6 sweeps stops on SIGTERM.
    func testHopfieldRecallStopsOnASignal() throws {
        let dir = try temporaryDirectory()
        let rows = Array(repeating: "[1, 1]", count: 40).joined(separator: ", ")
        try """
            nnc: 1
            name: cycle
            data:
              train: {inline: {inputs: [[1, -1]]}}
              test: {inline: {inputs: [\(rows)]}}
            model:
              input: [2]
              layers:
                - hopfield: {update: sync, max_sweeps: 1000000}
            train: {rule: hebbian}
            evaluate: {on: test, metrics: [sweeps]}
            """.write(to: dir.appendingPathComponent("cycle.yaml"), atomically: true, encoding: .utf8)
        let stopped = try interrupt(["run", "cycle.yaml", "--quiet"], after: 0.5, signal: SIGTERM, in: dir)
        XCTAssertEqual(stopped.status, 3, stopped.stderr)
        XCTAssertTrue(stopped.stderr.contains("interrupted"), stopped.stderr)
    }

    /// Issue 12 item 5: an output folder that cannot be created fails before
    /// the first epoch, exit 2 (a file that cannot be written, like one that
    /// cannot be read); so does a file in the folder's place.
    func testUnwritableOutputFolderFailsBeforeTraining() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("a-file")
        try Data("x".utf8).write(to: file)
        for out in ["/proc/nope", file.path, file.path + "/below"] {
            let r = try NNCProcess.run(["run", "specs/xor-mlp.yaml", "--out", out], in: NNCProcess.repositoryRoot)
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertTrue(r.stderr.contains("cannot write the outputs to \(out)"), r.stderr)
            XCTAssertFalse(r.stderr.contains("epoch 1/"), "no training step ran: \(r.stderr)")
        }
    }

    /// Issue 12 item 5: when writing fails at the end anyway (the folder's
    /// parent was replaced by a file during training), the results are still
    /// printed, and the exit is 3.
    func testResultsArePrintedWhenWritingFailsAtTheEnd() throws {
        let dir = try temporaryDirectory()
        let parent = dir.appendingPathComponent("parent")
        let out = parent.appendingPathComponent("out")
        let process = Process()
        process.executableURL = try NNCProcess.executable
        process.arguments = ["run", "specs/digits-cnn.yaml", "--epochs", "12", "--threads", "1", "--out", out.path]
        process.currentDirectoryURL = NNCProcess.repositoryRoot
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // After the first epoch (the probe has passed), put a file where the folder's parent was.
        var early = Data()
        while !String(decoding: early, as: UTF8.self).contains(" 1/12 ") {   // the first epoch's row
            let chunk = stderr.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            early += chunk
        }
        XCTAssertTrue(process.isRunning, "the run ended before the fault")
        try FileManager.default.moveItem(at: parent, to: dir.appendingPathComponent("moved"))
        try Data("in the way".utf8).write(to: parent)
        let printed = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let message = String(decoding: early + stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 3, message)
        XCTAssertTrue(message.contains("cannot write the outputs"), message)
        XCTAssertTrue(printed.contains("digits-cnn: evaluated on test"), printed)
        XCTAssertTrue(printed.contains("accuracy"), printed)
    }

    /// Issue 12 item 2: a name that would leave the output folder is an error in check and run.
    func testNameThatIsAPathIsRefused() throws {
        let dir = try temporaryDirectory()
        try "nnc: 1\nname: ../escaped\ndata: {source: xor}\nmodel: {input: [2], layers: [{dense: {units: 2, activation: softmax}}]}\n"
            .write(to: dir.appendingPathComponent("trav.yaml"), atomically: true, encoding: .utf8)
        let run = try NNCProcess.run(["run", "trav.yaml", "--out", "trav/out"], in: dir)
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("trav.yaml:2:7: error[E0112]"), run.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["trav.yaml"], "nothing was written")
    }

    /// Issue 12 item 7: for every flag that changes the result, running the
    /// written spec.resolved.yaml gives the same model.safetensors, byte for
    /// byte. `--threads` changes no bit (GEMM sums in a fixed order whatever
    /// the thread count), so it is not recorded: the resolved spec of a
    /// 2-thread run, run on 1 thread, gives the same bytes.
    func testResolvedSpecOfEveryFlagRunsTheSame() throws {
        let dir = try temporaryDirectory()
        let flags: [[String]] = [["--seed", "2"], ["--epochs", "3"], ["--set", "train.optimizer={sgd: {lr: 0.05}}"],
                                 ["--seed", "7", "--epochs", "2", "--threads", "2"]]
        let plain = try NNCProcess.run(["run", "specs/iris-softmax.yaml", "--quiet", "--out", dir.appendingPathComponent("plain").path],
                                       in: NNCProcess.repositoryRoot)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        let plainModel = try Data(contentsOf: dir.appendingPathComponent("plain/model.safetensors"))
        for (k, flag) in flags.enumerated() {
            let first = dir.appendingPathComponent("first\(k)"), again = dir.appendingPathComponent("again\(k)")
            let a = try NNCProcess.run(["run", "specs/iris-softmax.yaml", "--quiet", "--out", first.path] + flag,
                                       in: NNCProcess.repositoryRoot)
            XCTAssertEqual(a.status, 0, a.stderr)
            let b = try NNCProcess.run(["run", first.appendingPathComponent("spec.resolved.yaml").path, "--quiet",
                                        "--threads", "1", "--out", again.path])
            XCTAssertEqual(b.status, 0, b.stderr)
            let model = try Data(contentsOf: first.appendingPathComponent("model.safetensors"))
            XCTAssertEqual(model, try Data(contentsOf: again.appendingPathComponent("model.safetensors")), "\(flag)")
            XCTAssertNotEqual(model, plainModel, "\(flag) changes the result, so the test means something")
        }
    }
}
