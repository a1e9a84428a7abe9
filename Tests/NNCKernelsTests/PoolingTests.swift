import XCTest
import NNCKernels

final class PoolingTests: XCTestCase {
    /// Non-overlapping with dropped edges, overlapping (stride < size),
    /// gapped (stride > size), rectangular windows and strides.
    private let geometries: [Pool2DGeometry] = [
        Pool2DGeometry(batch: 2, channels: 3, inHeight: 5, inWidth: 7, size: 2, stride: 2),
        Pool2DGeometry(batch: 2, channels: 2, inHeight: 7, inWidth: 6, size: 3, stride: 2),
        Pool2DGeometry(batch: 1, channels: 2, inHeight: 9, inWidth: 10, size: 2, stride: 3),
        Pool2DGeometry(batch: 2, channels: 1, inHeight: 6, inWidth: 8, windowHeight: 2, windowWidth: 3,
                       strideH: 1, strideW: 2),
    ]
    /// ≥ 64K input floats, so that two threads split the planes.
    private let largeGeometry = Pool2DGeometry(batch: 8, channels: 8, inHeight: 32, inWidth: 32, size: 2, stride: 2)

    /// Distinct values at least 0.01 apart in a scrambled order: no ties, and
    /// a finite-difference step of 1e-3 never changes which element is the max.
    private func distinctInput(_ count: Int, seed: UInt64) -> [Float] {
        var order = Array(0..<count)
        var rng = SeededRandom(seed: seed)
        rng.shuffle(&order)
        return order.map { Float($0 - count / 2) * 0.01 }
    }

    func testGeometryDropsWindowsThatDoNotFit() {
        let g = Pool2DGeometry(batch: 1, channels: 1, inHeight: 7, inWidth: 10, windowHeight: 3, windowWidth: 2,
                               strideH: 2, strideW: 4)
        XCTAssertEqual(g.outHeight, 3)   // windows at rows 0, 2, 4; one at 6 would need rows 6...8
        XCTAssertEqual(g.outWidth, 3)    // windows at columns 0, 4, 8
        XCTAssertFalse(Pool2DGeometry(batch: 1, channels: 1, inHeight: 2, inWidth: 5, size: 3, stride: 1).isValid)
    }

    func testMaxPoolForwardMatchesReference() {
        let pool = ThreadPool(threads: 2)
        for (index, g) in (geometries + [largeGeometry]).enumerated() {
            let input = distinctInput(g.inputCount, seed: UInt64(index + 1))
            var expected = [Float](repeating: 0, count: g.outputCount)
            var expectedIndices = [Int32](repeating: 0, count: g.outputCount)
            maxPool2dForwardReference(output: &expected, indices: &expectedIndices, input: input, geometry: g)
            for threads in [nil, pool] {
                var output = [Float](repeating: .nan, count: g.outputCount)
                var indices = [Int32](repeating: -1, count: g.outputCount)
                maxPool2dForward(output: &output, indices: &indices, input: input, geometry: g, pool: threads)
                XCTAssertEqual(output, expected, "geometry \(index)")
                XCTAssertEqual(indices, expectedIndices, "geometry \(index)")
            }
        }
    }

    /// Ties go to the first maximum in the window; a NaN wins and propagates.
    func testMaxPoolTiesAndNaN() {
        let g = Pool2DGeometry(batch: 1, channels: 1, inHeight: 2, inWidth: 4, size: 2, stride: 2)
        let input: [Float] = [1, 3, .nan, 0,
                              3, 2, 5, 7]
        var output = [Float](repeating: 0, count: 2)
        var indices = [Int32](repeating: 0, count: 2)
        maxPool2dForward(output: &output, indices: &indices, input: input, geometry: g, pool: nil)
        XCTAssertEqual(output[0], 3)
        XCTAssertEqual(indices[0], 1)
        XCTAssertTrue(output[1].isNaN)
        XCTAssertEqual(indices[1], 2)
    }

    /// The vectorised 2×2/2 path (8 outputs at a time, then a scalar tail):
    /// ties, NaNs and -inf in every window position give the reference's values and indices.
    func testMaxPool2x2VectorPathMatchesReferenceWithTiesAndNaN() {
        let g = Pool2DGeometry(batch: 2, channels: 2, inHeight: 5, inWidth: 29, size: 2, stride: 2)   // outW 14 = 8 + 4 + 2
        var rng = SeededRandom(seed: 7)
        let choices: [Float] = [1, 2, 2, -.infinity, .nan, 0]
        let input = (0..<g.inputCount).map { _ in choices[Int(rng.next() % UInt64(choices.count))] }
        var expected = [Float](repeating: 0, count: g.outputCount)
        var expectedIndices = [Int32](repeating: 0, count: g.outputCount)
        maxPool2dForwardReference(output: &expected, indices: &expectedIndices, input: input, geometry: g)
        var output = [Float](repeating: 0, count: g.outputCount)
        var indices = [Int32](repeating: -1, count: g.outputCount)
        maxPool2dForward(output: &output, indices: &indices, input: input, geometry: g, pool: nil)
        XCTAssertEqual(indices, expectedIndices)
        XCTAssertEqual(output.map(\.bitPattern), expected.map(\.bitPattern))
        XCTAssertTrue(output.contains { $0.isNaN })   // the data did exercise NaN windows
    }

