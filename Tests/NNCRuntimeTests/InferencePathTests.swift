import XCTest
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// The inference pass's fused conv (direct convolution + activation + max pool
/// in one kernel, no pooling indices) gives the same values as the training
/// pass's separate kernels and as the unfused plan.
final class InferencePathTests: XCTestCase {
    static let lenet = """
        nnc: 1
        model:
          input: [1, 16, 16]
          layers:
            - conv2d: {filters: 6, kernel: 5, padding: 2, activation: relu}
            - maxpool: {size: 2}
            - conv2d: {filters: 9, kernel: 3, activation: sigmoid}
            - maxpool: {size: 2}
            - flatten
            - dense: {units: 7, activation: relu}
            - dense: {units: 4}
            - softmax
        """

    func testInferenceMatchesTrainingPassAndUnfusedPlanBitForBit() throws {
        let n = 5
        var outputs: [[UInt32]] = []
        for (fuse, training) in [(true, false), (true, true), (false, false)] {
            let plan = try RuntimeTest.plan(text: Self.lenet, batch: n, fuse: fuse)
            RuntimeTest.fillInput(plan, seed: 3)
            plan.forward(n, training: training)
            if fuse {
                XCTAssertEqual(plan.steps.compactMap(\.rule?.rawValue).filter { $0 == "conv2d+bias+activation+pool" }.count, 2)
            }
            outputs.append(Array(UnsafeBufferPointer(start: plan.values[plan.output].pointer, count: n * 4)).map(\.bitPattern))
        }
        XCTAssertEqual(outputs[0], outputs[1], "inference vs training pass")
        XCTAssertEqual(outputs[0], outputs[2], "fused vs unfused")
        XCTAssertEqual(Set(outputs[0]).count, n * 4, "distinct outputs: the inputs reached them")
    }

    static let mlp = """
        nnc: 1
        model:
          input: [70]
          layers:
            - dense: {units: 40, activation: relu}
            - dense: {units: 600, activation: sigmoid}
            - dense: {units: 5}
            - softmax
        """

    private func inferenceOutput(_ plan: Plan, _ n: Int) -> [UInt32] {
        plan.forward(n, training: false)
        return Array(UnsafeBufferPointer(start: plan.values[plan.output].pointer, count: n * 5)).map(\.bitPattern)
    }

    /// Frozen (prepacked) weights: the same bits as packing per call at a batch that
    /// takes the blocked GEMM; at a few rows (batch-1 prediction, with 1 and 2 threads)
    /// the packed few-rows kernel, equal up to reassociation and the same bits at
    /// either thread count. The copies are what the pass reads: a weight changed after
    /// freezing is not seen until `thawWeights`.
    func testFrozenWeightsSameBitsAndThawSeesNewWeights() throws {
        var fewRowsFrozen: [[UInt32]] = []
        for (n, threads) in [(8, 1), (96, 2), (4, 1), (4, 2)] {   // 96·600·40 and 4·600·40: split over two threads
            let plan = try RuntimeTest.plan(text: Self.mlp, batch: n, fuse: true)
            let pooled = try Plan(graph: plan.graph, parameters: plan.parameters, batch: n, bindings: [:], training: false,
                                  pool: threads > 1 ? ThreadPool(threads: threads) : nil, random: SeededRandom(seed: 1))
            RuntimeTest.fillInput(pooled, seed: 4)
            let plain = inferenceOutput(pooled, n)
            pooled.freezeWeights()
            let frozen = inferenceOutput(pooled, n)
            if n > 4 {
                XCTAssertEqual(frozen, plain, "batch \(n)")
            } else {
                let worst = zip(frozen, plain).map { abs(Float(bitPattern: $0) - Float(bitPattern: $1)) }.max() ?? 1
                XCTAssertLessThan(worst, 1e-6, "batch \(n), \(threads) threads")
                fewRowsFrozen.append(frozen)
            }
            let second = try XCTUnwrap(plan.parameters.entry(node: 2, role: .weight))
            plan.parameters.pointer(second).pointee += 1
            let stale = inferenceOutput(pooled, n)
            pooled.thawWeights()
            let fresh = inferenceOutput(pooled, n)
            XCTAssertNotEqual(fresh, plain, "batch \(n): the change reaches the output")
            XCTAssertEqual(stale, frozen, "batch \(n): frozen copies in use")
        }
        XCTAssertEqual(fewRowsFrozen[0], fewRowsFrozen[1], "batch 4: 1 and 2 threads")
    }

    /// 64 filters on 10-wide outputs (the direct kernel's channel-lane tiles) and
    /// 6 filters (its wide tiles).
    static let convs = """
        nnc: 1
        model:
          input: [4, 14, 14]
          layers:
            - conv2d: {filters: 64, kernel: 5, activation: relu}
            - maxpool: {size: 2}
            - conv2d: {filters: 6, kernel: 3, padding: 1, activation: tanh}
            - flatten
            - dense: {units: 3}
        """

