import XCTest
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// Whole-model gradients against central finite differences, for graphs whose
/// nodes fan out to several readers (gradients accumulate) and merge again
/// through `add` and `concat`, and for the fused conv/pool/dense steps.
final class GraphGradientTests: XCTestCase {
    /// Loss of one forward pass; the gradient is left in the parameter store.
    @discardableResult
    func pass(_ plan: Plan, _ n: Int) -> Double {
        plan.forward(n, training: true)
        let loss = plan.head == nil ? .nan : plan.lastLoss
        plan.parameters.gradients.zero()
        plan.backward(n)
        return loss
    }

    func check(_ text: String, loss: LossKind, n: Int, fuse: Bool = true, file: StaticString = #filePath, line: UInt = #line) throws {
        let plan = try RuntimeTest.plan(text: text, batch: n, fuse: fuse, seed: 21)
        plan.attachLoss(loss, labels: false, fuse: fuse)
        RuntimeTest.fillInput(plan, seed: 4)
        let head = try XCTUnwrap(plan.head)
        var rng = SeededRandom(seed: 8)
        for i in 0..<(n * head.rowsPerExample * head.width) {
            head.targets.pointer[i] = loss == .crossEntropy ? 0 : rng.uniformFloat()
        }
        if loss == .crossEntropy {
            for r in 0..<(n * head.rowsPerExample) { head.targets.pointer[r * head.width + r % head.width] = 1 }
        }
        pass(plan, n)
        let analytic = plan.parameters.gradients.array
        XCTAssertGreaterThan(analytic.map { abs($0) }.max() ?? 0, 1e-4, file: file, line: line)
        let values = plan.parameters.values.pointer
        let h: Float = 1e-2
        var worst = 0.0, worstName = ""
        for i in 0..<plan.parameters.count {
            let saved = values[i]
            values[i] = saved + h
            let up = pass(plan, n)
            values[i] = saved - h
            let down = pass(plan, n)
            values[i] = saved
            let numeric = (up - down) / Double(2 * h)
            let error = abs(numeric - Double(analytic[i])) / max(0.05, abs(numeric))
            if error > worst {
                worst = error
                worstName = plan.parameters.entries.first { i >= $0.offset && i < $0.offset + $0.count }?.name ?? "?"
            }
        }
        XCTAssertLessThan(worst, 2e-2, "worst relative error at \(worstName)", file: file, line: line)
    }

    /// `a` is read by three layers; `add` and `concat` merge the branches back.
    func testFanOutAddAndConcat() throws {
        try check("""
            nnc: 1
            model:
              input: [5]
              layers:
                - dense: {units: 6, activation: tanh, name: a}
                - dense: {units: 6, activation: sigmoid, name: b}
                - add: {from: [a, b], name: sum}
                - dense: {units: 3, activation: tanh, from: a, name: c}
                - concat: {from: [sum, c, a], name: joined}
                - dense: {units: 4}
            """, loss: .mse, n: 3)
    }

    /// A flattened image also read by a pooling branch: flatten may not share the
    /// image's buffers when the image has another reader.
    func testFlattenBesideAnotherReader() throws {
        try check("""
            nnc: 1
            model:
              input: [1, 4, 4]
              layers:
                - conv2d: {filters: 2, kernel: 3, padding: same, activation: tanh, name: features}
                - flatten: {name: flat}
                - avgpool: {size: 2, from: features, name: pooled}
                - flatten: {name: flat_pooled}
                - concat: {from: [flat, flat_pooled]}
                - dense: {units: 2}
            """, loss: .mse, n: 2)
    }

    /// The input itself read twice, a skip connection around a block, and a softmax head.
    func testResidualBlockWithSoftmaxHead() throws {
        try check("""
            nnc: 1
            model:
              input: [4]
              layers:
                - dense: {units: 4, activation: relu, name: h1}
                - dense: {units: 4, name: h2}
                - add: {from: [h2, input]}
                - tanh
                - dense: {units: 3}
                - softmax
            """, loss: .crossEntropy, n: 4)
    }

    /// Conv → relu layer → max pool (fused), conv with avg pool, dense + sigmoid layer (fused), fused and not.
    func testConvolutionalStepsFusedAndUnfused() throws {
        let text = """
            nnc: 1
            model:
              input: [2, 6, 6]
              layers:
                - conv2d: {filters: 3, kernel: 3, padding: same}
                - relu
                - maxpool: {size: 2}
                - conv2d: {filters: 2, kernel: [2, 1], activation: tanh}
                - avgpool: {size: 2, stride: 1}
                - flatten
                - dense: {units: 3}
                - sigmoid
            """
        try check(text, loss: .mse, n: 2, fuse: true)
        try check(text, loss: .mse, n: 2, fuse: false)
    }
}
