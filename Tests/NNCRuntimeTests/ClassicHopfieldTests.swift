import NNCIR
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Hopfield networks: energy descent, recall below capacity, collapse above it.
final class ClassicHopfieldTests: XCTestCase {
    /// Hebbian weights (1/K) Σ x xᵀ, zero diagonal, of p random ±1 patterns: [K, K].
    func hebbianWeights(patterns: [[Float]]) -> [Float] {
        let k = patterns[0].count
        var w = [Float](repeating: 0, count: k * k)
        for x in patterns {
            for i in 0..<k { for j in 0..<k where i != j { w[i * k + j] += x[i] * x[j] / Float(k) } }
        }
        return w
    }

    /// The options of a hopfield layer as a spec writes them (AST values come only from specs).
    func options(_ layer: String) throws -> HopfieldOptions {
        let text = "nnc: 1\nmodel: {input: [4], layers: [{hopfield: \(layer)}]}\n"
        let checked = Compiler.check(SourceFile(path: "options.yaml", text: text))
        guard let node = checked.graph?.layers.first, case .layer(.hopfield(let o)) = node.op else {
            throw ClassicRun.CheckFailed(description: "\(checked.diagnostics)")
        }
        return o
    }

    /// Runs the dynamics on `z` in place; returns the sweeps.
    func recall(_ w: [Float], _ z: inout [Float], _ options: HopfieldOptions, _ rng: inout SeededRandom,
                trace: ((Double) -> Void)? = nil) -> Int {
        w.withUnsafeBufferPointer { wp in
            guard let base = wp.baseAddress else { return -1 }
            return z.withUnsafeMutableBufferPointer { hopfieldRecall(weight: base, state: $0, options: options, random: &rng, energyTrace: trace) }
        }
    }

    func randomPattern(_ k: Int, _ rng: inout SeededRandom) -> [Float] {
        (0..<k).map { _ in rng.uniformFloat() < 0.5 ? -1 : 1 }
    }

    /// H(z) never rises at any asynchronous flip (random or sequential order),
    /// even far above capacity, and the final state is stable.
    func testEnergyNeverRisesAtAnyAsynchronousFlip() throws {
        var rng = SeededRandom(seed: 5)
        let k = 60
        let w = hebbianWeights(patterns: (0..<15).map { _ in randomPattern(k, &rng) })
        for randomOrder in [true, false] {
            let asyncOptions = try options("{update: async, order: \(randomOrder ? "random" : "sequential"), max_sweeps: 100}")
            var flips = 0
            for _ in 0..<10 {
                var z = randomPattern(k, &rng)
                var trace: [Double] = []
                let sweeps = recall(w, &z, asyncOptions, &rng, trace: { trace.append($0) })
                XCTAssertLessThan(sweeps, 100)
                flips += trace.count - 1
                for (a, b) in zip(trace, trace.dropFirst()) { XCTAssertLessThan(b, a + 1e-9, "energy rose") }
                // Stable: every unit agrees with its field.
                for i in 0..<k {
                    let field = (0..<k).reduce(Float(0)) { $0 + w[i * k + $1] * z[$1] }
                    XCTAssertGreaterThanOrEqual(field * z[i], 0)
                }
            }
            XCTAssertGreaterThan(flips, 50)
        }
    }

    /// Synchronous updates can cycle with period 2 instead of settling: w = [[0, 1], [1, 0]]
    /// from (1, −1) swaps the two units every sweep until max_sweeps.
    func testSynchronousUpdatesCanOscillate() throws {
        let w: [Float] = [0, 1, 1, 0]
        var z: [Float] = [1, -1]
        var rng = SeededRandom(seed: 1)
        let sync = try options("{update: sync, max_sweeps: 6}")
        let sweeps = recall(w, &z, sync, &rng)
        XCTAssertEqual(sweeps, 6)
        XCTAssertEqual(z, [1, -1])
        // Asynchronous updates settle in a minimum.
        var y: [Float] = [1, -1]
        let async = try options("{update: async, order: sequential, max_sweeps: 6}")
        let settled = recall(w, &y, async, &rng)
        XCTAssertLessThan(settled, 6)
        XCTAssertEqual(y[0], y[1])
    }

    /// The spec: p = 0.05K patterns are recalled from 10% flipped bits, with the energy falling.
    func testRecallAtFivePercentLoad() throws {
        let result = try ClassicRun.spec("hopfield")
        XCTAssertEqual(result.metric("recall"), 1)
        XCTAssertEqual(result.metric("overlap"), 1)
        let sweeps = result.metric("sweeps")
        XCTAssertGreaterThanOrEqual(sweeps, 2, "at least one sweep that flips and one that confirms")
        XCTAssertLessThan(sweeps, 10)
        guard case .numbers(let energy)? = result.final["energy"] else { return XCTFail("no energy trace") }
        XCTAssertGreaterThanOrEqual(energy.count, 10, "10 flipped bits to undo")
        XCTAssertTrue(zip(energy, energy.dropFirst()).allSatisfy { $1 < $0 }, "\(energy)")
        XCTAssertNotNil(result.note(containing: "it never rose"))
        XCTAssertNotNil(result.note(containing: "recall (original | degraded | recalled)"))
        // Larger networks at the same load, other seeds.
        for seed in UInt64(1)...3 {
            let big = try ClassicRun.spec("hopfield", ["data.units=200", "model.input=[200]", "data.count=10", "evaluate.show=0"],
                                          seed: seed)
            XCTAssertGreaterThanOrEqual(big.metric("recall"), 0.9, "seed \(seed)")
            XCTAssertGreaterThan(big.metric("overlap"), 0.99, "seed \(seed)")
        }
    }

    /// The recall grids redraw the very recalls the metrics counted (random order included).
    func testRecallGridsAgreeWithTheMetrics() throws {
        let result = try ClassicRun.spec("hopfield", ["data.count=14", "evaluate.show=14"])
        guard let grids = result.note(containing: "recall (original | degraded | recalled), 14 of 14") else {
            return XCTFail("no grids in \(result.notes)")
        }
        let wrong = grids.components(separatedBy: "✗").count - 1
        let right = grids.components(separatedBy: "✓").count - 1
        XCTAssertEqual(wrong + right, 14)
        XCTAssertGreaterThan(wrong, 0, "p = 0.14K should lose some patterns")
        XCTAssertEqual(Double(right) / 14, result.metric("recall"), accuracy: 1e-9)
    }

    /// Well above p ≈ 0.138K the stored patterns are no longer fixed points: recall collapses.
    func testRecallCollapsesAboveCapacity() throws {
        for seed in UInt64(1)...3 {
            let result = try ClassicRun.spec("hopfield", ["data.units=200", "model.input=[200]", "data.count=60", "evaluate.show=0"],
                                             seed: seed)
            XCTAssertLessThan(result.metric("recall"), 0.1, "seed \(seed)")
            XCTAssertLessThan(result.metric("overlap"), 0.9, "seed \(seed)")
        }
    }
}
