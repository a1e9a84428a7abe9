import XCTest
@testable import NNCKernels

/// The direct (implicit-GEMM) stride-1 convolution against the im2col path it
/// replaces (bit for bit), and the fused epilogue against the separate conv,
/// max-pool (values and indices) and activation kernels (bit for bit).
final class ConvDirectTests: XCTestCase {
    /// LeNet's two convolutions, more than one 256-deep k slice (12·5·5 = 300),
    /// a partial channel group (13 = 8 + 5), rectangular kernels and padding,
    /// odd output sizes (pooled with a dropped edge), and 5 channels (just
    /// above the GEMM's few-rows path).
    private let geometries: [Conv2DGeometry] = [
        Conv2DGeometry(batch: 3, inChannels: 1, inHeight: 28, inWidth: 28, outChannels: 6,
                       kernelHeight: 5, kernelWidth: 5, padH: 2, padW: 2),
        Conv2DGeometry(batch: 3, inChannels: 6, inHeight: 14, inWidth: 14, outChannels: 16,
                       kernelHeight: 5, kernelWidth: 5),
        Conv2DGeometry(batch: 2, inChannels: 12, inHeight: 9, inWidth: 11, outChannels: 13,
                       kernelHeight: 5, kernelWidth: 5, padH: 1, padW: 2),
        Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 7, inWidth: 10, outChannels: 5,
                       kernelHeight: 2, kernelWidth: 3, padH: 0, padW: 1),
        Conv2DGeometry(batch: 1, inChannels: 2, inHeight: 12, inWidth: 40, outChannels: 9,
                       kernelHeight: 3, kernelWidth: 3, padH: 1, padW: 1),
        // Channel-lane tiles (AVX-512): 64 channels on a 10-wide output, two k slices (12·25 = 300),
        // tiles across row ends; 48 channels (a partial group of 32) on 12-wide rows with a
        // rectangular kernel and padding; a 7-wide output (tiles cut short at the second row
        // end); a 13-wide one (tiles start at every column: every split of a tile, 1 to 12).
        Conv2DGeometry(batch: 2, inChannels: 12, inHeight: 14, inWidth: 14, outChannels: 64,
                       kernelHeight: 5, kernelWidth: 5),
        Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 6, inWidth: 20, outChannels: 48,
                       kernelHeight: 4, kernelWidth: 9, padH: 1, padW: 0),
        Conv2DGeometry(batch: 2, inChannels: 8, inHeight: 11, inWidth: 11, outChannels: 64,
                       kernelHeight: 5, kernelWidth: 5),
        Conv2DGeometry(batch: 2, inChannels: 3, inHeight: 17, inWidth: 19, outChannels: 64,
                       kernelHeight: 5, kernelWidth: 7),
    ]

    /// Which geometries take the channel-lane tiles: the last four (with AVX-512),
    /// none of LeNet's own.
    func testChannelLanesWhereTheWideGridWastesMost() {
        let lanes = DirectConvLayout.hasChannelLaneTile
        let expected = [false, false, false, false, false, lanes, lanes, lanes, lanes]
        XCTAssertEqual(geometries.map(DirectConvLayout.prefersChannelLanes), expected)
        // The scaling sweep's second conv on 56×56 images: a 24-wide output on a 28-wide grid (the
        // lane tiles do 0.86 of its work) at 32 and 64 channels; at 16 channels a lane tile's 32
        // channels would double it.
        let sweep = [64, 32, 16].map {
            Conv2DGeometry(batch: 64, inChannels: $0, inHeight: 28, inWidth: 28, outChannels: $0,
                           kernelHeight: 5, kernelWidth: 5)
        }
        XCTAssertEqual(sweep.map(DirectConvLayout.prefersChannelLanes), [lanes, lanes, false])
    }

    private func workspace(_ g: Conv2DGeometry, _ pool: ThreadPool?) -> [Float] {
        [Float](repeating: .nan, count: conv2dWorkspaceSize(geometry: g, threads: pool?.threadCount ?? 1))
    }

    /// The im2col path as it ran before the direct one: per image, the output
    /// prefilled with the bias, then one GEMM with beta = 1.
    private func im2colForward(_ g: Conv2DGeometry, input: [Float], weight: [Float], bias: [Float]?) -> [Float] {
        var output = [Float](repeating: .nan, count: g.outputCount)
        var col = [Float](repeating: 0, count: g.patchSize * g.outPlane)
        let inImage = g.inChannels * g.inHeight * g.inWidth, outImage = g.outChannels * g.outPlane
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                for b in 0..<g.batch {
                    im2col(x.baseAddress! + b * inImage, geometry: g, into: &col)
                    let out = y.baseAddress! + b * outImage
                    for o in 0..<g.outChannels {
                        (out + o * g.outPlane).update(repeating: bias?[o] ?? 0, count: g.outPlane)
                    }
                    gemm(.none, .none, m: g.outChannels, n: g.outPlane, k: g.patchSize, alpha: 1,
                         a: weight, lda: g.patchSize, b: col, ldb: g.outPlane,
                         beta: bias == nil ? 0 : 1, c: out, ldc: g.outPlane)
                }
            }
        }
        return output
    }

    private func bits(_ x: [Float]) -> [UInt32] { x.map(\.bitPattern) }
    /// Bits, with every NaN as one value (a NaN's payload is not part of the contract).
    private func values(_ x: [Float]) -> [UInt32] { x.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }

    func testDirectForwardSameBitsAsIm2colGEMM() {
        let pool = ThreadPool(threads: 2)
        for (index, g) in geometries.enumerated() {
            let input = randomFloats(g.inputCount, seed: UInt64(100 + index))
            let weight = randomFloats(g.weightCount, seed: UInt64(200 + index))
            let bias = randomFloats(g.outChannels, seed: UInt64(300 + index))
            for withBias in [true, false] {
                let expected = im2colForward(g, input: input, weight: weight, bias: withBias ? bias : nil)
                for threads in [nil, pool] {
                    var output = [Float](repeating: .nan, count: g.outputCount)
                    var ws = workspace(g, threads)
                    bias.withUnsafeBufferPointer { b in
                        ws.withUnsafeMutableBufferPointer { w in
                            conv2dForward(output: &output, input: input, weight: weight, bias: withBias ? b.baseAddress : nil,
                                          geometry: g, workspace: w, pool: threads)
                        }
                    }
                    XCTAssertEqual(bits(output), bits(expected),
                                   "geometry \(index) bias \(withBias) threads \(threads?.threadCount ?? 1)")
                }
            }
        }
    }

    /// conv2dFusedForward = conv2dForward, then maxPool2dForward, then activationForward.
    func testFusedEpilogueSameBitsAndIndicesAsSeparateKernels() {
        let pool = ThreadPool(threads: 2)
        let activations: [Activation] = [.relu, .sigmoid, .tanh, .linear]
        for (index, g) in geometries.enumerated() {
            var input = randomFloats(g.inputCount, seed: UInt64(400 + index))
            input[input.count / 2] = .nan   // one NaN: the pool must let it through as the separate kernel does
            let weight = randomFloats(g.weightCount, seed: UInt64(500 + index))
            let bias = randomFloats(g.outChannels, seed: UInt64(600 + index))
            let windows = [(2, 2), (3, 2)]   // (size, stride): the vector 2×2 path and the general loop
            for (case_, activation) in activations.enumerated() {
                let (size, stride) = windows[case_ % windows.count]
                let poolGeometry = Pool2DGeometry(batch: g.batch, channels: g.outChannels, inHeight: g.outHeight,
                                                  inWidth: g.outWidth, size: size, stride: stride)
                for withPool in [true, false] {
                    var conv = [Float](repeating: .nan, count: g.outputCount)
                    var ws = workspace(g, nil)
                    ws.withUnsafeMutableBufferPointer { w in
                        conv2dForward(output: &conv, input: input, weight: weight, bias: bias, geometry: g, workspace: w, pool: nil)
                    }
                    var expected = conv
                    var expectedIndices: [Int32] = []
                    if withPool {
                        expected = [Float](repeating: .nan, count: poolGeometry.outputCount)
                        expectedIndices = [Int32](repeating: 0, count: poolGeometry.outputCount)
                        maxPool2dForward(output: &expected, indices: &expectedIndices, input: conv, geometry: poolGeometry, pool: nil)
                    }
                    activationForward(activation, output: &expected, input: expected, rows: 1, width: expected.count)
                    for threads in [nil, pool] {
                        var output = [Float](repeating: .nan, count: expected.count)
                        var indices = [Int32](repeating: -1, count: expectedIndices.count)
                        var ws = workspace(g, threads)
                        let keepIndices = threads != nil   // training (indices) with 2 threads, inference with 1
                        let ran = ws.withUnsafeMutableBufferPointer { w in
                            indices.withUnsafeMutableBufferPointer { ip in
                                conv2dFusedForward(output: &output, input: input, weight: weight, bias: bias, geometry: g,
                                                   activation: activation, maxPool: withPool ? poolGeometry : nil,
                                                   poolIndices: keepIndices ? ip.baseAddress : nil, workspace: w, pool: threads)
                            }
                        }
                        XCTAssertTrue(ran, "geometry \(index)")
                        if withPool && keepIndices { XCTAssertEqual(indices, expectedIndices, "geometry \(index) \(activation) indices") }
                        let first = zip(values(output), values(expected)).enumerated().first { $0.element.0 != $0.element.1 }
                        XCTAssertNil(first.map { "element \($0.offset): \(output[$0.offset]) vs \(expected[$0.offset]) of \(expected.count)" },
                                     "geometry \(index) \(activation) pool \(withPool) threads \(threads?.threadCount ?? 1)")
                    }
                }
            }
        }
    }

    /// Where the direct path does not apply the fused entry point declines and writes nothing.
    func testFusedInferenceDeclinesOutsideItsShapes() {
        let strided = Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 8, inWidth: 8, outChannels: 6,
                                     kernelHeight: 3, kernelWidth: 3, strideH: 2, strideW: 2)
        let fewChannels = Conv2DGeometry(batch: 1, inChannels: 1, inHeight: 8, inWidth: 8, outChannels: 4,
                                         kernelHeight: 3, kernelWidth: 3)
        for g in [strided, fewChannels] {
            var output = [Float](repeating: 7, count: g.outputCount)
            var ws = workspace(g, nil)
            let ran = ws.withUnsafeMutableBufferPointer { w in
                conv2dFusedForward(output: &output, input: [Float](repeating: 1, count: g.inputCount),
                                       weight: [Float](repeating: 1, count: g.weightCount), bias: nil, geometry: g,
                                       activation: .relu, maxPool: nil, workspace: w, pool: nil)
            }
            XCTAssertFalse(ran)
            XCTAssertEqual(Set(output), [7])
        }
    }
}
