import NNCIR
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Sequence data for recurrent models: padding to a common T, sequences
/// from csv rows and npy arrays, and the Reber metrics.
final class RecurrentDataTests: XCTestCase {
    // MARK: padding

    func testPaddingAddsMaskedStepsAndKeepsTheRest() throws {
        // Two sequences of 3 steps × 2 features; the second is 2 steps long.
        let inputs: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 0]
        let targets: [Float] = [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0]
        let data = try Dataset(inputs: inputs, inputShape: [3, 2], targets: .vectors(targets, shape: [3, 2]),
                               lengths: [3, 2], targetMask: [1, 1, 1, 1, 1, 0], allowedTargets: targets,
                               longRangeSteps: [1, 0])
        let padded = try data.padded(toSteps: 5)
        XCTAssertEqual(padded.inputShape, [5, 2])
        XCTAssertEqual(padded.inputs, [1, 2, 3, 4, 5, 6, 0, 0, 0, 0, 7, 8, 9, 10, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(vectors(padded), [1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(padded.targetMask, [1, 1, 1, 0, 0, 1, 1, 0, 0, 0])
        XCTAssertEqual(padded.allowedTargets, vectors(padded))
        XCTAssertEqual(padded.lengths, [3, 2])
        XCTAssertEqual(padded.longRangeSteps, [1, 0])

        // Without lengths or a mask, every old step is valid and the new ones are not.
        let full = try Dataset(inputs: [1, 2, 3, 4], inputShape: [2, 1], targets: .vectors([5, 6, 7, 8], shape: [2, 1]))
        let longer = try full.padded(toSteps: 3)
        XCTAssertEqual(longer.lengths, [2, 2])
        XCTAssertEqual(longer.targetMask, [1, 1, 0, 1, 1, 0])
        // One target per sequence stays as it is.
        let toOne = try Dataset(inputs: [1, 2, 3, 4], inputShape: [2, 1], targets: .vectors([5, 6], shape: [1]))
        XCTAssertEqual(vectors(try toOne.padded(toSteps: 4)), [5, 6])
        XCTAssertNil(try toOne.padded(toSteps: 4).targetMask)

        assertDataError(.invalidOption, ["cannot pad", "3 steps to 2"]) { _ = try data.padded(toSteps: 2) }
        let flat = try Dataset(inputs: [1, 2], inputShape: [2])
        assertDataError(.invalidOption, ["sequences [T, F]"]) { _ = try flat.padded(toSteps: 3) }
    }

    /// Reber train and test parts are drawn separately, each padded to its own
    /// longest string; the pipeline pads both to the longer T, so one plan runs both.
    func testTrainAndTestPartsOfDifferentLengthsShareOneT() throws {
        let checked = try checkedSpec("""
        nnc: 1
        seed: 4
        data:
          train: {source: reber, count: 40}
          test: {source: reber, count: 300}
        model:
          input: [T, 7]
          layers:
            - lstm: {units: 4}
            - dense: {units: 7}
            - softmax
        """)
        guard let spec = checked.spec, let data = spec.data, let model = spec.model else { return XCTFail("spec") }
        var rng = SeededRandom(seed: 4)
        let prepared = try DataPipeline.prepare(data, modelInput: model.input, rng: &rng)
        guard let test = prepared.test, let trainLengths = prepared.train.lengths, let testLengths = test.lengths else {
            return XCTFail("reber parts with lengths")
        }
        let steps = prepared.train.inputShape[0]
        XCTAssertEqual(test.inputShape, prepared.train.inputShape)
        XCTAssertEqual(steps, max(trainLengths.max() ?? 0, testLengths.max() ?? 0))
        XCTAssertLessThan(trainLengths.max() ?? 0, steps, "the smaller part was padded")
        // Padding steps carry no target.
        for (i, length) in trainLengths.enumerated() {
            XCTAssertEqual(prepared.train.targetMask?[(i * steps)..<((i + 1) * steps)].reduce(0, +), Float(length))
        }
    }

    // MARK: sequences from files

    func testCSVRowsAreReadAsTheModelsSequenceShape() throws {
        let folder = try TemporaryFolder()
        // label, then step 0's two values, step 1's, step 2's.
        _ = try folder.write("seq.csv", text: "1, 0.1,0.2, 0.3,0.4, 0.5,0.6\n0, 1,2, 3,4, 5,6\n")
        let text = """
        nnc: 1
        data: {csv: {path: seq.csv, label: first}}
        model:
          input: [T, 2]
          layers:
            - rnn: {units: 3, return: last}
            - dense: {units: 2}
            - softmax
        """
        let checked = Compiler.check(SourceFile(path: folder.path("spec.yaml"), text: text))
        guard let spec = checked.spec, let data = spec.data, let model = spec.model, !checked.hasErrors else {
            return XCTFail("\(checked.diagnostics.map(\.message))")
        }
        var rng = SeededRandom(seed: 1)
        let prepared = try DataPipeline.prepare(data, modelInput: model.input, rng: &rng)
        XCTAssertEqual(prepared.train.inputShape, [3, 2])
        XCTAssertEqual(row(prepared.train, 0), [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        XCTAssertEqual(labels(prepared.train), [1, 0])

        // 6 values cannot be steps of 4 features: the rows stay flat and the run names both shapes.
        let mismatch = Compiler.check(SourceFile(path: folder.path("spec.yaml"),
                                                 text: text.replacingOccurrences(of: "[T, 2]", with: "[T, 4]")))
        XCTAssertThrowsError(try Runner.run(mismatch, options: RunOptions(threads: 1))) { error in
            XCTAssertTrue("\(error)".contains("[T, 4]") && "\(error)".contains("[6]"), "\(error)")
        }
    }

    /// npy arrays [N, T, F] train a sequence-to-one model (remember the first
    /// value across 8 steps) and a sequence-to-sequence one (per-step targets
    /// [N, T, 1]: the value one step back).
    func testNPYSequencesTrainRecurrentModels() throws {
        let folder = try TemporaryFolder()
        let count = 256, steps = 8
        let x = randomValues(count * steps, seed: 21)
        let first = (0..<count).map { x[$0 * steps] }
        let delayed = (0..<(count * steps)).map { $0 % steps == 0 ? 0 : x[$0 - 1] }
        _ = try folder.write("x.npy", npyFile(descr: "<f4", shape: [count, steps, 1], payload: littleEndianBytes(x)))
        _ = try folder.write("first.npy", npyFile(descr: "<f4", shape: [count, 1], payload: littleEndianBytes(first)))
        _ = try folder.write("delayed.npy", npyFile(descr: "<f4", shape: [count, steps, 1],
                                                    payload: littleEndianBytes(delayed)))
        func run(targets: String, layers: String) throws -> RunResult {
            let path = try folder.write("\(targets).yaml", text: """
            nnc: 1
            seed: 2
            data: {npy: {inputs: x.npy, targets: \(targets).npy}, split: {train: 0.75}}
            model:
              input: [T, 1]
              layers:
            \(layers)
            train: {loss: mse, optimizer: {adam: {lr: 0.01}}, epochs: 40, batch: 16}
            """)
            return try Runner.run(Compiler.check(try SourceFile.load(path: path)), options: RunOptions(threads: 1))
        }
        // Predicting the mean scores the variance of U(−1, 1): 1/3.
        let toOne = try run(targets: "first", layers: "    - rnn: {units: 16, return: last}\n    - dense: {units: 1}")
        XCTAssertEqual(toOne.data.train.inputShape, [steps, 1])
        XCTAssertLessThan(metric(toOne, "mse"), 0.2 / 3)
        let toSequence = try run(targets: "delayed",
                                 layers: "    - rnn: {units: 8, output: {units: 1, activation: linear}}")
        XCTAssertLessThan(metric(toSequence, "mse"), 0.2 / 3)
    }

    // MARK: reber metrics

    /// On Reber strings a prediction is right when the grammar allows it next;
    /// the long-range accuracy looks only at the penultimate symbol.
    func testReberAccuracyCountsAllowedSymbolsAndTheLongRangeStep() throws {
        // One embedded string, BTBTXSETE: 8 steps. The model is the data's own
        // next-symbol target shifted: an lstm cannot be set by hand, so drive
        // the evaluator with a plan whose output we overwrite.
        var rng = SeededRandom(seed: 5)
        let reber = try ReberSource(embedded: true, count: 1, maxLength: 9).generate(rng: &rng)
        let steps = reber.inputShape[0]
        let checked = try checkedSpec("""
        nnc: 1
        model:
          input: [T, 7]
          layers:
            - dense: {units: 7}
        """)
        let plan = try trainingPlan(checked, batch: 1, steps: steps, loss: .mse)
        let evaluator = Evaluator(plan: plan, targetIsInput: false, finalActivation: nil)
        guard let allowed = reber.allowedTargets, let longRange = reber.longRangeSteps?.first,
              case .vectors(let next, _) = reber.targets else { return XCTFail("reber metadata") }
        let output = plan.value(plan.output).pointer
        func score(_ fill: (Int) -> Int) -> Evaluator.Totals {
            output.update(repeating: 0, count: steps * 7)
            for t in 0..<steps { output[t * 7 + fill(t)] = 1 }
            var totals = Evaluator.Totals()
            evaluator.accumulate(&totals, reber, [0], 1, includeLoss: false)
            return totals
        }
        func hot(_ values: [Float], _ t: Int, skipping: Int? = nil) -> Int {
            (0..<7).first { values[t * 7 + $0] == 1 && $0 != skipping } ?? -1
        }
        // The targets themselves: all right.
        let perfect = score { hot(next, $0) }
        XCTAssertEqual(perfect.accuracy, 1)
        XCTAssertEqual(perfect.longRangeAccuracy, 1)
        XCTAssertEqual(perfect.counted, steps)
        // Another allowed symbol where the grammar branches: still right; the penultimate symbol has no alternative.
        let other = score { t in hot(allowed, t, skipping: hot(next, t)) == -1 ? hot(next, t) : hot(allowed, t, skipping: hot(next, t)) }
        XCTAssertEqual(other.accuracy, 1)
        // The wrong wrapper symbol at the long-range step only.
        let wrongWrapper = score { t in t == longRange ? (hot(next, t) == 1 ? 4 : 1) : hot(next, t) }
        XCTAssertEqual(wrongWrapper.longRangeAccuracy, 0)
        XCTAssertEqual(wrongWrapper.accuracy ?? 0, Double(steps - 1) / Double(steps), accuracy: 1e-12)
    }
}
