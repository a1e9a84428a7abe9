import Foundation
import NNCIR
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Running the classic specs (and small specs written in a test) end to end.
enum ClassicRun {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func specPath(_ name: String) -> String { root.appendingPathComponent("specs/\(name).yaml").path }

    struct CheckFailed: Error, CustomStringConvertible {
        var description: String
    }

    /// Checks and runs specs/NAME.yaml with `--set`-style overrides.
    static func spec(_ name: String, _ overrides: [String] = [], seed: UInt64? = nil) throws -> RunResult {
        try run(try SourceFile.load(path: specPath(name)), overrides, seed: seed)
    }

    /// Checks and runs a spec given as text.
    static func yaml(_ text: String, _ overrides: [String] = [], seed: UInt64? = nil) throws -> RunResult {
        try run(SourceFile(path: "test.yaml", text: text), overrides, seed: seed)
    }

    static func run(_ file: SourceFile, _ overrides: [String], seed: UInt64?) throws -> RunResult {
        let parsed = overrides.compactMap(Override.init)
        guard parsed.count == overrides.count else { throw CheckFailed(description: "bad override in \(overrides)") }
        let checked = Compiler.check(file, overrides: parsed)
        guard !checked.hasErrors else {
            throw CheckFailed(description: checked.diagnostics.map { "\($0.code): \($0.message)" }.joined(separator: "\n"))
        }
        return try Runner.run(checked, options: RunOptions(seed: seed))
    }

    /// A YAML flow list of rows: [[1, 0], [0, 1]].
    static func rows(_ values: [[Float]]) -> String {
        "[" + values.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]"
    }
}

extension RunResult {
    /// A final metric as a number; fails the test when it is missing.
    func metric(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
        guard let v = final[name]?.number else {
            XCTFail("no metric '\(name)' in \(final.entries.map(\.name))", file: file, line: line)
            return .nan
        }
        return v
    }

    /// The values of a learned tensor, e.g. "threshold1.weight".
    func tensor(_ name: String) -> [Float]? { parameters.first { $0.name == name }?.values }

    /// An integer metric summed over the training epochs (e.g. the perceptron's updates).
    func historyTotal(_ name: String) -> Int {
        history.reduce(0) { sum, record in
            if case .integer(let v)? = record.metrics[metric: name] { return sum + v }
            return sum
        }
    }

    func note(containing text: String) -> String? { notes.first { $0.contains(text) } }
}
