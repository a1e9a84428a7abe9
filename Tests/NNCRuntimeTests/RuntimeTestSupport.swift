import Foundation
import XCTest
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// Helpers for runtime tests: check and run specs from files or text.
enum RuntimeTest {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func check(text: String, path: String = "test.yaml") throws -> CheckResult {
        let result = Compiler.check(SourceFile(path: path, text: text))
        guard !result.hasErrors else {
            throw RunError.data("spec has errors: \(result.diagnostics.map { "\($0.code) \($0.message)" })")
        }
        return result
    }

    static func check(spec name: String, overrides: [String] = []) throws -> CheckResult {
        let source = try SourceFile.load(path: root.appendingPathComponent("specs/\(name).yaml").path)
        let result = Compiler.check(source, overrides: overrides.compactMap(Override.init))
        guard !result.hasErrors else { throw RunError.data("\(name) has errors: \(result.diagnostics.map(\.message))") }
        return result
    }

    static func run(spec name: String, overrides: [String] = [], threads: Int = 1) throws -> RunResult {
        try Runner.run(try check(spec: name, overrides: overrides), options: RunOptions(threads: threads))
    }

    static func run(text: String, threads: Int = 1) throws -> RunResult {
        try Runner.run(try check(text: text), options: RunOptions(threads: threads))
    }

    /// A plan with random parameters for the spec text, fused or not.
    static func plan(text: String, batch: Int, fuse: Bool, seed: UInt64 = 5) throws -> Plan {
        let checked = try check(text: text)
        guard let graph = checked.graph else { throw RunError.bug("no graph") }
        let parameters = ParameterStore(graph: graph)
        var rng = SeededRandom(seed: seed)
        parameters.initialize(graph: graph, rng: &rng)
        return try Plan(graph: graph, parameters: parameters, batch: batch, bindings: [:], training: true, pool: nil,
                        random: SeededRandom(seed: seed + 1), fuse: fuse)
    }

    static func fillInput(_ plan: Plan, seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let x = plan.values[0]
        for i in 0..<x.count { x.pointer[i] = rng.uniformFloat() * 2 - 1 }
    }
}
