import XCTest
import NNCKernels

/// Runs `body` with a pointer to the lengths, or nil.
func withLengths<R>(_ lengths: [Int32]?, _ body: (UnsafePointer<Int32>?) -> R) -> R {
    guard let lengths else { return body(nil) }
    return lengths.withUnsafeBufferPointer { body($0.baseAddress) }
}

final class RecurrentTests: XCTestCase {
    struct Case {
        var name: String
        var shape: RNNShape
        var lengths: [Int32]?
        var truncation: Int
    }

    /// Every option of the layer, alone and combined, with widths that leave SIMD tails.
    private let cases: [Case] = [
        Case(name: "elman", shape: RNNShape(batch: 3, steps: 6, inputSize: 4, hiddenSize: 9),
             lengths: nil, truncation: 0),
        Case(name: "output block, last, sigmoid",
             shape: RNNShape(batch: 3, steps: 6, inputSize: 4, hiddenSize: 5, outputSize: 3, activation: .sigmoid,
                             returnSequence: false),
             lengths: [6, 2, 4], truncation: 0),
        Case(name: "output feedback, linear",
             shape: RNNShape(batch: 2, steps: 5, inputSize: 3, hiddenSize: 6, outputSize: 4, activation: .linear,
                             feedback: .output),
             lengths: [5, 3], truncation: 0),
        Case(name: "leaky, skip 2, arctan, truncated 3",
             shape: RNNShape(batch: 3, steps: 7, inputSize: 4, hiddenSize: 8, activation: .arctan, leak: 0.4, skip: 2),
             lengths: [7, 5, 1], truncation: 3),
        Case(name: "output feedback, leaky, skip 3, last, truncated 2",
             shape: RNNShape(batch: 3, steps: 6, inputSize: 2, hiddenSize: 7, outputSize: 3, feedback: .output,
                             leak: 0.2, skip: 3, returnSequence: false),
             lengths: [6, 4, 6], truncation: 2),
        // 16 + 5 units: the sixteen-lane cell and a tail.
        Case(name: "leaky, 21 units", shape: RNNShape(batch: 2, steps: 4, inputSize: 3, hiddenSize: 21, leak: 0.3),
             lengths: [4, 2], truncation: 0),
    ]

    private func data(_ shape: RNNShape, seed: UInt64) -> (x: [Float], p: [Float], r: [Float]) {
        var random = SeededRandom(seed: seed)
        return (randomArray(shape.batch * shape.steps * shape.inputSize, &random),
                randomArray(shape.parameterCount, &random, scale: 0.5),
                randomArray(shape.outputCount, &random))
    }

    private func forward(_ shape: RNNShape, _ x: [Float], _ p: [Float], _ lengths: [Int32]?,
                         pool: ThreadPool? = nil) -> (output: [Float], storage: [Float]) {
        var output = [Float](repeating: .nan, count: shape.outputCount)
        var storage = [Float](repeating: .nan, count: shape.storageCount)
        withLengths(lengths) {
            rnnForward(output: &output, storage: &storage, input: x, parameters: p, lengths: $0, shape: shape, pool: pool)
        }
        return (output, storage)
    }

    private func backward(_ shape: RNNShape, _ dOutput: [Float], _ storage: [Float], _ p: [Float],
                          _ lengths: [Int32]?, truncation: Int, pool: ThreadPool? = nil) -> (dInput: [Float], dParameters: [Float]) {
        var dx = [Float](repeating: .nan, count: shape.batch * shape.steps * shape.inputSize)
        var dp = [Float](repeating: 0, count: shape.parameterCount)
        var workspace = [Float](repeating: .nan, count: shape.workspaceCount)
        withLengths(lengths) {
            rnnBackward(dInput: &dx, dParameters: &dp, workspace: &workspace, dOutput: dOutput, storage: storage,
                        parameters: p, lengths: $0, shape: shape, truncation: truncation, pool: pool)
        }
        return (dx, dp)
    }

    /// With a pool, each thread runs the step loop for its own band of examples:
    /// the same bits as one thread, for every option (batch 33: four bands, 9 + 8 + 8 + 8).
    func testBandsOverThreadsGiveTheSameBits() {
        let pool = ThreadPool(threads: 2)
        for (index, c) in cases.enumerated() {
            var shape = c.shape
            shape.batch = 33
            let lengths = c.lengths.map { l in (0..<33).map { l[$0 % l.count] } }
            let (x, p, r) = data(shape, seed: 300 + UInt64(index))
            let one = forward(shape, x, p, lengths)
            let two = forward(shape, x, p, lengths, pool: pool)
            XCTAssertEqual(one.output.map(\.bitPattern), two.output.map(\.bitPattern), c.name)
            XCTAssertEqual(one.storage.map(\.bitPattern), two.storage.map(\.bitPattern), c.name)
            let b1 = backward(shape, r, one.storage, p, lengths, truncation: c.truncation)
            let b2 = backward(shape, r, two.storage, p, lengths, truncation: c.truncation, pool: pool)
            XCTAssertEqual(b1.dInput.map(\.bitPattern), b2.dInput.map(\.bitPattern), c.name)
            XCTAssertEqual(b1.dParameters.map(\.bitPattern), b2.dParameters.map(\.bitPattern), c.name)
        }
    }

