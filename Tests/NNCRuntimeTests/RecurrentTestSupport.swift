import Foundation
import NNCIR
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// The repository root (Tests/NNCRuntimeTests/ is two levels below it).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// Checks a spec written in the test; fails the test on any error.
func checkedSpec(_ text: String, path: String = "test.yaml", file: StaticString = #filePath,
                 line: UInt = #line) throws -> CheckResult {
    let result = Compiler.check(SourceFile(path: path, text: text))
    if result.hasErrors {
        XCTFail("spec has errors: \(result.diagnostics.map(\.message))", file: file, line: line)
        throw RunError.bug("bad test spec")
    }
    return result
}

/// Runs a spec (text, or a file with `path` given) with `--set` overrides on one thread.
func runSpec(_ text: String, seed: UInt64? = nil, sets: [String] = []) throws -> RunResult {
    let overrides = sets.compactMap(Override.init)
    let checked = Compiler.check(SourceFile(path: "test.yaml", text: text), overrides: overrides)
    guard !checked.hasErrors else { throw RunError.bug("spec has errors: \(checked.diagnostics.map(\.message))") }
    return try Runner.run(checked, options: RunOptions(seed: seed, threads: 1))
}

/// Runs specs/<name>.yaml with `--set` overrides on one thread.
func runShippedSpec(_ name: String, seed: UInt64? = nil, sets: [String] = []) throws -> RunResult {
    let path = repositoryRoot.appendingPathComponent("specs/\(name).yaml").path
    let source = try SourceFile.load(path: path)
    let checked = Compiler.check(source, overrides: sets.compactMap(Override.init))
    guard !checked.hasErrors else { throw RunError.bug("\(name) has errors: \(checked.diagnostics.map(\.message))") }
    return try Runner.run(checked, options: RunOptions(seed: seed, threads: 1))
}

/// A final metric as a number, or a test failure.
func metric(_ result: RunResult, _ name: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
    guard let value = result.final[name]?.number else {
        XCTFail("no metric '\(name)' in \(result.final.entries.map(\.name))", file: file, line: line)
        return .nan
    }
    return value
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
}

/// True when the env var NNC_SLOW_TESTS is 1 (full-size literature runs and figure tables).
var slowTestsEnabled: Bool { ProcessInfo.processInfo.environment["NNC_SLOW_TESTS"] == "1" }

/// A training plan for a checked spec at batch n (T bound to `steps`), with
/// parameters initialized from `seed` and the loss attached.
func trainingPlan(_ checked: CheckResult, batch: Int, steps: Int?, loss: LossKind, labels: Bool = false,
                  seed: UInt64 = 7) throws -> Plan {
    guard let graph = checked.graph else { throw RunError.bug("no graph") }
    let parameters = ParameterStore(graph: graph)
    var rng = SeededRandom(seed: seed)
    parameters.initialize(graph: graph, rng: &rng)
    let plan = try Plan(graph: graph, parameters: parameters, batch: batch, bindings: steps.map { ["T": $0] } ?? [:],
                        training: true, pool: nil, random: SeededRandom(seed: seed + 1))
    plan.attachLoss(loss, labels: labels)
    return plan
}

/// Deterministic pseudo-random values in [-1, 1).
func randomValues(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SeededRandom(seed: seed)
    return (0..<count).map { _ in 2 * rng.uniformFloat() - 1 }
}
