import NNCIR
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Whole-model checks of the autoencoder's training signal on a tiny model
/// (5 inputs, 3 code units, 5 outputs, 3 examples): the gradient of
/// loss + penalties that backward computes against central finite
/// differences of the forward's loss + penalties, and the encoder Jacobian
/// against finite differences of the code.
final class AutoencoderGradientTests: XCTestCase {
    static let examples: [[Float]] = [[0.1, 0.9, 0.3, 0.7, 0.5], [0.8, 0.2, 0.6, 0.4, 0.1], [0.3, 0.35, 0.9, 0.15, 0.6]]

    static func spec(_ layers: String, loss: String = "mse") -> String {
        """
        nnc: 1
        data:
          inline: {inputs: \(examples)}
        model:
          input: [5]
          layers:
        \(layers)
        train: {target: input, loss: \(loss)}
        """
    }

    /// A training plan over all three examples with seeded initial parameters.
    static func plan(_ layers: String, training: Bool = true, loss: LossKind = .mse) throws -> (Plan, Dataset) {
        let name = loss == .mse ? "mse" : "binary_cross_entropy"
        let checked = try AutoencoderSpecs.check(SourceFile(path: "tiny.yaml", text: spec(layers, loss: name)), [])
        let graph = try XCTUnwrap(checked.graph)
        let parameters = ParameterStore(graph: graph)
        var rng = SeededRandom(seed: 11)
        parameters.initialize(graph: graph, rng: &rng)
        let plan = try Plan(graph: graph, parameters: parameters, batch: examples.count, bindings: [:], training: training,
                            pool: nil, random: SeededRandom(seed: 5))
        if training { plan.attachLoss(loss, labels: false) }
        return (plan, try Dataset(inputs: examples.flatMap { $0 }, inputShape: [5]))
    }

    /// loss + Ω of the batch, as the trainer computes it.
    static func loss(_ plan: Plan, _ data: Dataset) throws -> Double {
        let head = try XCTUnwrap(plan.head)
        let indices = Array(0..<data.count)[...]
        plan.loadInputs(data, indices)
        head.loadTargets(data, indices, targetIsInput: true)
        let penalty = plan.forward(data.count, training: true)
        return plan.lastLoss + penalty
    }

    /// Backward's gradient of every parameter against central differences.
    func checkGradient(_ layers: String, loss: LossKind = .mse, file: StaticString = #filePath, line: UInt = #line) throws {
        let (plan, data) = try Self.plan(layers, loss: loss)
        let p = plan.parameters
        _ = try Self.loss(plan, data)
        p.gradients.zero()
        plan.backward(data.count)
        let analytic = p.gradients.array
        let eps: Float = 1e-3
        for i in 0..<p.count {
            let saved = p.values.pointer[i]
            p.values.pointer[i] = saved + eps
            let up = try Self.loss(plan, data)
            p.values.pointer[i] = saved - eps
            let down = try Self.loss(plan, data)
            p.values.pointer[i] = saved
            let numeric = (up - down) / (2 * Double(eps))
            let error = abs(numeric - Double(analytic[i]))
            XCTAssertLessThan(error, 2e-4 + 1e-2 * abs(numeric), "parameter \(i): numeric \(numeric), backward \(analytic[i])",
                              file: file, line: line)
        }
        XCTAssertGreaterThan(analytic.map { abs($0) }.max() ?? 0, 1e-3, "gradient vanished", file: file, line: line)
    }

    func testContractivePenaltyGradientOfTheWholeModel() throws {
        for activation in ["sigmoid", "tanh"] {
            try checkGradient("""
                - dense: {units: 3, activation: \(activation), name: code, penalty: {contractive: 0.5}}
                - dense: {units: 5, activation: sigmoid}
            """)
        }
    }

    func testSparsePenaltySubgradientOfTheWholeModel() throws {
        // Sigmoid codes are positive, so |h| is differentiable at every example.
        try checkGradient("""
            - dense: {units: 3, activation: sigmoid, name: code, penalty: {l1: 0.2}}
            - dense: {units: 5, activation: sigmoid}
        """)
    }

    /// A penalty on the output layer whose sigmoid the loss head fuses with
    /// binary cross-entropy (the head writes d(logits) directly).
    func testPenaltiesOnAFusedSigmoidOutput() throws {
        try checkGradient("""
            - dense: {units: 3, activation: tanh, name: code}
            - dense: {units: 5, activation: sigmoid, penalty: {l1: 0.3, contractive: 0.5}}
        """, loss: .binaryCrossEntropy)
    }