    func testFusedMatchesUnfusedReference() {
        for (index, c) in cases.enumerated() {
            let (x, p, r) = data(c.shape, seed: 60 + UInt64(index))
            let (output, storage) = forward(c.shape, x, p, c.lengths)
            let tape = rnnForwardReference(input: x, parameters: p, lengths: c.lengths, shape: c.shape)
            assertClose(output, tape.layerOutput, atol: 2e-6, rtol: 1e-5, "\(c.name): output")
            let (dx, dp) = backward(c.shape, r, storage, p, c.lengths, truncation: c.truncation)
            let reference = rnnBackwardReference(dOutput: r, tape: tape, input: x, parameters: p, lengths: c.lengths,
                                                 shape: c.shape, truncation: c.truncation)
            assertClose(dx, reference.dInput, atol: 1e-5, rtol: 1e-4, "\(c.name): dx")
            for slice in c.shape.parameterSlices {
                let range = slice.offset..<(slice.offset + slice.count)
                assertClose(Array(dp[range]), Array(reference.dParameters[range]), atol: 1e-5, rtol: 1e-4,
                            "\(c.name): d\(slice.name)")
            }
        }
    }

    /// The reference BPTT against central differences of the reference
    /// forward: both in Double, so the tolerance is tight.
    func testReferenceGradientsMatchFiniteDifferences() {
        for (index, c) in cases.enumerated() {
            let (x, p, r) = data(c.shape, seed: 70 + UInt64(index))
            let tape = rnnForwardReference(input: x, parameters: p, lengths: c.lengths, shape: c.shape)
            let analytic = rnnBackwardReference(dOutput: r, tape: tape, input: x, parameters: p, lengths: c.lengths,
                                                shape: c.shape)
            let numericP = numericalGradient(p, step: 1e-3) {
                dot(rnnForwardReference(input: x, parameters: $0, lengths: c.lengths, shape: c.shape).layerOutput, r)
            }
            let numericX = numericalGradient(x, step: 1e-3) {
                dot(rnnForwardReference(input: $0, parameters: p, lengths: c.lengths, shape: c.shape).layerOutput, r)
            }
            assertClose(analytic.dParameters, numericP, atol: 1e-6, rtol: 1e-5, "\(c.name): reference dParameters")
            assertClose(analytic.dInput, numericX, atol: 1e-6, rtol: 1e-5, "\(c.name): reference dx")
        }
    }

    /// The fused BPTT against central differences of the fused forward (Float,
    /// fast tanh/sigmoid): W, U, b, W_skip, V, c and x.
    func testFusedGradientsMatchFiniteDifferences() {
        for (index, c) in cases.enumerated() {
            let (x, p, r) = data(c.shape, seed: 80 + UInt64(index))
            let (_, storage) = forward(c.shape, x, p, c.lengths)
            let (dx, dp) = backward(c.shape, r, storage, p, c.lengths, truncation: 0)
            let numericP = numericalGradient(p, step: 1e-2) { dot(forward(c.shape, x, $0, c.lengths).output, r) }
            let numericX = numericalGradient(x, step: 1e-2) { dot(forward(c.shape, $0, p, c.lengths).output, r) }
            for slice in c.shape.parameterSlices {
                let range = slice.offset..<(slice.offset + slice.count)
                assertClose(Array(dp[range]), Array(numericP[range]), atol: 3e-4, rtol: 3e-3, "\(c.name): d\(slice.name)")
            }
            assertClose(dx, numericX, atol: 3e-4, rtol: 3e-3, "\(c.name): dx")
        }
    }