    func testAvgPoolForwardMatchesReference() {
        let pool = ThreadPool(threads: 2)
        for (index, g) in (geometries + [largeGeometry]).enumerated() {
            let input = randomFloats(g.inputCount, seed: UInt64(index + 20))
            var expected = [Float](repeating: 0, count: g.outputCount)
            avgPool2dForwardReference(output: &expected, input: input, geometry: g)
            for threads in [nil, pool] {
                var output = [Float](repeating: .nan, count: g.outputCount)
                avgPool2dForward(output: &output, input: input, geometry: g, pool: threads)
                for (a, e) in zip(output, expected) { XCTAssertEqual(a, e, accuracy: 1e-6, "geometry \(index)") }
            }
        }
    }

    /// dInput is assigned (NaN garbage overwritten) and matches the reference,
    /// which recomputes maxima from the input and gathers average windows.
    func testBackwardMatchesReference() {
        let pool = ThreadPool(threads: 2)
        for (index, g) in (geometries + [largeGeometry]).enumerated() {
            let input = distinctInput(g.inputCount, seed: UInt64(index + 40))
            let dOutput = randomFloats(g.outputCount, seed: UInt64(index + 60))
            var output = [Float](repeating: 0, count: g.outputCount)
            var indices = [Int32](repeating: 0, count: g.outputCount)
            maxPool2dForward(output: &output, indices: &indices, input: input, geometry: g, pool: nil)
            var expectedMax = [Float](repeating: 0, count: g.inputCount)
            var expectedAvg = [Float](repeating: 0, count: g.inputCount)
            maxPool2dBackwardReference(dInput: &expectedMax, dOutput: dOutput, input: input, geometry: g)
            avgPool2dBackwardReference(dInput: &expectedAvg, dOutput: dOutput, geometry: g)
            for threads in [nil, pool] {
                var dMax = [Float](repeating: .nan, count: g.inputCount)
                var dAvg = [Float](repeating: .nan, count: g.inputCount)
                maxPool2dBackward(dInput: &dMax, dOutput: dOutput, indices: indices, geometry: g, pool: threads)
                avgPool2dBackward(dInput: &dAvg, dOutput: dOutput, geometry: g, pool: threads)
                for (a, e) in zip(dMax, expectedMax) { XCTAssertEqual(a, e, accuracy: 1e-6, "max, geometry \(index)") }
                for (a, e) in zip(dAvg, expectedAvg) { XCTAssertEqual(a, e, accuracy: 1e-6, "avg, geometry \(index)") }
            }
        }
    }

    /// Central differences in Double of L = Σ pool(input) · dOutput.
    func testBackwardMatchesFiniteDifferences() {
        for (index, g) in geometries.enumerated() {
            let input = distinctInput(g.inputCount, seed: UInt64(index + 80))
            let dOutput = randomFloats(g.outputCount, seed: UInt64(index + 90))
            var output = [Float](repeating: 0, count: g.outputCount)
            var indices = [Int32](repeating: 0, count: g.outputCount)
            maxPool2dForward(output: &output, indices: &indices, input: input, geometry: g, pool: nil)
            var dMax = [Float](repeating: 0, count: g.inputCount)
            var dAvg = [Float](repeating: 0, count: g.inputCount)
            maxPool2dBackward(dInput: &dMax, dOutput: dOutput, indices: indices, geometry: g, pool: nil)
            avgPool2dBackward(dInput: &dAvg, dOutput: dOutput, geometry: g, pool: nil)

            let x = input.map(Double.init), h = 1e-3
            for (name, analytic, useMax) in [("max", dMax, true), ("avg", dAvg, false)] {
                var v = x
                for i in 0..<x.count {
                    v[i] = x[i] + h
                    let up = poolLossInDouble(g, input: v, dOutput: dOutput, max: useMax)
                    v[i] = x[i] - h
                    let down = poolLossInDouble(g, input: v, dOutput: dOutput, max: useMax)
                    v[i] = x[i]
                    XCTAssertEqual(Double(analytic[i]), (up - down) / (2 * h), accuracy: 1e-4,
                                   "\(name), geometry \(index), element \(i)")
                }
            }
        }
    }
}

/// Σ maxpool-or-avgpool(input) · dOutput, in Double.
private func poolLossInDouble(_ g: Pool2DGeometry, input: [Double], dOutput: [Float], max: Bool) -> Double {
    let outH = g.outHeight, outW = g.outWidth
    var loss = 0.0
    for p in 0..<g.planes {
        for oh in 0..<outH {
            for ow in 0..<outW {
                var best = -Double.infinity, sum = 0.0
                for ih in (oh * g.strideH)..<(oh * g.strideH + g.windowHeight) {
                    for iw in (ow * g.strideW)..<(ow * g.strideW + g.windowWidth) {
                        let v = input[(p * g.inHeight + ih) * g.inWidth + iw]
                        best = Swift.max(best, v)
                        sum += v
                    }
                }
                let pooled = max ? best : sum / Double(g.windowHeight * g.windowWidth)
                loss += pooled * Double(dOutput[(p * outH + oh) * outW + ow])
            }
        }
    }
    return loss
}
