import XCTest
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// Plain SGD folded into the dense layers' backward trains like the update
/// through the gradient block (within reassociation), for layers that fold and
/// for those that cannot (an l2 penalty); other optimizers and clipping do not fold.
final class FoldedSGDTests: XCTestCase {
    static let spec = """
        nnc: 1
        data: {source: random, count: 96, classes: 4}
        model:
          input: [12]
          layers:
            - dense: {units: 16, activation: tanh}
            - dense: {units: 9, activation: relu, penalty: {l2: 0.01}}
            - dense: {units: 4}
            - softmax
        train: {loss: cross_entropy, optimizer: {sgd: {lr: 0.2}}, batch: 32, epochs: 1}
        """

    private func trainer(_ text: String, fold: Bool, threads: Int = 1) throws -> BackpropTrainer {
        let checked = try RuntimeTest.check(text: text)
        let graph = try XCTUnwrap(checked.graph), train = try XCTUnwrap(checked.spec?.train)
        let model = try XCTUnwrap(checked.spec?.model)
        var rng = SeededRandom(seed: 1)
        let data = try DataPipeline.prepare(try XCTUnwrap(checked.spec?.data), modelInput: model.input, rng: &rng)
        let parameters = ParameterStore(graph: graph)
        parameters.initialize(graph: graph, rng: &rng)
        let plan = try Plan(graph: graph, parameters: parameters, batch: train.effectiveBatch,
                            bindings: try Runner.bind(model.input, to: data.train.inputShape), training: true,
                            pool: threads > 1 ? ThreadPool(threads: threads) : nil, random: SeededRandom(seed: 2))
        plan.attachLoss(train.loss ?? Runner.defaultLoss(graph), labels: Runner.usesLabels(data.train, plan: plan))
        return BackpropTrainer(plan: plan, train: train, data: data, finalActivation: graph.finalActivation,
                               seed: SeededRandom(seed: 3), foldSGD: fold)
    }

    private func values(_ t: BackpropTrainer) -> [Float] {
        Array(UnsafeBufferPointer(start: t.plan.parameters.values.pointer, count: t.plan.parameters.count))
    }

    func testFoldedStepsTrainLikeTheGradientBlock() throws {
        let folded = try trainer(Self.spec, fold: true), reference = try trainer(Self.spec, fold: false)
        // dense1 and dense3 fold (weights and biases); dense2 (l2) does not: its two tensors stay in the block.
        let dense2 = folded.plan.parameters.entries.filter { $0.name.hasPrefix("dense2.") }
        let unfolded = try XCTUnwrap(folded.unfoldedRanges)
        XCTAssertEqual(unfolded.reduce(0) { $0 + $1.count }, dense2.reduce(0) { $0 + $1.count })
        XCTAssertNil(reference.unfoldedRanges)
        let start = values(folded)
        XCTAssertEqual(start, values(reference))
        for s in 0..<3 {
            let batch = Array(0..<96)[(s * 32)..<((s + 1) * 32)]
            let a = try folded.step(batch, learningRate: 0.2), b = try reference.step(batch, learningRate: 0.2)
            XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), "loss at step \(s)")
        }
        let after = values(folded), expected = values(reference)
        for e in folded.plan.parameters.entries {
            let r = e.offset..<(e.offset + e.count)
            let worst = zip(after[r], expected[r]).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-5, e.name)
            XCTAssertNotEqual(Array(after[r]), Array(start[r]), "\(e.name) was updated")
        }
    }

    func testTwoThreadsGiveTheSameBitsAsOne() throws {
        let spec = Self.spec.replacingOccurrences(of: "units: 16", with: "units: 300")
            .replacingOccurrences(of: "input: [12]", with: "input: [200]")
            .replacingOccurrences(of: "count: 96", with: "count: 128").replacingOccurrences(of: "batch: 32", with: "batch: 128")
        let one = try trainer(spec, fold: true), two = try trainer(spec, fold: true, threads: 2)
        let batch = Array(0..<128)[...]
        for _ in 0..<2 {
            _ = try one.step(batch, learningRate: 0.1)
            _ = try two.step(batch, learningRate: 0.1)
        }
        XCTAssertEqual(values(one).map(\.bitPattern), values(two).map(\.bitPattern))
    }

    func testMomentumAdamAndClippingDoNotFold() throws {
        for train in ["optimizer: {sgd: {lr: 0.1, momentum: 0.9}}", "optimizer: {adam: {lr: 0.01}}",
                      "optimizer: {sgd: {lr: 0.1}}, clip: {norm: 1}"] {
            let spec = Self.spec.replacingOccurrences(of: "optimizer: {sgd: {lr: 0.2}}", with: train)
            let t = try trainer(spec, fold: true)
            XCTAssertNil(t.unfoldedRanges, train)
            let before = values(t)
            _ = try t.step(Array(0..<32)[...], learningRate: 0.1)
            XCTAssertNotEqual(values(t), before, "\(train): trained through the gradient block")
        }
    }
}
