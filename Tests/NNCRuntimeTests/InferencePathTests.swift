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
}
