import XCTest
import NNCKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class ActivationTests: XCTestCase {
    private func forward(_ a: Activation, _ x: [Float], rows: Int, width: Int, reference: Bool = false) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        if reference {
            activationForwardReference(a, output: &y, input: x, rows: rows, width: width)
        } else {
            activationForward(a, output: &y, input: x, rows: rows, width: width)
        }
        return y
    }

    private func backward(_ a: Activation, _ dy: [Float], _ y: [Float], rows: Int, width: Int,
                          reference: Bool = false) -> [Float] {
        var dx = [Float](repeating: .nan, count: y.count)
        if reference {
            activationBackwardReference(a, dInput: &dx, dOutput: dy, output: y, rows: rows, width: width)
        } else {
            activationBackward(a, dInput: &dx, dOutput: dy, output: y, rows: rows, width: width)
        }
        return dx
    }

    /// Sweeps of the vectorized approximations against libm in Double. The
    /// bounds are the documented maxima (Elementwise.swift), measured on a
    /// 4M-point sweep, with a little room for this coarser one.
    func testFastMathErrorBounds() {
        func worstRelativeError(_ lo: Float, _ hi: Float, points: Int,
                                _ fast: (SIMD8<Float>) -> SIMD8<Float>, _ exact: (Double) -> Double) -> Double {
            var worst = 0.0
            for chunk in 0..<(points / 8) {
                var v = SIMD8<Float>()
                for k in 0..<8 { v[k] = lo + (hi - lo) * Float(chunk * 8 + k) / Float(points) }
                let y = fast(v)
                for k in 0..<8 {
                    let e = exact(Double(v[k]))
                    if e != 0 { worst = max(worst, abs(Double(y[k]) - e) / abs(e)) }
                }
            }
            return worst
        }
        XCTAssertLessThan(worstRelativeError(-87, 88, points: 80_000, Vec8.exp, exp), 1.5e-7)
        XCTAssertLessThan(worstRelativeError(-87, 87, points: 80_000, Vec8.sigmoid, { 1 / (1 + exp(-$0)) }), 2.2e-7)
        XCTAssertLessThan(worstRelativeError(-12, 12, points: 80_000, Vec8.tanh, tanh), 1.7e-7)
        XCTAssertLessThan(worstRelativeError(-1e-3, 1e-3, points: 8_000, Vec8.tanh, tanh), 1.7e-7)
        // Saturation: no overflow to NaN/Inf and the right limits.
        let big = Vec8.tanh(SIMD8<Float>(50, -50, 1e30, -1e30, 10, -10, 0, -0.0))
        XCTAssertEqual(big, SIMD8<Float>(1, -1, 1, -1, 1, -1, 0, 0))
        let s = Vec8.sigmoid(SIMD8<Float>(200, -200, 0, 1, -1, 30, -30, 0))
        XCTAssertEqual(s[0], 1)
        XCTAssertLessThan(s[1], 1e-37)
        XCTAssertEqual(s[2], 0.5)
        XCTAssertTrue(Vec8.exp(SIMD8<Float>(repeating: .nan))[0].isNaN)
    }

    /// `Vec16` repeats `Vec8`'s approximations sixteen lanes wide: every lane
    /// gives the same bits, over the whole range and at the special values.
    func testSixteenLaneMathMatchesEightLaneBitForBit() {
        var values: [Float] = [0, -0.0, .nan, .infinity, -.infinity, 88, 89, -87.3, -88, 1e-30, -1e-30, 0.625, -0.625,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude]
        var random = SeededRandom(seed: 16)
        while values.count % 16 != 0 || values.count < 64_000 { values.append((random.uniformFloat() * 2 - 1) * 100) }
        for (name, wide, narrow) in [
            ("exp", Vec16.exp, Vec8.exp), ("sigmoid", Vec16.sigmoid, Vec8.sigmoid), ("tanh", Vec16.tanh, Vec8.tanh),
        ] as [(String, (SIMD16<Float>) -> SIMD16<Float>, (SIMD8<Float>) -> SIMD8<Float>)] {
            for start in stride(from: 0, to: values.count, by: 16) {
                let x = SIMD16<Float>(values[start..<(start + 16)])
                let y = wide(x), lo = narrow(x.lowHalf), hi = narrow(x.highHalf)
                for k in 0..<16 where y[k].bitPattern != (k < 8 ? lo[k] : hi[k - 8]).bitPattern {
                    XCTFail("\(name)(\(x[k])): \(y[k]) (16 lanes) vs \(k < 8 ? lo[k] : hi[k - 8]) (8 lanes)")
                    return
                }
            }
        }
    }

    func testForwardMatchesReferenceAndExactValues() {
        var random = SeededRandom(seed: 1)
        let rows = 5, width = 13          // 65 elements: eight full vectors and a tail
        let x = randomArray(rows * width, &random, scale: 6)
        for a in Activation.allCases {
            let fast = forward(a, x, rows: rows, width: width)
            let reference = forward(a, x, rows: rows, width: width, reference: true)
            let exact = exactActivation(a, x.map(Double.init), width: width)
            assertClose(fast, exact, atol: 1e-7, rtol: 3e-7, "\(a) fast vs exact")
            assertClose(reference, exact, atol: 0, rtol: 1e-7, "\(a) reference vs exact")
        }
    }

    func testInPlaceForwardEqualsOutOfPlace() {
        var random = SeededRandom(seed: 2)
        let x = randomArray(3 * 11, &random, scale: 3)
        for a in Activation.allCases {
            var y = x
            y.withUnsafeMutableBufferPointer { p in
                guard let base = p.baseAddress else { return }
                activationForward(a, output: base, input: base, rows: 3, width: 11)
            }
            XCTAssertEqual(y, forward(a, x, rows: 3, width: 11), "\(a)")
        }
    }

    func testBackwardMatchesFiniteDifferencesAndReference() {
        var random = SeededRandom(seed: 3)
        let rows = 3, width = 10
        // Inputs away from relu's kink at 0.
        let x = randomArray(rows * width, &random, scale: 3).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let r = randomArray(rows * width, &random)
        for a in Activation.allCases where a.isDifferentiable {
            let y = forward(a, x, rows: rows, width: width)
            let dx = backward(a, r, y, rows: rows, width: width)
            let dxReference = backward(a, r, y, rows: rows, width: width, reference: true)
            // d/dx_i of L = Σ r ⊙ f(x), in Double.
            var xd = x.map(Double.init)
            let numeric = (0..<xd.count).map { i in
                centralDifference(&xd, i, step: 1e-5) { v in dot(exactActivation(a, v, width: width), r) }
            }
            assertClose(dx, numeric, atol: 1e-6, rtol: 1e-5, "\(a) fast backward vs finite differences")
            assertClose(dxReference, numeric, atol: 1e-6, rtol: 1e-5, "\(a) reference backward vs finite differences")
        }
    }

    func testSoftmaxIsStableAndShiftInvariant() {
        let x: [Float] = [1000, 1001, 1002, -1000, -999, -998]
        let y = forward(.softmax, x, rows: 2, width: 3)
        let exact = exactActivation(.softmax, [0, 1, 2], width: 3)
        assertClose(Array(y[0..<3]), exact, atol: 0, rtol: 3e-7, "shifted up")
        assertClose(Array(y[3..<6]), exact, atol: 0, rtol: 3e-7, "shifted down")
        XCTAssertEqual(Double(y[0..<3].reduce(0, +)), 1, accuracy: 1e-6)
    }

    func testStepAndSignConventionsAndZeroGradient() {
        let x: [Float] = [-2, -0.0, 0, 3]
        XCTAssertEqual(forward(.step, x, rows: 1, width: 4), [0, 1, 1, 1])
        XCTAssertEqual(forward(.sign, x, rows: 1, width: 4), [-1, 1, 1, 1])
        for a in [Activation.step, .sign] {
            XCTAssertFalse(a.isDifferentiable)
            XCTAssertEqual(backward(a, [1, 1, 1, 1], forward(a, x, rows: 1, width: 4), rows: 1, width: 4), [0, 0, 0, 0])
        }
        XCTAssertEqual(backward(.relu, [5, 5], forward(.relu, [0, 2], rows: 1, width: 2), rows: 1, width: 2), [0, 5])
    }

    func testSpecNamesAndLogisticAlias() {
        XCTAssertEqual(Activation(name: "logistic"), .sigmoid)
        XCTAssertEqual(Activation(name: "sigmoid"), .sigmoid)
        XCTAssertEqual(Activation(name: "arctan"), .arctan)
        XCTAssertNil(Activation(name: "gelu"))
        XCTAssertEqual(Activation.allCases.count, 8)
        XCTAssertFalse(Activation.softmax.isElementwise)
        XCTAssertTrue(Activation.tanh.isElementwise)
    }
}
