import NNCIR
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// The runtime's rnn and lstm steps (plan, interpreter, loss head with
/// masks) against the kernels' unfused references, and whole-model
/// gradients against finite differences.
final class RecurrentEngineTests: XCTestCase {
    /// A sequence dataset: inputs [T, F] in [-1, 1), per-step vector targets
    /// [T, K] masked past each length, or one target vector [K] per sequence.
    private func sequences(count: Int, steps: Int, features: Int, targetWidth: Int, perStep: Bool,
                           lengths: [Int]?, oneHot: Bool = false, seed: UInt64 = 3) throws -> Dataset {
        var inputs = randomValues(count * steps * features, seed: seed)
        let lengths = lengths ?? [Int](repeating: steps, count: count)
        for i in 0..<count {   // padding is zero, as the loaders write it
            for t in lengths[i]..<steps { for f in 0..<features { inputs[(i * steps + t) * features + f] = 0 } }
        }
        let rows = perStep ? steps : 1
        var targets = randomValues(count * rows * targetWidth, seed: seed + 1)
        if oneHot {
            var rng = SeededRandom(seed: seed + 2)
            targets = [Float](repeating: 0, count: count * rows * targetWidth)
            for r in 0..<(count * rows) { targets[r * targetWidth + rng.int(below: targetWidth)] = 1 }
        }
        var mask: [Float]?
        if perStep {
            mask = (0..<(count * steps)).map { Float($0 % steps < lengths[$0 / steps] ? 1 : 0) }
        }
        return try Dataset(inputs: inputs, inputShape: [steps, features],
                           targets: .vectors(targets, shape: perStep ? [steps, targetWidth] : [targetWidth]),
                           lengths: lengths, targetMask: mask)
    }

    private func spec(_ layers: [String], features: Int) -> String {
        """
        nnc: 1
        model:
          input: [T, \(features)]
          layers:
        \(layers.map { "    - " + $0 }.joined(separator: "\n"))
        """
    }

    /// One training pass: forward, loss, backward. Returns the loss.
    @discardableResult
    private func pass(_ plan: Plan, _ data: Dataset) -> Double {
        let indices = Array(0..<data.count)[...]
        plan.loadInputs(data, indices)
        guard let head = plan.head else { return .nan }
        head.loadTargets(data, indices, targetIsInput: false)
        plan.forward(data.count, training: true)
        let loss = plan.lastLoss
        plan.parameters.gradients.zero()
        plan.backward(data.count)
        return loss
    }

    private func assertClose(_ actual: [Float], _ expected: [Double], tolerance: Double, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        var worst = 0.0
        for (a, e) in zip(actual, expected) { worst = max(worst, abs(Double(a) - e) / max(1, abs(e))) }
        XCTAssertLessThan(worst, tolerance, what, file: file, line: line)
    }

    // MARK: fused runtime steps = the kernels' unfused references

    struct RNNCase {
        var layer: String
        var shape: RNNShape
        var lengths: [Int]?
        var truncation: Int
        var bias = true
    }

