import Foundation
import XCTest
import NNCKernels

final class Conv2DTests: XCTestCase {
    /// Geometries covering stride 1/2, padding 0/1/2, rectangular kernels and
    /// strides, several channels, a 1×1 kernel, and a kernel as large as the
    /// padded input.
    private let geometries: [Conv2DGeometry] = [
        Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 7, inWidth: 6, outChannels: 4,
                       kernelHeight: 3, kernelWidth: 3, padH: 1, padW: 1),
        Conv2DGeometry(batch: 3, inChannels: 2, inHeight: 9, inWidth: 8, outChannels: 5,
                       kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 2, padH: 2, padW: 0),
        Conv2DGeometry(batch: 2, inChannels: 1, inHeight: 10, inWidth: 11, outChannels: 6,
                       kernelHeight: 5, kernelWidth: 5, padH: 2, padW: 2),
        Conv2DGeometry(batch: 2, inChannels: 4, inHeight: 6, inWidth: 5, outChannels: 3,
                       kernelHeight: 2, kernelWidth: 4, strideH: 1, strideW: 2, padH: 0, padW: 1),
        Conv2DGeometry(batch: 3, inChannels: 5, inHeight: 4, inWidth: 6, outChannels: 7,
                       kernelHeight: 1, kernelWidth: 1),
        Conv2DGeometry(batch: 1, inChannels: 2, inHeight: 3, inWidth: 4, outChannels: 2,
                       kernelHeight: 5, kernelWidth: 4, padH: 1, padW: 0),
    ]

    /// Large enough per image (32·1024·72 ≥ the GEMM threading threshold) that
    /// two threads split each GEMM rather than the batch.
    private let largeGeometry = Conv2DGeometry(batch: 2, inChannels: 8, inHeight: 32, inWidth: 32, outChannels: 32,
                                               kernelHeight: 3, kernelWidth: 3, padH: 1, padW: 1)

    private struct Problem {
        let input: [Float], weight: [Float], bias: [Float], dOutput: [Float]
        init(_ g: Conv2DGeometry, seed: UInt64) {
            input = randomFloats(g.inputCount, seed: seed)
            weight = randomFloats(g.weightCount, seed: seed + 1)
            bias = randomFloats(g.outChannels, seed: seed + 2)
            dOutput = randomFloats(g.outputCount, seed: seed + 3)
        }
    }

    private func forward(_ g: Conv2DGeometry, _ p: Problem, bias: Bool, pool: ThreadPool?) -> [Float] {
        var output = [Float](repeating: .nan, count: g.outputCount)
        var workspace = [Float](repeating: 0, count: conv2dWorkspaceSize(geometry: g, threads: pool?.threadCount ?? 1))
        p.bias.withUnsafeBufferPointer { biasBuffer in
            workspace.withUnsafeMutableBufferPointer { ws in
                conv2dForward(output: &output, input: p.input, weight: p.weight,
                              bias: bias ? biasBuffer.baseAddress : nil, geometry: g, workspace: ws, pool: pool)
            }
        }
        return output
    }

    private struct Gradients: Equatable { var dInput: [Float], dWeight: [Float], dBias: [Float] }

    /// Runs the fast backward with dWeight/dBias pre-filled with `prior` (to
    /// check they accumulate) and dInput pre-filled with NaN (to check it is
    /// assigned).
    private func backward(_ g: Conv2DGeometry, _ p: Problem, prior: Float, pool: ThreadPool?) -> Gradients {
        var grads = Gradients(dInput: [Float](repeating: .nan, count: g.inputCount),
                              dWeight: [Float](repeating: prior, count: g.weightCount),
                              dBias: [Float](repeating: prior, count: g.outChannels))
        var workspace = [Float](repeating: 0, count: conv2dWorkspaceSize(geometry: g, threads: pool?.threadCount ?? 1))
        workspace.withUnsafeMutableBufferPointer { ws in
            conv2dBackward(dInput: &grads.dInput, dWeight: &grads.dWeight, dBias: &grads.dBias,
                           dOutput: p.dOutput, input: p.input, weight: p.weight, geometry: g, workspace: ws, pool: pool)
        }
        return grads
    }

    private func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-4,
                             _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= tolerance * (1 + abs(e))) {
            XCTFail("\(message): element \(i) is \(a), expected \(e)", file: file, line: line)
            return
        }
    }

    func testGeometryOutputSizes() {
        let g = Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 9, inWidth: 8, outChannels: 1,
                               kernelHeight: 3, kernelWidth: 2, strideH: 2, strideW: 3, padH: 2, padW: 0)
        XCTAssertEqual(g.outHeight, 6)   // (9 + 4 - 3) / 2 + 1
        XCTAssertEqual(g.outWidth, 3)    // (8 - 2) / 3 + 1
        XCTAssertTrue(g.isValid)
        var tooBig = g
        tooBig.kernelWidth = 9
        XCTAssertFalse(tooBig.isValid)
    }

    func testForwardMatchesReference() {
        let pool = ThreadPool(threads: 2)
        for (index, g) in (geometries + [largeGeometry]).enumerated() {
            let p = Problem(g, seed: UInt64(10 * index + 1))
            for withBias in [true, false] {
                var expected = [Float](repeating: 0, count: g.outputCount)
                p.bias.withUnsafeBufferPointer { biasBuffer in
                    conv2dForwardReference(output: &expected, input: p.input, weight: p.weight,
                                           bias: withBias ? biasBuffer.baseAddress : nil, geometry: g)
                }
                for threads in [nil, pool] {
                    assertClose(forward(g, p, bias: withBias, pool: threads), expected,
                                "geometry \(index) bias \(withBias) threads \(threads?.threadCount ?? 1)")
                }
            }
        }
    }

    func testBackwardMatchesReferenceAndAccumulates() {
        let pool = ThreadPool(threads: 2)
        for (index, g) in (geometries + [largeGeometry]).enumerated() {
            let p = Problem(g, seed: UInt64(10 * index + 5))
            var expected = Gradients(dInput: [Float](repeating: .nan, count: g.inputCount),
                                     dWeight: [Float](repeating: 0.5, count: g.weightCount),
                                     dBias: [Float](repeating: 0.5, count: g.outChannels))
            conv2dBackwardReference(dInput: &expected.dInput, dWeight: &expected.dWeight, dBias: &expected.dBias,
                                    dOutput: p.dOutput, input: p.input, weight: p.weight, geometry: g)
            for threads in [nil, pool] {
                let grads = backward(g, p, prior: 0.5, pool: threads)
                let label = "geometry \(index) threads \(threads?.threadCount ?? 1)"
                assertClose(grads.dInput, expected.dInput, "dInput, \(label)")
                assertClose(grads.dWeight, expected.dWeight, "dWeight, \(label)")
                assertClose(grads.dBias, expected.dBias, "dBias, \(label)")
            }
        }
    }

    /// The loss L = Σ output · dOutput, computed in Double; its central
    /// differences must match both backward implementations.
    func testBackwardMatchesFiniteDifferences() {
        let pool = ThreadPool(threads: 2)
        for (index, g) in geometries.enumerated() {
            let p = Problem(g, seed: UInt64(10 * index + 7))
            let x = p.input.map(Double.init), w = p.weight.map(Double.init), bias = p.bias.map(Double.init)
            let h = 1e-3
            func numeric(_ values: [Double], _ loss: ([Double]) -> Double) -> [Float] {
                var v = values
                return (0..<values.count).map { i in
                    v[i] = values[i] + h
                    let up = loss(v)
                    v[i] = values[i] - h
                    let down = loss(v)
                    v[i] = values[i]
                    return Float((up - down) / (2 * h))
                }
            }
            let dX = numeric(x) { lossInDouble(g, input: $0, weight: w, bias: bias, dOutput: p.dOutput) }
            let dW = numeric(w) { lossInDouble(g, input: x, weight: $0, bias: bias, dOutput: p.dOutput) }
            let dB = numeric(bias) { lossInDouble(g, input: x, weight: w, bias: $0, dOutput: p.dOutput) }

            var reference = Gradients(dInput: [Float](repeating: 0, count: g.inputCount),
                                      dWeight: [Float](repeating: 0, count: g.weightCount),
                                      dBias: [Float](repeating: 0, count: g.outChannels))
            conv2dBackwardReference(dInput: &reference.dInput, dWeight: &reference.dWeight, dBias: &reference.dBias,
                                    dOutput: p.dOutput, input: p.input, weight: p.weight, geometry: g)
            for (name, grads) in [("fast", backward(g, p, prior: 0, pool: pool)), ("reference", reference)] {
                assertClose(grads.dInput, dX, tolerance: 1e-3, "\(name) dInput, geometry \(index)")
                assertClose(grads.dWeight, dW, tolerance: 1e-3, "\(name) dWeight, geometry \(index)")
                assertClose(grads.dBias, dB, tolerance: 1e-3, "\(name) dBias, geometry \(index)")
            }
        }
    }

    /// No dInput (first layer): weights and bias gradients are still computed.
    func testBackwardWithoutInputGradient() {
        let g = geometries[1]
        let p = Problem(g, seed: 99)
        let full = backward(g, p, prior: 0, pool: nil)
        var dWeight = [Float](repeating: 0, count: g.weightCount)
        var workspace = [Float](repeating: 0, count: conv2dWorkspaceSize(geometry: g, threads: 1))
        workspace.withUnsafeMutableBufferPointer { ws in
            conv2dBackward(dInput: nil, dWeight: &dWeight, dBias: nil, dOutput: p.dOutput, input: p.input,
                           weight: p.weight, geometry: g, workspace: ws, pool: nil)
        }
        XCTAssertEqual(dWeight, full.dWeight)
    }

    /// A thread count gives the same bits on every run.
    func testDeterministicForAThreadCount() {
        let pool = ThreadPool(threads: 2)
        let g = geometries[2]
        let p = Problem(g, seed: 42)
        XCTAssertEqual(forward(g, p, bias: true, pool: pool), forward(g, p, bias: true, pool: pool))
        XCTAssertEqual(backward(g, p, prior: 0, pool: pool), backward(g, p, prior: 0, pool: pool))
    }
}

