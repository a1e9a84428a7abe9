import XCTest
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// Every fusion rule against the unfused ops: the same outputs, losses and gradients.
final class FusionTests: XCTestCase {
    static let cnn = """
        nnc: 1
        model:
          input: [2, 9, 9]
          layers:
            - conv2d: {filters: 4, kernel: 3, padding: same}
            - relu
            - maxpool: {size: 2}
            - conv2d: {filters: 3, kernel: [2, 3], stride: 1, activation: tanh}
            - avgpool: {size: 2, stride: 1}
            - flatten
            - dense: {units: 8}
            - sigmoid
            - dense: {units: 5}
            - softmax
        """

    func runBoth(_ text: String, loss: LossKind, labels: [Int32]) throws -> (fused: Plan, plain: Plan, losses: (Double, Double)) {
        let n = labels.count
        var plans: [Plan] = []
        var losses: [Double] = []
        for fuse in [true, false] {
            let plan = try RuntimeTest.plan(text: text, batch: n, fuse: fuse)
            plan.attachLoss(loss, labels: true, fuse: fuse)
            RuntimeTest.fillInput(plan, seed: 11)
            for (i, l) in labels.enumerated() { plan.head?.labels.pointer[i] = l }
            guard plan.head != nil else { throw RunError.bug("no head") }
            plan.forward(n, training: true)
            losses.append(plan.lastLoss)
            plan.parameters.gradients.zero()
            plan.backward(n)
            plans.append(plan)
        }
        return (plans[0], plans[1], (losses[0], losses[1]))
    }

    func testFusedConvDenseAndLossMatchUnfused() throws {
        let (fused, plain, losses) = try runBoth(Self.cnn, loss: .crossEntropy, labels: [0, 3, 4, 1, 2, 2])
        XCTAssertEqual(Set(fused.steps.compactMap(\.rule?.rawValue)), ["conv2d+bias+activation+pool", "dense+bias+activation"])
        XCTAssertEqual(plain.steps.compactMap(\.rule?.rawValue), [])
        XCTAssertEqual(fused.head?.rule, .softmaxCrossEntropy)
        XCTAssertNil(plain.head?.rule)
        XCTAssertLessThan(fused.steps.count, plain.steps.count)
        // Training ends with the loss step; fused, the softmax layer's step is left to it.
        let isLoss: (Step) -> Bool = { if case .loss = $0.kind { return true }; return false }
        let isSoftmax: (Step) -> Bool = { if case .activation(.softmax) = $0.kind { return true }; return false }
        for plan in [fused, plain] {
            XCTAssertEqual(plan.trainingSteps.filter(isLoss).count, 1)
            XCTAssertTrue(plan.trainingSteps.last.map(isLoss) ?? false)
            XCTAssertFalse(plan.steps.contains(where: isLoss), "inference and evaluation run no loss")
            XCTAssertTrue(plan.steps.contains(where: isSoftmax))
        }
        XCTAssertFalse(fused.trainingSteps.contains(where: isSoftmax))
        XCTAssertTrue(plain.trainingSteps.contains(where: isSoftmax))
        XCTAssertEqual(losses.0, losses.1, accuracy: 1e-6 * max(1, abs(losses.1)))
        let out = fused.output
        for i in 0..<(6 * 5) {
            XCTAssertEqual(fused.values[out].pointer[i], plain.values[out].pointer[i], accuracy: 1e-6)
        }
        let g1 = fused.parameters.gradients.array, g2 = plain.parameters.gradients.array
        XCTAssertEqual(g1.count, g2.count)
        let scale = g2.map { abs($0) }.max() ?? 1
        XCTAssertGreaterThan(scale, 0)
        for i in g1.indices { XCTAssertEqual(g1[i], g2[i], accuracy: 1e-5 * scale, "gradient \(i)") }
    }

    /// conv2d + activation + max/avg pool, for every activation the conv accepts: the fused
    /// step equals the unfused ops (a softmax conv must not be pooled before it activates).
    func testConvPoolFusionMatchesUnfusedForEveryActivation() throws {
        for activation in ActivationKind.allCases {
            for pool in ["maxpool", "avgpool"] {
                let text = """
                    nnc: 1
                    model:
                      input: [1, 4, 4]
                      layers:
                        - conv2d: {filters: 2, kernel: 1, activation: \(activation.rawValue)}
                        - \(pool): {size: 2}
                        - flatten
                        - dense: {units: 3}
                    """
                var outputs: [[Float]] = []
                var rules: [[String]] = []
                for fuse in [true, false] {
                    let plan = try RuntimeTest.plan(text: text, batch: 2, fuse: fuse)
                    RuntimeTest.fillInput(plan, seed: 7)
                    plan.forward(2, training: false)
                    let pooled = plan.graph.nodes.first { $0.name == "\(pool)2" }?.id ?? -1
                    XCTAssertGreaterThan(pooled, 0)
                    outputs.append(Array(UnsafeBufferPointer(start: plan.values[pooled].pointer, count: 2 * 2 * 2 * 2)))
                    rules.append(plan.steps.compactMap(\.rule?.rawValue))
                }
                let fusesPool = pool == "avgpool" || activation.commutesWithMaxPool
                XCTAssertEqual(rules[0].contains("conv2d+bias+activation+pool"), fusesPool, "\(activation) \(pool): \(rules[0])")
                for i in outputs[0].indices {
                    XCTAssertEqual(outputs[0][i], outputs[1][i], accuracy: 1e-6, "\(activation) \(pool) value \(i)")
                }
            }
        }
    }

    func testSigmoidBinaryCrossEntropyFusionMatchesUnfused() throws {
        let text = """
            nnc: 1
            model:
              input: [3]
              layers:
                - dense: {units: 4, activation: tanh}
                - dense: {units: 1, activation: sigmoid}
            """
        let n = 5
        var results: [(Double, [Float])] = []
        for fuse in [true, false] {
            let plan = try RuntimeTest.plan(text: text, batch: n, fuse: fuse)
            plan.attachLoss(.binaryCrossEntropy, labels: false, fuse: fuse)
            RuntimeTest.fillInput(plan, seed: 3)
            for i in 0..<n { plan.head?.targets.pointer[i] = Float(i % 2) }
            plan.forward(n, training: true)
            let loss = plan.head == nil ? .nan : plan.lastLoss
            plan.parameters.gradients.zero()
            plan.backward(n)
            results.append((loss, plan.parameters.gradients.array))
            XCTAssertEqual(plan.head?.rule, fuse ? .sigmoidBinaryCrossEntropy : nil)
        }
        XCTAssertEqual(results[0].0, results[1].0, accuracy: 1e-6)
        for i in results[0].1.indices { XCTAssertEqual(results[0].1[i], results[1].1[i], accuracy: 1e-5) }
    }
}