    func testRNNStepsMatchTheUnfusedReference() throws {
        let n = 4, steps = 7, f = 3
        let cases = [
            RNNCase(layer: "rnn: {units: 5}", shape: RNNShape(batch: n, steps: steps, inputSize: f, hiddenSize: 5),
                    lengths: [7, 3, 5, 1], truncation: 0),
            RNNCase(layer: "rnn: {units: 5, leak: 0.4, skip: 2, bias: false}",
                    shape: RNNShape(batch: n, steps: steps, inputSize: f, hiddenSize: 5, leak: 0.4, skip: 2),
                    lengths: nil, truncation: 3, bias: false),
            RNNCase(layer: "rnn: {units: 6, feedback: output, output: {units: 2, activation: linear}, return: last}",
                    shape: RNNShape(batch: n, steps: steps, inputSize: f, hiddenSize: 6, outputSize: 2,
                                    feedback: .output, returnSequence: false),
                    lengths: [2, 7, 4, 6], truncation: 0),
            RNNCase(layer: "rnn: {units: 4, activation: relu, output: {units: 3, activation: linear}}",
                    shape: RNNShape(batch: n, steps: steps, inputSize: f, hiddenSize: 4, outputSize: 3, activation: .relu),
                    lengths: [7, 6, 1, 3], truncation: 2),
        ]
        for c in cases {
            let units = c.shape.unitsPerStep
            let data = try sequences(count: n, steps: steps, features: f, targetWidth: units,
                                     perStep: c.shape.returnSequence, lengths: c.lengths)
            let plan = try trainingPlan(try checkedSpec(spec([c.layer], features: f)), batch: n, steps: steps, loss: .mse)
            plan.truncation = c.truncation
            guard case .rnn(let step)? = plan.steps.first?.kind else { return XCTFail("\(c.layer): no rnn step") }
            XCTAssertEqual(step.shape, c.shape, "\(c.layer): the spec's options reach the kernel")
            pass(plan, data)

            let base = step.parameters.offset, count = c.shape.parameterCount
            let parameters = Array(plan.parameters.values.array[base..<(base + count)])
            let lengths = c.lengths.map { $0.map(Int32.init) }
            let tape = rnnForwardReference(input: data.inputs, parameters: parameters, lengths: lengths, shape: c.shape)
            assertClose(plan.value(plan.output).array, tape.layerOutput, tolerance: 1e-5, "\(c.layer): output")

            guard let dOutput = plan.gradient(plan.output)?.array else { return XCTFail("no output gradient") }
            var expected = rnnBackwardReference(dOutput: dOutput, tape: tape, input: data.inputs, parameters: parameters,
                                                lengths: lengths, shape: c.shape, truncation: c.truncation).dParameters
            if !c.bias {
                for j in 0..<c.shape.hiddenSize { expected[c.shape.biasOffset + j] = 0 }
                XCTAssertTrue(parameters[c.shape.biasOffset..<(c.shape.biasOffset + c.shape.hiddenSize)].allSatisfy { $0 == 0 })
            }
            assertClose(Array(plan.parameters.gradients.array[base..<(base + count)]), expected, tolerance: 1e-4,
                        "\(c.layer): parameter gradients (truncation \(c.truncation))")
        }
    }

    func testLSTMStepsMatchTheUnfusedReference() throws {
        let n = 3, steps = 6, f = 4
        let cases: [(layer: String, shape: LSTMShape, lengths: [Int]?, truncation: Int)] = [
            ("lstm: {units: 5}", LSTMShape(batch: n, steps: steps, inputSize: f, hiddenSize: 5), [6, 2, 4], 0),
            ("lstm: {units: 9, return: last, forget_bias: 2}",
             LSTMShape(batch: n, steps: steps, inputSize: f, hiddenSize: 9, returnSequence: false), [3, 6, 1], 0),
            ("lstm: {units: 4}", LSTMShape(batch: n, steps: steps, inputSize: f, hiddenSize: 4), nil, 2),
        ]
        for c in cases {
            let data = try sequences(count: n, steps: steps, features: f, targetWidth: c.shape.hiddenSize,
                                     perStep: c.shape.returnSequence, lengths: c.lengths)
            let plan = try trainingPlan(try checkedSpec(spec([c.layer], features: f)), batch: n, steps: steps, loss: .mse)
            plan.truncation = c.truncation
            guard case .lstm(let step)? = plan.steps.first?.kind else { return XCTFail("\(c.layer): no lstm step") }
            XCTAssertEqual(step.shape, c.shape, c.layer)
            pass(plan, data)

            let base = step.parameters.offset, count = c.shape.parameterCount
            let parameters = Array(plan.parameters.values.array[base..<(base + count)])
            if c.layer.contains("forget_bias: 2") {
                let h = c.shape.hiddenSize, bias = c.shape.biasOffset
                XCTAssertEqual(Array(parameters[(bias + h)..<(bias + 2 * h)]), [Float](repeating: 2, count: h), "forget_bias")
                XCTAssertEqual(Array(parameters[bias..<(bias + h)]), [Float](repeating: 0, count: h), "input gate bias")
            }
            let lengths = c.lengths.map { $0.map(Int32.init) }
            let tape = lstmForwardReference(input: data.inputs, parameters: parameters, lengths: lengths, shape: c.shape)
            assertClose(plan.value(plan.output).array, tape.layerOutput, tolerance: 1e-5, "\(c.layer): output")
            guard let dOutput = plan.gradient(plan.output)?.array else { return XCTFail("no output gradient") }
            let expected = lstmBackwardReference(dOutput: dOutput, tape: tape, input: data.inputs, parameters: parameters,
                                                 lengths: lengths, shape: c.shape, truncation: c.truncation).dParameters
            assertClose(Array(plan.parameters.gradients.array[base..<(base + count)]), expected, tolerance: 1e-4,
                        "\(c.layer): parameter gradients (truncation \(c.truncation))")
        }
    }

    // MARK: whole models against finite differences

