import XCTest
import NNCKernels

final class DenseTests: XCTestCase {
    private let batch = 5, inputSize = 7, outputSize = 13

    private struct Layer {
        var x: [Float], w: [Float], b: [Float]
    }

    private func layer(seed: UInt64) -> Layer {
        var random = SeededRandom(seed: seed)
        return Layer(x: randomArray(batch * inputSize, &random, scale: 1.5),
                     w: randomArray(outputSize * inputSize, &random, scale: 0.6),
                     b: randomArray(outputSize, &random, scale: 0.5))
    }

    /// y = act(x·Wᵀ + b) in Double, from the definition.
    private func exactForward(_ a: Activation, x: [Double], w: [Double], b: [Double]) -> [Double] {
        var z = [Double](repeating: 0, count: batch * outputSize)
        for n in 0..<batch {
            for j in 0..<outputSize {
                var s = b[j]
                for i in 0..<inputSize { s += x[n * inputSize + i] * w[j * inputSize + i] }
                z[n * outputSize + j] = s
            }
        }
        return exactActivation(a, z, width: outputSize)
    }

    func testFusedForwardEqualsUnfusedReference() {
        let l = layer(seed: 20)
        for a in Activation.allCases {
            for withBias in [true, false] {
                var fused = [Float](repeating: .nan, count: batch * outputSize), unfused = fused
                denseForward(output: &fused, input: l.x, weight: l.w, bias: withBias ? l.b : nil,
                             batch: batch, inputSize: inputSize, outputSize: outputSize, activation: a)
                denseForwardReference(output: &unfused, input: l.x, weight: l.w, bias: withBias ? l.b : nil,
                                      batch: batch, inputSize: inputSize, outputSize: outputSize, activation: a)
                if a == .step || a == .sign {
                    // Discontinuous: compare away from the threshold only.
                    var pre = [Float](repeating: 0, count: batch * outputSize)
                    denseForwardReference(output: &pre, input: l.x, weight: l.w, bias: withBias ? l.b : nil,
                                          batch: batch, inputSize: inputSize, outputSize: outputSize, activation: .linear)
                    for i in pre.indices where abs(pre[i]) > 1e-5 { XCTAssertEqual(fused[i], unfused[i], "\(a)") }
                } else {
                    assertClose(fused, unfused, atol: 2e-6, rtol: 2e-6, "\(a) bias \(withBias)")
                }
            }
        }
    }

    /// With units as rows (`DenseTransposition`: yᵀ = W·xᵀ and dXᵀ = Wᵀ·dZᵀ
    /// through the scratch), the forward, the input gradient and the folded SGD
    /// step give the bits of the direct products: every activation (softmax after
    /// the copy back), with and without bias, one thread and two; and the rule
    /// declines a layer with a side smaller than the batch.
    func testUnitsAsRowsSameBitsAsDirectProducts() {
        let (rows, inputs, outputs) = (64, 100, 150)
        XCTAssertTrue(DenseTransposition(batch: rows, inputSize: inputs, outputSize: outputs).unitsAsRows)
        XCTAssertFalse(DenseTransposition(batch: rows, inputSize: 32, outputSize: outputs).unitsAsRows)
        XCTAssertFalse(DenseTransposition(batch: 16, inputSize: inputs, outputSize: outputs).unitsAsRows)
        let count = DenseTransposition(batch: rows, inputSize: inputs, outputSize: outputs).scratchCount
        XCTAssertEqual(count, rows * outputs)
        var random = SeededRandom(seed: 77)
        let x = randomArray(rows * inputs, &random, scale: 1.5), w = randomArray(outputs * inputs, &random, scale: 0.3)
        let b = randomArray(outputs, &random, scale: 0.5), dz = randomArray(rows * outputs, &random, scale: 1)
        var scratch = [Float](repeating: .nan, count: count)
        for pool in [nil, ThreadPool(threads: 2)] {
            for a in Activation.allCases {
                for withBias in [true, false] {
                    var direct = [Float](repeating: .nan, count: rows * outputs), transposed = direct
                    denseForward(output: &direct, input: x, weight: w, bias: withBias ? b : nil, batch: rows,
                                 inputSize: inputs, outputSize: outputs, activation: a, pool: pool)
                    denseForward(output: &transposed, input: x, weight: w, bias: withBias ? b : nil, batch: rows,
                                 inputSize: inputs, outputSize: outputs, activation: a, transposeScratch: &scratch, pool: pool)
                    XCTAssertEqual(transposed.map(\.bitPattern), direct.map(\.bitPattern), "\(a) bias \(withBias)")
                }
            }
            var dw = [Float](repeating: 0, count: w.count), dwT = dw
            var dx = [Float](repeating: .nan, count: x.count), dxT = dx
            denseBackwardLinear(dInput: &dx, dWeight: &dw, dBias: nil, dPreactivation: dz, input: x, weight: w,
                                batch: rows, inputSize: inputs, outputSize: outputs, pool: pool)
            denseBackwardLinear(dInput: &dxT, dWeight: &dwT, dBias: nil, dPreactivation: dz, input: x, weight: w,
                                batch: rows, inputSize: inputs, outputSize: outputs, transposeScratch: &scratch, pool: pool)
            XCTAssertEqual(dxT.map(\.bitPattern), dx.map(\.bitPattern))
            XCTAssertEqual(dwT.map(\.bitPattern), dw.map(\.bitPattern))
            var wS = w, wST = w, dxS = [Float](repeating: .nan, count: x.count), dxST = dxS
            denseBackwardSGD(dInput: &dxS, weight: &wS, bias: nil, biasScratch: nil, dPreactivation: dz, input: x,
                             batch: rows, inputSize: inputs, outputSize: outputs, learningRate: 0.1, pool: pool)
            denseBackwardSGD(dInput: &dxST, weight: &wST, bias: nil, biasScratch: nil, dPreactivation: dz, input: x,
                             batch: rows, inputSize: inputs, outputSize: outputs, learningRate: 0.1,
                             transposeScratch: &scratch, pool: pool)
            XCTAssertEqual(dxST.map(\.bitPattern), dxS.map(\.bitPattern))
            XCTAssertEqual(wST.map(\.bitPattern), wS.map(\.bitPattern))
            XCTAssertEqual(dxS.map(\.bitPattern), dx.map(\.bitPattern))
        }
    }

