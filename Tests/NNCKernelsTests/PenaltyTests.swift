import XCTest
import NNCKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class PenaltyTests: XCTestCase {
    private let values: [Float] = [-2, 0, 3, 0.5, -0.25, 1, 0, -1, 4, -3, 2]   // a full vector and a tail

    func testL1ValueAndSubgradient() {
        XCTAssertEqual(l1Penalty(values: values, count: values.count, lambda: 0.5), 0.5 * 16.75, accuracy: 1e-9)
        var d = [Float](repeating: 1, count: values.count)       // accumulates onto the loss gradient
        l1PenaltyBackward(dValues: &d, values: values, count: values.count, lambda: 0.5)
        XCTAssertEqual(d, values.map { $0 > 0 ? 1.5 : ($0 < 0 ? 0.5 : 1) })
    }

    func testL2ValueAndGradientWithoutAHalf() {
        let sumOfSquares = values.reduce(0.0) { $0 + Double($1) * Double($1) }
        XCTAssertEqual(l2Penalty(values: values, count: values.count, lambda: 0.1), 0.1 * sumOfSquares, accuracy: 1e-6)
        var d = [Float](repeating: 1, count: values.count)
        l2PenaltyBackward(dValues: &d, values: values, count: values.count, lambda: 0.1)
        assertClose(d, values.map { 1 + 0.2 * Double($0) }, atol: 1e-7, rtol: 1e-6, "1 + 2λv")
    }

    /// Ω = λ Σ_n ‖J_n‖²_F from the explicit Jacobian J_n = diag(σ'(a_n)) W,
    /// a_n = W x_n + b, all in Double: the oracle for the closed form.
    private func contractiveByDefinition(_ a: Activation, x: [Double], w: [Double], b: [Double],
                                         batch: Int, inputs: Int, hidden: Int, lambda: Double) -> Double {
        var total = 0.0
        for n in 0..<batch {
            for j in 0..<hidden {
                var pre = b[j]
                for i in 0..<inputs { pre += w[j * inputs + i] * x[n * inputs + i] }
                let derivative: Double
                if a == .sigmoid {
                    let s = 1 / (1 + exp(-pre))
                    derivative = s * (1 - s)
                } else {
                    derivative = 1 - tanh(pre) * tanh(pre)
                }
                for i in 0..<inputs {
                    let jacobian = derivative * w[j * inputs + i]
                    total += jacobian * jacobian
                }
            }
        }
        return lambda * total
    }

    func testContractivePenaltyMatchesTheJacobianAndItsGradientsMatchFiniteDifferences() {
        let batch = 3, inputs = 5, hidden = 10
        var random = SeededRandom(seed: 50)
        let x = randomArray(batch * inputs, &random, scale: 1.5)
        let w = randomArray(hidden * inputs, &random, scale: 0.8)
        let b = randomArray(hidden, &random, scale: 0.5)
        let lambda: Float = 0.3
        for a in [Activation.sigmoid, .tanh] {
            var h = [Float](repeating: 0, count: batch * hidden)
            denseForward(output: &h, input: x, weight: w, bias: b, batch: batch, inputSize: inputs,
                         outputSize: hidden, activation: a)
            var norms = [Float](repeating: .nan, count: hidden)
            let omega = contractivePenalty(rowNormsSquared: &norms, hidden: h, weight: w, batch: batch,
                                           inputSize: inputs, hiddenSize: hidden, activation: a, lambda: lambda)
            let xd = x.map(Double.init), wd = w.map(Double.init), bd = b.map(Double.init)
            let exact = contractiveByDefinition(a, x: xd, w: wd, b: bd, batch: batch, inputs: inputs,
                                                hidden: hidden, lambda: Double(lambda))
            XCTAssertEqual(omega, exact, accuracy: 1e-5 * exact, "\(a) Ω")

            // Gradients: the direct term and δ into dZ, then the dense layer's linear backward.
            var dz = [Float](repeating: 0, count: batch * hidden)
            var dw = [Float](repeating: 0, count: hidden * inputs), db = [Float](repeating: 0, count: hidden)
            var dx = [Float](repeating: .nan, count: batch * inputs), scratch = [Float](repeating: 0, count: hidden)
            contractivePenaltyBackward(dPreactivation: &dz, dWeight: &dw, workspace: &scratch, rowNormsSquared: norms,
                                       hidden: h, weight: w, batch: batch, inputSize: inputs, hiddenSize: hidden,
                                       activation: a, lambda: lambda)
            denseBackwardLinear(dInput: &dx, dWeight: &dw, dBias: &db, dPreactivation: dz, input: x, weight: w,
                                batch: batch, inputSize: inputs, outputSize: hidden)

            func numeric(_ v: [Double], _ loss: ([Double]) -> Double) -> [Double] {
                var values = v
                return (0..<v.count).map { centralDifference(&values, $0, step: 1e-6, loss) }
            }
            let l = Double(lambda)
            let nw = numeric(wd) { contractiveByDefinition(a, x: xd, w: $0, b: bd, batch: batch, inputs: inputs, hidden: hidden, lambda: l) }
            let nb = numeric(bd) { contractiveByDefinition(a, x: xd, w: wd, b: $0, batch: batch, inputs: inputs, hidden: hidden, lambda: l) }
            let nx = numeric(xd) { contractiveByDefinition(a, x: $0, w: wd, b: bd, batch: batch, inputs: inputs, hidden: hidden, lambda: l) }
            assertClose(dw, nw, atol: 1e-6, rtol: 1e-4, "\(a) dW")
            assertClose(db, nb, atol: 1e-6, rtol: 1e-4, "\(a) db")
            assertClose(dx, nx, atol: 1e-6, rtol: 1e-4, "\(a) dx")
        }
    }
}