    /// Central differences of the plan's loss for every parameter, against backward.
    private func checkGradients(_ plan: Plan, _ data: Dataset, _ what: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        pass(plan, data)
        let analytic = plan.parameters.gradients.array
        let values = plan.parameters.values.pointer
        let h: Float = 1e-2
        var worst = 0.0, worstIndex = -1
        for i in 0..<plan.parameters.count {
            let saved = values[i]
            values[i] = saved + h
            let up = pass(plan, data)
            values[i] = saved - h
            let down = pass(plan, data)
            values[i] = saved
            let numeric = (up - down) / Double(2 * h)
            let error = abs(numeric - Double(analytic[i])) / max(0.05, abs(numeric))
            if error > worst { worst = error; worstIndex = i }
        }
        let name = plan.parameters.entries.first { worstIndex >= $0.offset && worstIndex < $0.offset + $0.count }?.name ?? "?"
        XCTAssertLessThan(worst, 2e-2, "\(what): worst relative error at \(name)", file: file, line: line)
        // Something was learned from: the gradient is not all zero.
        XCTAssertGreaterThan(analytic.map { abs($0) }.max() ?? 0, 1e-3, what, file: file, line: line)
    }

    func testWholeModelGradientsMatchFiniteDifferences() throws {
        let n = 3, steps = 5
        // dense on a sequence (rows = N·T) → leaky rnn with skips → dense per step; masked mse.
        let a = try trainingPlan(try checkedSpec(spec(["dense: {units: 4, activation: tanh}",
                                                       "rnn: {units: 5, leak: 0.3, skip: 2}",
                                                       "dense: {units: 2}"], features: 3)),
                                 batch: n, steps: steps, loss: .mse)
        checkGradients(a, try sequences(count: n, steps: steps, features: 3, targetWidth: 2, perStep: true,
                                        lengths: [5, 2, 4]), "dense → rnn → dense")
        // lstm → rnn with a softmax output block: the fused softmax + cross-entropy, masked.
        let b = try trainingPlan(try checkedSpec(spec(["lstm: {units: 4}",
                                                       "rnn: {units: 3, output: {units: 3, activation: softmax}}"],
                                                      features: 2)),
                                 batch: n, steps: steps, loss: .crossEntropy)
        XCTAssertEqual(b.head?.rule, .softmaxCrossEntropy)
        checkGradients(b, try sequences(count: n, steps: steps, features: 2, targetWidth: 3, perStep: true,
                                        lengths: [3, 5, 1], oneHot: true), "lstm → rnn(softmax block)")
        // Sequence-to-one: lstm (last valid step) → dense; mse on one vector per sequence.
        let c = try trainingPlan(try checkedSpec(spec(["lstm: {units: 3, return: last}", "dense: {units: 2}"],
                                                      features: 2)),
                                 batch: n, steps: steps, loss: .mse)
        checkGradients(c, try sequences(count: n, steps: steps, features: 2, targetWidth: 2, perStep: false,
                                        lengths: [2, 5, 3]), "lstm(last) → dense")
    }

    /// Masked steps carry no loss: changing the targets there changes nothing.
    func testPaddedStepsCarryNoLoss() throws {
        let n = 2, steps = 6
        let plan = try trainingPlan(try checkedSpec(spec(["rnn: {units: 4}", "dense: {units: 2}"], features: 3)),
                                    batch: n, steps: steps, loss: .mse)
        let data = try sequences(count: n, steps: steps, features: 3, targetWidth: 2, perStep: true, lengths: [6, 3])
        let loss = pass(plan, data)
        let gradients = plan.parameters.gradients.array
        let evaluator = Evaluator(plan: plan, targetIsInput: false, finalActivation: nil)
        let totals = evaluator.evaluate(data)
        var changed = data
        guard case .vectors(var values, let shape) = data.targets else { return XCTFail("vector targets") }
        for t in 3..<steps { for k in 0..<2 { values[(steps + t) * 2 + k] += 5 } }   // example 1, padded steps
        changed.targets = .vectors(values, shape: shape)
        XCTAssertEqual(pass(plan, changed), loss, accuracy: 1e-9)
        XCTAssertEqual(plan.parameters.gradients.array, gradients)
        let changedTotals = evaluator.evaluate(changed)
        XCTAssertEqual(changedTotals.mse ?? .nan, totals.mse ?? 0, accuracy: 1e-12, "evaluation mse skips padding")
        XCTAssertEqual(changedTotals.loss ?? .nan, totals.loss ?? 0, accuracy: 1e-9, "evaluation loss skips padding")
        XCTAssertEqual(totals.squaredCount, (6 + 3) * 2)
        // ...while a valid step's target does count.
        values[(steps + 1) * 2] += 5
        changed.targets = .vectors(values, shape: shape)
        XCTAssertGreaterThan(pass(plan, changed), loss + 0.1)
    }
}
