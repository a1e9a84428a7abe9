import Foundation
import NNCSpec
import XCTest
@testable import NNCRuntime

/// How training ended, as `final`, metrics.json and the closing line report it
/// (early stopping with patience keeps the best epoch's weights).
final class TrainingOutcomeTests: XCTestCase {
    /// `stop: {patience: 3}` watches test_loss, stops 3 epochs after its best, and the outputs
    /// hold the best epoch's weights: the final test loss is that epoch's.
    func testPatienceStopsAndKeepsTheBestWeights() throws {
        let r = try ClassicRun.spec("iris-softmax", ["train.stop={patience: 3}"])
        let testLoss = r.history.map { $0.metrics[metric: "test_loss"]?.number ?? .nan }
        let best = try XCTUnwrap(testLoss.indices.min { testLoss[$0] < testLoss[$1] }) + 1
        let t = try XCTUnwrap(r.training)
        XCTAssertEqual(t.bestEpoch, best)
        XCTAssertEqual(t.epochsRun, best + 3, "stops after 3 epochs without a better test_loss")
        XCTAssertLessThan(t.epochsRun, 100)
        XCTAssertEqual(t.converged, true)
        XCTAssertEqual(try XCTUnwrap(r.final["loss"]?.number), testLoss[best - 1], accuracy: 1e-9)
        XCTAssertNotEqual(testLoss[best - 1], testLoss[t.epochsRun - 1], "the last epoch's weights would give another loss")
        let final = try jsonObject(MetricsFile.finalJSON(r.runHistory))
        XCTAssertEqual(final["best_epoch"] as? Int, best)
        XCTAssertEqual(final["epochs_run"] as? Int, best + 3)
        XCTAssertTrue(RunSummary.text(r).contains("the outputs hold the weights of epoch \(best)"), RunSummary.text(r))
    }

    /// A `stop:` target that ends training early: `converged` and `epochs_run` in `final`, the reason in the text.
    func testStopConditionIsReported() throws {
        let r = try ClassicRun.spec("xor-mlp")
        let final = try jsonObject(MetricsFile.finalJSON(r.runHistory))
        XCTAssertEqual(final["converged"] as? Bool, true)
        XCTAssertEqual(final["epochs_run"] as? Int, r.history.count)
        XCTAssertLessThan(r.history.count, 2000)
        XCTAssertEqual(final["accuracy"] as? Double, 1)
        XCTAssertTrue(RunSummary.text(r).hasPrefix("trained \(r.history.count) of 2000 epochs in "), RunSummary.text(r))
        XCTAssertTrue(RunSummary.text(r).contains("stopped early at epoch \(r.history.count) by `stop: {loss: 0.001}`"))
        // Without a stop condition backprop has no notion of convergence.
        let plain = try jsonObject(MetricsFile.finalJSON(try ClassicRun.spec("xor-mlp", ["train.epochs=3", "train.stop={accuracy: 1}"]).runHistory))
        XCTAssertEqual(plain["converged"] as? Bool, false)
        XCTAssertEqual(plain["epochs_run"] as? Int, 3)
    }

    /// A converging perceptron (one threshold unit, AND): the requested `errors` and `accuracy` are in
    /// `final` with the verdict; on XOR it says it did not converge.
    func testConvergingPerceptronReportsEveryRequestedMetric() throws {
        let spec = """
            nnc: 1
            data: {source: and}
            model:
              input: [2]
              layers:
                - threshold: {units: 1}
            train: {rule: perceptron, epochs: 20}
            evaluate: {on: train, metrics: [errors, accuracy]}
            """
        let r = try ClassicRun.yaml(spec)
        let final = try jsonObject(MetricsFile.finalJSON(r.runHistory))
        XCTAssertEqual(final["errors"] as? Int, 0)
        XCTAssertEqual(final["accuracy"] as? Double, 1)
        XCTAssertEqual(final["converged"] as? Bool, true)
        XCTAssertEqual(final["epochs_run"] as? Int, r.history.count)
        XCTAssertLessThan(r.history.count, 20)
        XCTAssertTrue(RunSummary.text(r).hasPrefix("trained \(r.history.count) of 20 epochs in "), RunSummary.text(r))
        XCTAssertTrue(RunSummary.text(r).contains("; converged"), RunSummary.text(r))
        let xor = try ClassicRun.yaml(spec.replacingOccurrences(of: "source: and", with: "source: xor"))
        let bad = try jsonObject(MetricsFile.finalJSON(xor.runHistory))
        XCTAssertEqual(bad["converged"] as? Bool, false)
        XCTAssertEqual(bad["epochs_run"] as? Int, 20)
        XCTAssertGreaterThan(try XCTUnwrap(bad["errors"] as? Int), 0)
        XCTAssertTrue(RunSummary.text(xor).contains("; did not converge"))
    }

    /// metrics.json: the run's facts, and Float-born values at their own precision (lr 0.1, not 0.10000000149).
    func testMetricsFileHasFactsAndShortFloats() throws {
        let r = try ClassicRun.spec("xor-mlp", ["train.epochs=2", "train.optimizer={sgd: {lr: 0.003}}"])
        let text = MetricsFile.json(r.runHistory)
        XCTAssertTrue(text.contains("\"lr\": 0.003,"), text)
        let file = try jsonObject(text)
        let run = try XCTUnwrap(file["run"] as? [String: Any])
        XCTAssertEqual(run["parameters"] as? Int, 9)
        XCTAssertEqual(run["train_examples"] as? Int, 4)
        XCTAssertEqual(run["seed"] as? Int, 1)
        XCTAssertEqual(run["rule"] as? String, "backprop")
        XCTAssertNotNil(run["date"] as? String)
        XCTAssertEqual(shortestDouble(Float(0.003)), 0.003)
    }

    func jsonObject(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}
