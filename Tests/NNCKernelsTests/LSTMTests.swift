import XCTest
@testable import NNCKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class LSTMTests: XCTestCase {
    struct Case {
        var name: String
        var shape: LSTMShape
        var lengths: [Int32]?
        var truncation: Int
    }

    private let cases: [Case] = [
        Case(name: "sequence", shape: LSTMShape(batch: 3, steps: 6, inputSize: 4, hiddenSize: 9),
             lengths: nil, truncation: 0),
        Case(name: "last, lengths", shape: LSTMShape(batch: 3, steps: 5, inputSize: 3, hiddenSize: 8, returnSequence: false),
             lengths: [5, 2, 4], truncation: 0),
        Case(name: "sequence, lengths, truncated 3", shape: LSTMShape(batch: 2, steps: 7, inputSize: 5, hiddenSize: 5),
             lengths: [7, 4], truncation: 3),
        // 16 + 8 + 3 units: the sixteen-lane cell, the eight-lane one and a tail.
        Case(name: "sequence, 27 units, lengths", shape: LSTMShape(batch: 2, steps: 4, inputSize: 3, hiddenSize: 27),
             lengths: [4, 3], truncation: 0),
        // The sixteen-lane backward cell where truncation cuts dC (windows of 2).
        Case(name: "sequence, 19 units, lengths, truncated 2",
             shape: LSTMShape(batch: 2, steps: 5, inputSize: 3, hiddenSize: 19), lengths: [5, 3], truncation: 2),
    ]

    private func data(_ shape: LSTMShape, seed: UInt64) -> (x: [Float], p: [Float], r: [Float]) {
        var random = SeededRandom(seed: seed)
        var p = randomArray(shape.parameterCount, &random, scale: 0.5)
        // forget_bias 1, as the runtime initializes it.
        for j in 0..<shape.hiddenSize { p[shape.biasOffset + shape.hiddenSize + j] += 1 }
        return (randomArray(shape.batch * shape.steps * shape.inputSize, &random), p,
                randomArray(shape.outputCount, &random))
    }

    private func forward(_ shape: LSTMShape, _ x: [Float], _ p: [Float], _ lengths: [Int32]?,
                         pool: ThreadPool? = nil) -> (output: [Float], storage: [Float]) {
        var output = [Float](repeating: .nan, count: shape.outputCount)
        var storage = [Float](repeating: .nan, count: shape.storageCount)
        withLengths(lengths) {
            lstmForward(output: &output, storage: &storage, input: x, parameters: p, lengths: $0, shape: shape, pool: pool)
        }
        return (output, storage)
    }

    private func backward(_ shape: LSTMShape, _ dOutput: [Float], _ storage: [Float], _ p: [Float],
                          _ lengths: [Int32]?, truncation: Int, pool: ThreadPool? = nil) -> (dInput: [Float], dParameters: [Float]) {
        var dx = [Float](repeating: .nan, count: shape.batch * shape.steps * shape.inputSize)
        var dp = [Float](repeating: 0, count: shape.parameterCount)
        var workspace = [Float](repeating: .nan, count: shape.workspaceCount)
        withLengths(lengths) {
            lstmBackward(dInput: &dx, dParameters: &dp, workspace: &workspace, dOutput: dOutput, storage: storage,
                         parameters: p, lengths: $0, shape: shape, truncation: truncation, pool: pool)
        }
        return (dx, dp)
    }

    /// With a pool, each thread runs the step loop for its own band of examples:
    /// the same bits as one thread (rows do not depend on the banding).
    func testBandsOverThreadsGiveTheSameBits() {
        let pool = ThreadPool(threads: 2)
        for (shape, lengths, truncation) in [
            (LSTMShape(batch: 21, steps: 6, inputSize: 5, hiddenSize: 12), nil as [Int32]?, 0),
            // Four bands (two per thread), 16 + 8 + 3 units.
            (LSTMShape(batch: 37, steps: 4, inputSize: 3, hiddenSize: 27), (0..<37).map { Int32(1 + $0 % 4) } as [Int32]?, 0),
            (LSTMShape(batch: 16, steps: 7, inputSize: 3, hiddenSize: 8, returnSequence: false),
             (0..<16).map { Int32(1 + $0 % 7) } as [Int32]?, 3),
        ] {
            let (x, p, r) = data(shape, seed: 9)
            let one = forward(shape, x, p, lengths)
            let two = forward(shape, x, p, lengths, pool: pool)
            XCTAssertEqual(one.output, two.output)
            XCTAssertEqual(one.storage, two.storage)
            let b1 = backward(shape, r, one.storage, p, lengths, truncation: truncation)
            let b2 = backward(shape, r, two.storage, p, lengths, truncation: truncation, pool: pool)
            XCTAssertEqual(b1.dInput, b2.dInput)
            XCTAssertEqual(b1.dParameters, b2.dParameters)
        }
    }

    /// A few examples, H a multiple of 16: every thread shares each forward step,
    /// split by units (`parallelSteps`). The same bits as one thread, and the
    /// backward from that storage too; H = 72 (not whole slivers) and a product
    /// too small to share take the other paths.
    func testUnitsSplitOverThreadsGiveTheSameBits() {
        for (shape, lengths, splits) in [
            (LSTMShape(batch: 1, steps: 6, inputSize: 5, hiddenSize: 128, returnSequence: false), nil as [Int32]?, true),
            (LSTMShape(batch: 4, steps: 5, inputSize: 3, hiddenSize: 64), [5, 2, 4, 1] as [Int32]?, true),
            // Five slivers: 3 + 2 parts, or 2 + 2 + 1.
            (LSTMShape(batch: 3, steps: 4, inputSize: 3, hiddenSize: 80, returnSequence: false), [1, 4, 3] as [Int32]?, true),
            (LSTMShape(batch: 4, steps: 3, inputSize: 2, hiddenSize: 72), nil as [Int32]?, false),
            (LSTMShape(batch: 1, steps: 3, inputSize: 2, hiddenSize: 32), nil as [Int32]?, false),
        ] as [(LSTMShape, [Int32]?, Bool)] {
            // Fresh pools: a loss timed in an earlier shape's jobs (a loaded machine) would
            // send a reused pool inline and take the split off (`isBackingOff`).
            let pools = [ThreadPool(threads: 2), ThreadPool(threads: 3)]
            XCTAssertEqual(lstmForwardUnitParts(shape, pools[0]) == 2, splits, "H \(shape.hiddenSize)")
            XCTAssertEqual(lstmForwardUnitParts(shape, pools[1]) == 3, splits, "H \(shape.hiddenSize)")
            let (x, p, r) = data(shape, seed: 21)
            let one = forward(shape, x, p, lengths)
            for pool in pools {
                for _ in 0..<3 {   // whichever thread takes which part
                    let many = forward(shape, x, p, lengths, pool: pool)
                    XCTAssertEqual(one.output, many.output, "H \(shape.hiddenSize), \(pool.threadCount) threads")
                    XCTAssertEqual(one.storage, many.storage, "H \(shape.hiddenSize), \(pool.threadCount) threads")
                }
            }
            let b1 = backward(shape, r, one.storage, p, lengths, truncation: 0)
            let b2 = backward(shape, r, one.storage, p, lengths, truncation: 0, pool: pools[0])
            XCTAssertEqual(b1.dInput, b2.dInput)
            XCTAssertEqual(b1.dParameters, b2.dParameters)
        }
    }

    func testFusedMatchesUnfusedReference() {
        for (index, c) in cases.enumerated() {
            let (x, p, r) = data(c.shape, seed: 100 + UInt64(index))
            let (output, storage) = forward(c.shape, x, p, c.lengths)
            let tape = lstmForwardReference(input: x, parameters: p, lengths: c.lengths, shape: c.shape)
            assertClose(output, tape.layerOutput, atol: 2e-6, rtol: 1e-5, "\(c.name): output")
            let (dx, dp) = backward(c.shape, r, storage, p, c.lengths, truncation: c.truncation)
            let reference = lstmBackwardReference(dOutput: r, tape: tape, input: x, parameters: p, lengths: c.lengths,
                                                  shape: c.shape, truncation: c.truncation)
            assertClose(dx, reference.dInput, atol: 1e-5, rtol: 1e-4, "\(c.name): dx")
            for slice in c.shape.parameterSlices {
                let range = slice.offset..<(slice.offset + slice.count)
                assertClose(Array(dp[range]), Array(reference.dParameters[range]), atol: 1e-5, rtol: 1e-4,
                            "\(c.name): d\(slice.name)")
            }
        }
    }

    func testReferenceGradientsMatchFiniteDifferences() {
        for (index, c) in cases.enumerated() {
            let (x, p, r) = data(c.shape, seed: 110 + UInt64(index))
            let tape = lstmForwardReference(input: x, parameters: p, lengths: c.lengths, shape: c.shape)
            let analytic = lstmBackwardReference(dOutput: r, tape: tape, input: x, parameters: p, lengths: c.lengths,
                                                 shape: c.shape)
            let numericP = numericalGradient(p, step: 1e-3) {
                dot(lstmForwardReference(input: x, parameters: $0, lengths: c.lengths, shape: c.shape).layerOutput, r)
            }
            let numericX = numericalGradient(x, step: 1e-3) {
                dot(lstmForwardReference(input: $0, parameters: p, lengths: c.lengths, shape: c.shape).layerOutput, r)
            }
            assertClose(analytic.dParameters, numericP, atol: 1e-6, rtol: 1e-5, "\(c.name): reference dParameters")
            assertClose(analytic.dInput, numericX, atol: 1e-6, rtol: 1e-5, "\(c.name): reference dx")
        }
    }

    func testFusedGradientsMatchFiniteDifferences() {
        for (index, c) in cases.enumerated() {
            let (x, p, r) = data(c.shape, seed: 120 + UInt64(index))
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

    func testPaddedExamplesMatchRunningThemAlone() {
        for returnSequence in [true, false] {
            let lengths: [Int32] = [2, 5, 3]
            let (steps, f, h) = (5, 3, 6)
            let shape = LSTMShape(batch: 3, steps: steps, inputSize: f, hiddenSize: h, returnSequence: returnSequence)
            let (x, p, r) = data(shape, seed: 130)
            let (output, storage) = forward(shape, x, p, lengths)
            let (dx, dp) = backward(shape, r, storage, p, lengths, truncation: 0)
            var summed = [Float](repeating: 0, count: shape.parameterCount)
            for n in 0..<3 {
                let length = Int(lengths[n])
                let alone = LSTMShape(batch: 1, steps: length, inputSize: f, hiddenSize: h, returnSequence: returnSequence)
                let xs = Array(x[(n * steps * f)..<((n * steps + length) * f)])
                let rs = returnSequence ? Array(r[(n * steps * h)..<((n * steps + length) * h)])
                                        : Array(r[(n * h)..<((n + 1) * h)])
                let (out1, storage1) = forward(alone, xs, p, nil)
                let (dx1, dp1) = backward(alone, rs, storage1, p, nil, truncation: 0)
                let outN = returnSequence ? Array(output[(n * steps * h)..<((n * steps + length) * h)])
                                          : Array(output[(n * h)..<((n + 1) * h)])
                assertClose(outN, out1, atol: 1e-6, rtol: 1e-6, "example \(n) output")
                assertClose(Array(dx[(n * steps * f)..<((n * steps + length) * f)]), dx1, atol: 1e-6, rtol: 1e-5,
                            "example \(n) dx")
                XCTAssertTrue(dx[((n * steps + length) * f)..<((n + 1) * steps * f)].allSatisfy { $0 == 0 })
                for i in summed.indices { summed[i] += dp1[i] }
            }
            assertClose(dp, summed, atol: 1e-5, rtol: 1e-4, "dParameters = Σ examples alone (sequence \(returnSequence))")
        }
    }

    /// Truncation 1: every step's gates see only that step's output gradient
    /// (no dh or dC from later steps), so dW_h = Σ_t dGates(t) h(t−1)ᵀ with
    /// dGates from the tape, in Double. Truncation ≥ T is full BPTT.
    func testTruncation() {
        let shape = LSTMShape(batch: 2, steps: 4, inputSize: 3, hiddenSize: 3)
        let (x, p, r) = data(shape, seed: 140)
        let (_, storage) = forward(shape, x, p, nil)
        let full = backward(shape, r, storage, p, nil, truncation: 0)
        XCTAssertEqual(backward(shape, r, storage, p, nil, truncation: 4).dParameters, full.dParameters)
        let cut = backward(shape, r, storage, p, nil, truncation: 1)
        let tape = lstmForwardReference(input: x, parameters: p, lengths: nil, shape: shape)
        let (h, steps) = (3, 4)
        var dWh = [Double](repeating: 0, count: 4 * h * h)
        for n in 0..<2 {
            for t in 1..<steps {
                let at = (n * steps + t) * h, now = (n * (steps + 1) + t + 1) * h, prev = now - h
                for j in 0..<h {
                    let i = tape.input[at + j], f = tape.forget[at + j], g = tape.candidate[at + j], o = tape.output[at + j]
                    let dh = Double(r[at + j]), tc = tanh(tape.cell[now + j])
                    let dc = dh * o * (1 - tc * tc)
                    let gates = [dc * g * i * (1 - i), dc * tape.cell[prev + j] * f * (1 - f),
                                 dc * i * (1 - g * g), dh * tc * o * (1 - o)]
                    for (gate, d) in gates.enumerated() {
                        for k in 0..<h { dWh[(gate * h + j) * h + k] += d * tape.hidden[prev + k] }
                    }
                }
            }
        }
        let range = shape.recurrentWeightOffset..<(shape.recurrentWeightOffset + 4 * h * h)
        assertClose(Array(cut.dParameters[range]), dWh, atol: 1e-6, rtol: 1e-5, "dW_h with truncation 1")
        XCTAssertNotEqual(Array(cut.dParameters[range]), Array(full.dParameters[range]))
    }

    func testBufferSizesOfTheBenchmarkShape() {
        // T 50, input 32, hidden 128, batch 32 (the LSTM benchmark).
        let shape = LSTMShape(batch: 32, steps: 50, inputSize: 32, hiddenSize: 128)
        XCTAssertEqual(shape.parameterCount, 512 * 32 + 512 * 128 + 512)
        // … plus W_h packed once: 128 × 512 floats in each.
        XCTAssertEqual(shape.storageCount, 50 * 32 * 32 + 50 * 32 * 512 + 2 * 51 * 32 * 128 + 128 * 512)
        XCTAssertEqual(shape.workspaceCount, 50 * 32 * 512 + 2 * 32 * 128 + 50 * 32 * 32 + 512 * 128)
        XCTAssertEqual(shape.outputCount, 32 * 50 * 128)
        XCTAssertEqual(shape.parameterSlices.map(\.shape), [[512, 32], [512, 128], [512]])
    }
}