    /// Frozen conv weights and biases (packed once for the direct kernel): the
    /// same bits as packing them per call, at 1 and 2 threads; the packed copies
    /// are what the pass reads until `thawWeights`, the bias included.
    func testFrozenConvWeightsSameBitsAndThawSeesNewWeights() throws {
        for (n, threads) in [(3, 1), (3, 2), (1, 1)] {
            let plan = try RuntimeTest.plan(text: Self.convs, batch: n, fuse: true)
            let pooled = try Plan(graph: plan.graph, parameters: plan.parameters, batch: n, bindings: [:], training: false,
                                  pool: threads > 1 ? ThreadPool(threads: threads) : nil, random: SeededRandom(seed: 1))
            RuntimeTest.fillInput(pooled, seed: 5)
            // The last conv's output [n, 6, 5, 5] (the dense layer after it takes the packed
            // few-rows kernel at batch 1 when frozen: other bits, see above).
            let output = { () -> [UInt32] in
                pooled.forward(n, training: false)
                return Array(UnsafeBufferPointer(start: pooled.values[3].pointer, count: n * 150)).map(\.bitPattern)
            }
            let plain = output()
            pooled.freezeWeights()
            XCTAssertEqual(output(), plain, "batch \(n), \(threads) threads")
            for role in [ParameterRole.weight, .bias] {
                let entry = try XCTUnwrap(plan.parameters.entry(node: 1, role: role))
                let original = plan.parameters.pointer(entry).pointee
                plan.parameters.pointer(entry).pointee += 0.5
                XCTAssertEqual(output(), plain, "\(role) changed after freezing: the frozen copy in use")
                pooled.thawWeights()
                XCTAssertNotEqual(output(), plain, "\(role) changed and thawed: the change reaches the output")
                plan.parameters.pointer(entry).pointee = original
                pooled.freezeWeights()
            }
        }
    }

    /// H = 128: at batch 1 with 2 threads the step is split by units (`lstmForwardUnitParts`).
    static let lstm = """
        nnc: 1
        model:
          input: [7, 5]
          layers:
            - lstm: {units: 128, return: last}
            - dense: {units: 3}
        """

    /// Frozen LSTM weights (W_xᵀ and W_hᵀ packed once): the same bits as packing per
    /// call, at the plan's batch and a smaller one, at 1 and 2 threads, batch 1 included;
    /// both packed copies are what the pass reads until `thawWeights`.
    func testFrozenLSTMWeightsSameBitsAndThawSeesNewWeights() throws {
        for (n, threads) in [(6, 1), (6, 2), (1, 1), (1, 2)] {
            let plan = try RuntimeTest.plan(text: Self.lstm, batch: n, fuse: true)
            let pooled = try Plan(graph: plan.graph, parameters: plan.parameters, batch: n, bindings: [:], training: false,
                                  pool: threads > 1 ? ThreadPool(threads: threads) : nil, random: SeededRandom(seed: 1))
            RuntimeTest.fillInput(pooled, seed: 6)
            let output = { (rows: Int) -> [UInt32] in   // the lstm's last h [rows, 128]
                pooled.forward(rows, training: false)
                return Array(UnsafeBufferPointer(start: pooled.values[1].pointer, count: rows * 128)).map(\.bitPattern)
            }
            let fewer = max(1, n - 1)
            let plain = output(n), plainFewer = output(fewer)
            pooled.freezeWeights()
            XCTAssertEqual(output(n), plain, "batch \(n), \(threads) threads")
            XCTAssertEqual(output(fewer), plainFewer, "batch \(fewer) of \(n), \(threads) threads")
            XCTAssertGreaterThan(Set(plain).count, n * 100, "distinct outputs: the inputs reached them")
            let block = try XCTUnwrap(plan.parameters.entry(node: 1, role: .inputWeight))
            let shape = LSTMShape(batch: n, steps: 7, inputSize: 5, hiddenSize: 128)
            for (name, offset) in [("W_x", shape.inputWeightOffset + 3), ("W_h", shape.recurrentWeightOffset + 300)] {
                let weight = plan.parameters.pointer(block) + offset
                let original = weight.pointee
                weight.pointee += 0.5
                XCTAssertEqual(output(n), plain, "\(name) changed after freezing: the frozen copy in use")
                pooled.thawWeights()
                XCTAssertNotEqual(output(n), plain, "\(name) changed and thawed: the change reaches the output")
                weight.pointee = original
                pooled.freezeWeights()
            }
        }
    }
}
