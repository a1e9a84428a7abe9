import Foundation
import XCTest
@testable import NNCRuntime

/// Hopfield capacity table: exact recall and mean overlap from 10% flipped
/// bits at p/K = 0.05, 0.10, 0.14, 0.20 for K = 100 and 400, each the mean of
/// the runs of specs/hopfield.yaml with seeds 1...10 (the spec's settings:
/// asynchronous random-order updates, flip 0.1). Skipped unless
/// NNC_HOPFIELD_TABLE=1; run it with
///
///     NNC_HOPFIELD_TABLE=1 swift test -c release --filter HopfieldTable
final class ClassicHopfieldTableTests: XCTestCase {
    func testHopfieldTable() throws {
        guard ProcessInfo.processInfo.environment["NNC_HOPFIELD_TABLE"] == "1" else {
            throw XCTSkip("set NNC_HOPFIELD_TABLE=1 to print the Hopfield capacity table")
        }
        let seeds = UInt64(1)...10
        var lines = ["| K | p/K | p | exact recall | mean overlap | mean sweeps |", "|---|---|---|---|---|---|"]
        for k in [100, 400] {
            for load in [0.05, 0.10, 0.14, 0.20] {
                let p = Int((load * Double(k)).rounded())
                var recall = 0.0, overlap = 0.0, sweeps = 0.0
                for seed in seeds {
                    let result = try ClassicRun.spec("hopfield", [
                        "data.units=\(k)", "model.input=[\(k)]", "data.count=\(p)", "evaluate.show=0",
                        "evaluate.metrics=[overlap, recall, sweeps]",
                    ], seed: seed)
                    recall += result.metric("recall")
                    overlap += result.metric("overlap")
                    sweeps += result.metric("sweeps")
                }
                let n = Double(seeds.count)
                lines.append("| \(k) | \(load) | \(p) | \(String(format: "%.3f", recall / n)) | \(String(format: "%.4f", overlap / n)) | \(String(format: "%.2f", sweeps / n)) |")
                // Theory's shape, loosely: near-perfect at 0.05, collapsed at 0.20.
                if load == 0.05 { XCTAssertGreaterThan(recall / n, 0.9) }
                if load == 0.20 { XCTAssertLessThan(recall / n, 0.5) }
            }
        }
        print((["Hopfield recall from 10% flipped bits, mean of seeds 1...10:"] + lines).joined(separator: "\n"))
    }
}
