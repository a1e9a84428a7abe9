import XCTest
import MallocCounter
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// A training step allocates nothing: every buffer comes from the plan.
final class AllocationTests: XCTestCase {
    func assertStepsAllocateNothing(spec: String, overrides: [String] = [], threads: Int) throws {
        let checked = try RuntimeTest.check(spec: spec, overrides: overrides)
        let graph = try XCTUnwrap(checked.graph), train = try XCTUnwrap(checked.spec?.train), model = try XCTUnwrap(checked.spec?.model)
        var rng = SeededRandom(seed: 1)
        let data = try DataPipeline.prepare(try XCTUnwrap(checked.spec?.data), modelInput: model.input, rng: &rng)
        let parameters = ParameterStore(graph: graph)
        parameters.initialize(graph: graph, rng: &rng)
        let pool = threads > 1 ? ThreadPool(threads: threads) : nil
        let plan = try Plan(graph: graph, parameters: parameters, batch: train.effectiveBatch,
                            bindings: try Runner.bind(model.input, to: data.train.inputShape), training: true, pool: pool,
                            random: SeededRandom(seed: 2))
        plan.attachLoss(train.loss ?? Runner.defaultLoss(graph), labels: Runner.usesLabels(data.train, plan: plan))
        let trainer = BackpropTrainer(plan: plan, train: train, data: data, finalActivation: graph.finalActivation,
                                      seed: SeededRandom(seed: 3))
        let batch = trainer.order[0..<train.effectiveBatch]
        _ = try trainer.step(batch, learningRate: 0.01)   // warm-up: lazily created state
        var perStep: [Int] = []
        for _ in 0..<5 {
            nnc_malloc_counting_start()
            _ = try trainer.step(batch, learningRate: 0.01)
            perStep.append(nnc_malloc_counting_stop())
        }
        if perStep.contains(where: { $0 < 0 }) { throw XCTSkip("allocation counting needs glibc") }
        XCTAssertEqual(perStep, [0, 0, 0, 0, 0], "\(spec) \(overrides) with \(threads) thread(s)")
    }

    func testCountingSeesAllocations() throws {
        nnc_malloc_counting_start()
        let array = [Int](repeating: 7, count: 1000 + Int(getpid() % 3))
        let allocations = nnc_malloc_counting_stop()
        if allocations < 0 { throw XCTSkip("allocation counting needs glibc") }
        XCTAssertEqual(array.count > 0, true)
        XCTAssertGreaterThanOrEqual(allocations, 1, "the counter must see a plain array allocation")
    }

    func testMLPTrainingStepAllocatesNothing() throws {
        try assertStepsAllocateNothing(spec: "digits-mlp", threads: 1)
    }

    func testCNNTrainingStepAllocatesNothing() throws {
        try assertStepsAllocateNothing(spec: "digits-cnn", threads: 1)
        try assertStepsAllocateNothing(spec: "digits-cnn", threads: 2)
        // Big enough that gemm, conv and pooling all split across the pool.
        try assertStepsAllocateNothing(spec: "digits-cnn", overrides: ["train.batch=256", "model.layers.0.conv2d.filters=64"], threads: 2)

    }

    func testAutoencoderWithPenaltiesAllocatesNothing() throws {
        try assertStepsAllocateNothing(spec: "autoencoder-contractive", threads: 1)
        try assertStepsAllocateNothing(spec: "autoencoder-denoising", threads: 1)
    }
}