    /// A padded example computes what it computes alone: outputs, dx, and its
    /// share of the parameter gradient.
    func testPaddedExamplesMatchRunningThemAlone() {
        for returnSequence in [true, false] {
            let lengths: [Int32] = [5, 2, 4]
            let shape = RNNShape(batch: 3, steps: 5, inputSize: 3, hiddenSize: 6, outputSize: 2,
                                 leak: 0.3, skip: 2, returnSequence: returnSequence)
            let (x, p, r) = data(shape, seed: 90)
            let (output, storage) = forward(shape, x, p, lengths)
            let (dx, dp) = backward(shape, r, storage, p, lengths, truncation: 0)
            var summed = [Float](repeating: 0, count: shape.parameterCount)
            for n in 0..<3 {
                let length = Int(lengths[n])
                var alone = shape
                alone.batch = 1
                alone.steps = length
                let xs = Array(x[(n * 5 * 3)..<((n * 5 + length) * 3)])
                let units = shape.unitsPerStep
                let rs = returnSequence ? Array(r[(n * 5 * units)..<((n * 5 + length) * units)])
                                        : Array(r[(n * units)..<((n + 1) * units)])
                let (out1, storage1) = forward(alone, xs, p, nil)
                let (dx1, dp1) = backward(alone, rs, storage1, p, nil, truncation: 0)
                let outN = returnSequence ? Array(output[(n * 5 * units)..<((n * 5 + length) * units)])
                                          : Array(output[(n * units)..<((n + 1) * units)])
                assertClose(outN, out1, atol: 1e-6, rtol: 1e-6, "example \(n) output")
                assertClose(Array(dx[(n * 5 * 3)..<((n * 5 + length) * 3)]), dx1, atol: 1e-6, rtol: 1e-5, "example \(n) dx")
                XCTAssertTrue(dx[((n * 5 + length) * 3)..<((n + 1) * 5 * 3)].allSatisfy { $0 == 0 }, "padded dx")
                if returnSequence {
                    XCTAssertTrue(output[((n * 5 + length) * units)..<((n + 1) * 5 * units)].allSatisfy { $0 == 0 })
                }
                for i in summed.indices { summed[i] += dp1[i] }
            }
            assertClose(dp, summed, atol: 1e-5, rtol: 1e-4, "dParameters = Σ examples alone (sequence \(returnSequence))")
        }
    }

    /// Truncation 1 cuts every path through time: then da(t) comes from the
    /// output of step t alone, and dW = Σ_t da(t) h(t−1)ᵀ (checked in Double
    /// from the reference tape). Truncation ≥ T is full BPTT.
    func testTruncation() {
        let shape = RNNShape(batch: 2, steps: 5, inputSize: 3, hiddenSize: 4)
        let (x, p, r) = data(shape, seed: 95)
        let (_, storage) = forward(shape, x, p, nil)
        let full = backward(shape, r, storage, p, nil, truncation: 0)
        XCTAssertEqual(backward(shape, r, storage, p, nil, truncation: 5).dParameters, full.dParameters)
        let cut = backward(shape, r, storage, p, nil, truncation: 1)
        let tape = rnnForwardReference(input: x, parameters: p, lengths: nil, shape: shape)
        let (h, steps) = (4, 5)
        var dW = [Double](repeating: 0, count: h * h)
        for n in 0..<2 {
            for t in 1..<steps {
                for j in 0..<h {
                    let z = tape.activations[(n * steps + t) * h + j]
                    let da = Double(r[(n * steps + t) * h + j]) * (1 - z * z)
                    for k in 0..<h { dW[j * h + k] += da * tape.hidden[(n * (steps + 1) + t) * h + k] }
                }
            }
        }
        let range = shape.recurrentWeightOffset..<(shape.recurrentWeightOffset + h * h)
        assertClose(Array(cut.dParameters[range]), dW, atol: 1e-6, rtol: 1e-5, "dW with truncation 1")
        XCTAssertNotEqual(Array(cut.dParameters[range]), Array(full.dParameters[range]))
    }

    func testBufferSizes() {
        // N 2, T 3, F 4, H 5, O 6, skip: hand-counted. The packed W and W_skip
        // (5 deep, 5 columns padded to one 16-column sliver) end both buffers.
        let shape = RNNShape(batch: 2, steps: 3, inputSize: 4, hiddenSize: 5, outputSize: 6, skip: 1)
        XCTAssertEqual(shape.parameterCount, 5 * 4 + 5 * 5 + 5 + 5 * 5 + 6 * 5 + 6)
        XCTAssertEqual(shape.storageCount, 3 * 2 * 4 + 4 * 2 * 5 + 3 * 2 * 5 + 4 * 2 * 6 + 2 * 5 * 16)
        XCTAssertEqual(shape.workspaceCount, 3 * 2 * 5 + 3 * 2 * 6 + 3 * 2 * 4 + 2 * 5 * 16)
        XCTAssertEqual(shape.parameterSlices.map(\.name),
                       ["input_weight", "recurrent_weight", "bias", "skip_weight", "output_weight", "output_bias"])
        let outputFeedback = RNNShape(batch: 1, steps: 1, inputSize: 2, hiddenSize: 3, outputSize: 4, feedback: .output)
        XCTAssertEqual(outputFeedback.parameterSlices[1].shape, [3, 4])
    }
}