    /// The Ω the forward adds is λ/N Σ_n ‖∂h_n/∂x_n‖²_F, with the Jacobian
    /// diag(h'(1 − h')) W built explicitly here, and it is a sizeable part of
    /// the loss (so the gradient check above sees it).
    func testContractivePenaltyValueIsTheMeanSquaredJacobianNorm() throws {
        let lambda = 0.5
        let (plan, data) = try Self.plan("""
            - dense: {units: 3, activation: sigmoid, name: code, penalty: {contractive: \(lambda)}}
            - dense: {units: 5, activation: sigmoid}
        """)
        let head = try XCTUnwrap(plan.head)
        let indices = Array(0..<data.count)[...]
        plan.loadInputs(data, indices)
        head.loadTargets(data, indices, targetIsInput: true)
        let omega = plan.forward(data.count, training: true)
        let reconstruction = plan.lastLoss
        let w = try XCTUnwrap(plan.parameters.entry(node: 1, role: .weight))
        let weight = plan.parameters.values(of: w)
        let h = plan.values[1].pointer
        var expected = 0.0
        for n in 0..<data.count {
            for j in 0..<3 {
                let hj = Double(h[n * 3 + j])
                for i in 0..<5 {
                    let jacobian = hj * (1 - hj) * Double(weight[j * 5 + i])
                    expected += jacobian * jacobian
                }
            }
        }
        expected *= lambda / Double(data.count)
        XCTAssertEqual(omega, expected, accuracy: 1e-6 * expected)
        XCTAssertGreaterThan(omega, 0.1 * reconstruction)
    }

    /// `EncoderJacobian` on a two-layer encoder behind a noise layer (the
    /// identity in evaluation), against central differences of the code.
    func testEncoderJacobianNormMatchesFiniteDifferences() throws {
        let (plan, data) = try Self.plan("""
            - noise: {mask: 0.5}
            - dense: {units: 4, activation: tanh}
            - dense: {units: 2, activation: sigmoid, name: code}
            - dense: {units: 5}
        """, training: false)
        let layer = try XCTUnwrap(CodeLayer.find(in: plan.graph, perExample: plan.perExample))
        XCTAssertEqual(layer.name, "code")
        let jacobian = try XCTUnwrap(EncoderJacobian(code: layer, graph: plan.graph, parameters: plan.parameters, inputSize: 5))
        for example in 0..<data.count {
            let one = try Dataset(inputs: Self.examples[example], inputShape: [5])
            func code(_ x: [Float]) throws -> [Double] {
                let d = try Dataset(inputs: x, inputShape: [5])
                plan.loadInputs(d, [0])
                plan.forward(1, training: false)
                return (0..<2).map { Double(plan.values[layer.node].pointer[$0]) }
            }
            plan.loadInputs(one, [0])
            plan.forward(1, training: false)
            let norm = jacobian.frobeniusNorm(plan: plan, row: 0)
            var squared = 0.0
            let eps: Float = 1e-2
            for i in 0..<5 {
                var up = Self.examples[example], down = up
                up[i] += eps
                down[i] -= eps
                for (a, b) in zip(try code(up), try code(down)) {
                    let derivative = (a - b) / (2 * Double(eps))
                    squared += derivative * derivative
                }
            }
            XCTAssertEqual(norm, squared.squareRoot(), accuracy: 2e-3 * norm, "example \(example)")
            XCTAssertGreaterThan(norm, 1e-3)
        }
    }

    /// The noise layer corrupts in training only, and the loss's targets stay
    /// the clean inputs.
    func testNoiseCorruptsInTrainingOnlyAndTargetsStayClean() throws {
        let (plan, data) = try Self.plan("""
            - noise: {mask: 0.5}
            - dense: {units: 3, activation: sigmoid, name: code}
            - dense: {units: 5, activation: sigmoid}
        """)
        let count = data.count * 5
        _ = try Self.loss(plan, data)
        let noisy = Array(UnsafeBufferPointer(start: plan.values[1].pointer, count: count))
        let masked = zip(noisy, data.inputs).filter { $0.0 == 0 && $0.1 != 0 }.count
        XCTAssertTrue(zip(noisy, data.inputs).allSatisfy { $0.0 == 0 || $0.0 == $0.1 })
        XCTAssertGreaterThan(masked, 0)
        XCTAssertLessThan(masked, count)
        let head = try XCTUnwrap(plan.head)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: head.targets.pointer, count: count)), data.inputs)
        plan.forward(data.count, training: false)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: plan.values[1].pointer, count: count)), data.inputs)
    }
}
