import XCTest
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// The training targets on the shipped specs, and run-level guarantees.
final class BackpropTrainingTests: XCTestCase {
    func testXORMLPReachesSmallLoss() throws {
        let result = try RuntimeTest.run(spec: "xor-mlp")
        let loss = try XCTUnwrap(result.final["loss"]?.number)
        XCTAssertLessThan(loss, 0.01)
        XCTAssertEqual(result.final["accuracy"]?.number, 1)
    }

    func testDigitsMLPReaches95Percent() throws {
        let result = try RuntimeTest.run(spec: "digits-mlp")
        XCTAssertEqual(result.evaluatedOn, "test")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(result.final["accuracy"]?.number), 0.95)
        guard case .matrix(let confusion)? = result.final["confusion"] else { return XCTFail("no confusion matrix") }
        XCTAssertEqual(confusion.flatMap { $0 }.reduce(0, +), result.data.test?.count)
    }

    func testDigitsCNNReaches96Percent() throws {
        let result = try RuntimeTest.run(spec: "digits-cnn")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(result.final["accuracy"]?.number), 0.96)
    }

    func testIrisSoftmaxClassifies() throws {
        let result = try RuntimeTest.run(spec: "iris-softmax")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(result.final["accuracy"]?.number), 0.9)
    }

    /// The same seed and thread count give the same bits; another seed gives other numbers.
    func testSameSeedSameBits() throws {
        for threads in [1, 2] {
            let a = try RuntimeTest.run(spec: "digits-cnn", overrides: ["train.epochs=2"], threads: threads)
            let b = try RuntimeTest.run(spec: "digits-cnn", overrides: ["train.epochs=2"], threads: threads)
            XCTAssertEqual(a.parameters.map(\.values), b.parameters.map(\.values), "threads \(threads)")
            XCTAssertEqual(a.final, b.final)
        }
        let c = try RuntimeTest.run(spec: "digits-cnn", overrides: ["train.epochs=2", "seed=2"])
        let d = try RuntimeTest.run(spec: "digits-cnn", overrides: ["train.epochs=2"])
        XCTAssertNotEqual(c.parameters.map(\.values), d.parameters.map(\.values))
    }

    /// An interrupted run, saved to a checkpoint file and resumed, ends with exactly
    /// the parameters of an uninterrupted run.
    func testResumeContinuesExactly() throws {
        let overrides = ["train.epochs=3", "train.optimizer={adam: {lr: 0.01}}", "model.layers.0.dense.units=16"]
        let checked = try RuntimeTest.check(spec: "digits-mlp", overrides: overrides)
        let whole = try Runner.run(checked, options: RunOptions(threads: 1))

        var batches = 0
        var saved: TrainingCheckpoint?
        do {
            _ = try Runner.run(checked, options: RunOptions(threads: 1), interrupted: {
                batches += 1
                return batches == 60   // mid-way through the second epoch (45 batches per epoch)
            })
            XCTFail("the run was not interrupted")
        } catch let stop as RunInterrupted {
            saved = stop.checkpoint
        }
        let checkpoint = try XCTUnwrap(saved)
        XCTAssertEqual(checkpoint.state.epoch, 1)
        XCTAssertEqual(checkpoint.state.batchInEpoch, 15)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-resume-\(getpid()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try CheckpointFile.write(checkpoint, to: path)
        let restored = try CheckpointFile.read(path: path)
        let resumed = try Runner.run(checked, options: RunOptions(threads: 1, resume: restored))
        XCTAssertEqual(resumed.parameters.map(\.values), whole.parameters.map(\.values))
        XCTAssertEqual(resumed.final, whole.final)
        XCTAssertEqual(resumed.history.count, 3)
        XCTAssertEqual(resumed.history.map { $0.metrics[metric: "loss"] }, whole.history.map { $0.metrics[metric: "loss"] })
    }

    func testDivergenceIsReportedWithEpochStepAndLayer() throws {
        let text = """
            nnc: 1
            seed: 1
            data: {source: blobs, classes: 2, dims: 2, count: 64, spread: 5}
            model:
              input: [2]
              layers:
                - dense: {units: 8, activation: relu}
                - dense: {units: 1}
            train: {loss: mse, optimizer: {sgd: {lr: 1.0e+8}}, epochs: 20, batch: 8}
            """
        XCTAssertThrowsError(try RuntimeTest.run(text: text)) { error in
            guard case RunError.diverged(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("training diverged at epoch "), message)
            XCTAssertTrue(message.contains(", step "), message)
            XCTAssertTrue(message.contains("'dense"), message)
        }
    }

    /// A model that passes the checker's limit but not this machine's memory is refused before allocating.
    func testTooLargeForThisMachineIsRefused() throws {
        let text = """
            nnc: 1
            data: {source: random, count: 4, classes: 10}
            model:
              input: [100000]
              layers:
                - dense: {units: 100000}
                - dense: {units: 10}
            train: {epochs: 1, batch: 4}
            """
        XCTAssertThrowsError(try RuntimeTest.run(text: text)) { error in
            guard case RunError.data(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("GiB of memory"), message)
        }
    }

    /// A file's classes are known only when it is read: more classes than output units is a data error, not a trap.
    func testFileClassesBeyondTheOutputAreAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-classes-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = (0..<14).map { i in "0.\(i),1.\(i),\(i % 7)" }.joined(separator: "\n")
        try rows.write(to: dir.appendingPathComponent("seven.csv"), atomically: true, encoding: .utf8)
        let spec = """
            nnc: 1
            data: {csv: {path: seven.csv}}
            model:
              input: [2]
              layers:
                - dense: {units: 3}
                - softmax
            train: {epochs: 1}
            """
        let checked = Compiler.check(SourceFile(path: dir.appendingPathComponent("spec.yaml").path, text: spec))
        XCTAssertFalse(checked.hasErrors)
        XCTAssertThrowsError(try Runner.run(checked, options: RunOptions())) { error in
            XCTAssertEqual("\(error)", dir.appendingPathComponent("seven.csv").path + ": the data has 7 classes but the model's output has 3 units")
            XCTAssertEqual((error as? LocatedDataError)?.error.code, DataErrorCode.targetMismatch)
            XCTAssertEqual((error as? LocatedDataError)?.specSpan.start.line, 2)
        }
    }

    func testBadDataFileIsAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-bad-data-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "1,2,0\n3,4,1\n5,6\n".write(to: dir.appendingPathComponent("ragged.csv"), atomically: true, encoding: .utf8)
        let spec = """
            nnc: 1
            data: {csv: {path: ragged.csv, classes: 2}}
            model:
              input: [2]
              layers:
                - dense: {units: 2}
                - softmax
            train: {epochs: 1}
            """
        let checked = Compiler.check(SourceFile(path: dir.appendingPathComponent("spec.yaml").path, text: spec))
        XCTAssertFalse(checked.hasErrors)
        XCTAssertThrowsError(try Runner.run(checked, options: RunOptions())) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("ragged.csv"), message)
            XCTAssertTrue(message.contains("ragged.csv:3:1:"), message)
            let located = error as? LocatedDataError
            XCTAssertEqual(located?.error.code, DataErrorCode.raggedRow)
            XCTAssertEqual(located?.specSpan.start.line, 2)
            XCTAssertEqual(located?.diagnostic(anchor: .dataFile).span?.start.line, 3)
        }
    }
}