/// Σ conv(input, weight, bias) · dOutput, all in Double.
private func lossInDouble(_ g: Conv2DGeometry, input: [Double], weight: [Double], bias: [Double],
                          dOutput: [Float]) -> Double {
    let outH = g.outHeight, outW = g.outWidth
    var loss = 0.0
    for b in 0..<g.batch {
        for o in 0..<g.outChannels {
            for oh in 0..<outH {
                for ow in 0..<outW {
                    var sum = bias[o]
                    for c in 0..<g.inChannels {
                        for kh in 0..<g.kernelHeight {
                            let ih = oh * g.strideH - g.padH + kh
                            if ih < 0 || ih >= g.inHeight { continue }
                            for kw in 0..<g.kernelWidth {
                                let iw = ow * g.strideW - g.padW + kw
                                if iw < 0 || iw >= g.inWidth { continue }
                                sum += input[((b * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw]
                                    * weight[((o * g.inChannels + c) * g.kernelHeight + kh) * g.kernelWidth + kw]
                            }
                        }
                    }
                    loss += sum * Double(dOutput[((b * g.outChannels + o) * outH + oh) * outW + ow])
                }
            }
        }
    }
    return loss
}

/// Conv timings, skipped unless NNC_BENCH=1:
///   NNC_BENCH=1 swift test -c release --filter Conv2DBenchmarkTests
final class Conv2DBenchmarkTests: XCTestCase {
    func testReportTimes() throws {
        guard ProcessInfo.processInfo.environment["NNC_BENCH"] == "1" else { throw XCTSkip("set NNC_BENCH=1 to run") }
        let shapes = [
            ("LeNet conv1", Conv2DGeometry(batch: 64, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 6,
                                           kernelHeight: 5, kernelWidth: 5, padH: 2, padW: 2)),
            ("LeNet conv2", Conv2DGeometry(batch: 64, inChannels: 6, inHeight: 14, inWidth: 14, outChannels: 16,
                                           kernelHeight: 5, kernelWidth: 5)),
            ("CIFAR 3x3 32ch", Conv2DGeometry(batch: 64, inChannels: 32, inHeight: 16, inWidth: 16, outChannels: 32,
                                              kernelHeight: 3, kernelWidth: 3, padH: 1, padW: 1)),
        ]
        for (name, g) in shapes {
            for threads in [1, 2] {
                let t = conv2dBenchmark(geometry: g, threads: threads)
                let flops = 2.0 * Double(g.batch * g.outChannels * g.outPlane * g.patchSize)
                print(String(format: "conv %@ threads=%d  forward %.3f ms (%.1f GFLOP/s)  backward %.3f ms (%.1f GFLOP/s)",
                             name, threads, t.forward * 1e3, flops / t.forward / 1e9,
                             t.backward * 1e3, 2 * flops / t.backward / 1e9))
                XCTAssertGreaterThan(t.forward, 0)
            }
        }
    }
}