    func testFusedBiasActivationPassEqualsSeparatePasses() {
        var random = SeededRandom(seed: 21)
        let rows = 3, width = 19
        let z = randomArray(rows * width, &random, scale: 3), b = randomArray(width, &random)
        for a in Activation.allCases {
            var fused = z, separate = z
            biasActivationForward(a, output: &fused, bias: b, rows: rows, width: width)
            biasAdd(output: &separate, bias: b, rows: rows, width: width)
            let added = separate
            activationForward(a, output: &separate, input: added, rows: rows, width: width)
            XCTAssertEqual(fused, separate, "\(a): the fused pass does the same float operations")
        }
    }

    func testBackwardMatchesFiniteDifferencesAndAccumulates() {
        let l = layer(seed: 22)
        var random = SeededRandom(seed: 23)
        let r = randomArray(batch * outputSize, &random)       // L = ⟨y, r⟩, so dL/dy = r
        for a in [Activation.linear, .relu, .sigmoid, .tanh, .arctan, .softmax] {
            var y = [Float](repeating: 0, count: batch * outputSize)
            denseForward(output: &y, input: l.x, weight: l.w, bias: l.b,
                         batch: batch, inputSize: inputSize, outputSize: outputSize, activation: a)
            // Parameter gradients accumulate: start them at 1.
            var dx = [Float](repeating: .nan, count: batch * inputSize)
            var dw = [Float](repeating: 1, count: outputSize * inputSize)
            var db = [Float](repeating: 1, count: outputSize)
            var dz = [Float](repeating: .nan, count: batch * outputSize)
            denseBackward(dInput: &dx, dWeight: &dw, dBias: &db, dPreactivation: &dz, dOutput: r, output: y,
                          input: l.x, weight: l.w, batch: batch, inputSize: inputSize, outputSize: outputSize,
                          activation: a)

            let x = l.x.map(Double.init), w = l.w.map(Double.init), b = l.b.map(Double.init)
            func numeric(_ values: [Double], _ loss: ([Double]) -> Double) -> [Double] {
                var v = values
                return (0..<v.count).map { centralDifference(&v, $0, step: 1e-6, loss) }
            }
            let nx = numeric(x) { dot(exactForward(a, x: $0, w: w, b: b), r) }
            let nw = numeric(w) { dot(exactForward(a, x: x, w: $0, b: b), r) }
            let nb = numeric(b) { dot(exactForward(a, x: x, w: w, b: $0), r) }
            assertClose(dx, nx, atol: 2e-6, rtol: 1e-4, "\(a) dx")
            assertClose(dw.map { $0 - 1 }, nw, atol: 2e-6, rtol: 1e-4, "\(a) dW")
            assertClose(db.map { $0 - 1 }, nb, atol: 2e-6, rtol: 1e-4, "\(a) db")

            // The unfused reference backward agrees.
            var rdx = dx, rdw = [Float](repeating: 1, count: dw.count), rdb = [Float](repeating: 1, count: db.count)
            var rdz = dz
            denseBackwardReference(dInput: &rdx, dWeight: &rdw, dBias: &rdb, dPreactivation: &rdz, dOutput: r,
                                   output: y, input: l.x, weight: l.w, batch: batch, inputSize: inputSize,
                                   outputSize: outputSize, activation: a)
            assertClose(dx, rdx, atol: 1e-6, rtol: 1e-5, "\(a) dx vs reference")
            assertClose(dw, rdw, atol: 1e-6, rtol: 1e-5, "\(a) dW vs reference")
            assertClose(db, rdb, atol: 1e-6, rtol: 1e-5, "\(a) db vs reference")
        }
    }

    func testBackwardWithoutInputGradientOrBias() {
        let l = layer(seed: 24)
        var y = [Float](repeating: 0, count: batch * outputSize)
        denseForward(output: &y, input: l.x, weight: l.w, bias: nil,
                     batch: batch, inputSize: inputSize, outputSize: outputSize, activation: .tanh)
        var random = SeededRandom(seed: 25)
        let r = randomArray(batch * outputSize, &random)
        var dw = [Float](repeating: 0, count: outputSize * inputSize), dwFull = dw
        var dz = [Float](repeating: 0, count: batch * outputSize), dx = [Float](repeating: 0, count: batch * inputSize)
        var db = [Float](repeating: 0, count: outputSize)
        denseBackward(dInput: nil, dWeight: &dw, dBias: nil, dPreactivation: &dz, dOutput: r, output: y,
                      input: l.x, weight: l.w, batch: batch, inputSize: inputSize, outputSize: outputSize, activation: .tanh)
        denseBackward(dInput: &dx, dWeight: &dwFull, dBias: &db, dPreactivation: &dz, dOutput: r, output: y,
                      input: l.x, weight: l.w, batch: batch, inputSize: inputSize, outputSize: outputSize, activation: .tanh)
        XCTAssertEqual(dw, dwFull)
        XCTAssertTrue(dw.contains { $0 != 0 })
    }

    /// The SGD step folded into backward: dInput from W before the step (the same
    /// bits as `denseBackwardLinear`), b with the bits of db then `sgdUpdate`, W
    /// within reassociation of W − lr·dW; with and without bias and dInput, on a
    /// batch of one (a rank-1 update) and a product split over two threads.
    func testBackwardSGDEqualsGradientThenUpdate() {
        let lr: Float = 0.05
        for (rows, inputs, outputs, threads) in [(batch, inputSize, outputSize, 1), (1, 40, 24, 1), (96, 130, 200, 2)] {
            var random = SeededRandom(seed: UInt64(rows * 31 + inputs))
            let x = randomArray(rows * inputs, &random, scale: 1.5)
            let w = randomArray(outputs * inputs, &random, scale: 0.6)
            let b = randomArray(outputs, &random, scale: 0.5)
            let dz = randomArray(rows * outputs, &random, scale: 1)
            let pool = threads > 1 ? ThreadPool(threads: threads) : nil
            for withBias in [true, false] {
                for withInput in [true, false] {
                    var dw = [Float](repeating: 0, count: w.count), db = [Float](repeating: 0, count: b.count)
                    var dxExpected = [Float](repeating: .nan, count: x.count)
                    dxExpected.withUnsafeMutableBufferPointer { dxp in
                        db.withUnsafeMutableBufferPointer { dbp in
                            denseBackwardLinear(dInput: withInput ? dxp.baseAddress : nil, dWeight: &dw,
                                                dBias: withBias ? dbp.baseAddress : nil, dPreactivation: dz, input: x,
                                                weight: w, batch: rows, inputSize: inputs, outputSize: outputs)
                        }
                    }
                    var wExpected = w, bExpected = b
                    sgdUpdate(parameters: &wExpected, velocity: nil, gradients: dw, count: w.count, learningRate: lr,
                              momentum: 0, nesterov: false)
                    sgdUpdate(parameters: &bExpected, velocity: nil, gradients: db, count: b.count, learningRate: lr,
                              momentum: 0, nesterov: false)

                    var wFolded = w, bFolded = b, scratch = [Float](repeating: .nan, count: outputs)
                    var dx = [Float](repeating: .nan, count: x.count)
                    dx.withUnsafeMutableBufferPointer { dxp in
                        bFolded.withUnsafeMutableBufferPointer { bp in
                            scratch.withUnsafeMutableBufferPointer { sp in
                                denseBackwardSGD(dInput: withInput ? dxp.baseAddress : nil, weight: &wFolded,
                                                 bias: withBias ? bp.baseAddress : nil,
                                                 biasScratch: withBias ? sp.baseAddress : nil, dPreactivation: dz,
                                                 input: x, batch: rows, inputSize: inputs, outputSize: outputs,
                                                 learningRate: lr, pool: pool)
                            }
                        }
                    }
                    let label = "rows \(rows) bias \(withBias) dInput \(withInput)"
                    if withInput { XCTAssertEqual(dx.map(\.bitPattern), dxExpected.map(\.bitPattern), label) }
                    XCTAssertEqual(bFolded.map(\.bitPattern), (withBias ? bExpected : b).map(\.bitPattern), label)
                    // |lr·dW| ≤ lr·rows·1.5 per element: a few float ulps of that bound.
                    let tolerance = 4 * Float.ulpOfOne * (lr * Float(rows) * 1.5 + 1)
                    let worst = zip(wFolded, wExpected).map { abs($0 - $1) }.max() ?? .infinity
                    XCTAssertLessThanOrEqual(worst, tolerance, label)
                    XCTAssertNotEqual(wFolded, w, "the step changed W")
                }
            }
        }
    }
}
