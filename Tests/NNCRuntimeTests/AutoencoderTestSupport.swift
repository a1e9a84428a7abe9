import Foundation
import NNCIR
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Running the project's autoencoder and PCA specs (and small specs written
/// in the tests) end to end.
enum AutoencoderSpecs {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("specs").path

    /// Runs specs/`name`.yaml with `--set`-style overrides (one thread: the same bits every time).
    static func run(_ name: String, _ overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let source = try SourceFile.load(path: folder + "/" + name + ".yaml")
        return try run(source, overrides, file: file, line: line)
    }

    /// Runs a spec given as text.
    static func run(text: String, _ overrides: [String] = [], file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        try run(SourceFile(path: "test.yaml", text: text), overrides, file: file, line: line)
    }

    static func run(_ source: SourceFile, _ overrides: [String], file: StaticString, line: UInt) throws -> RunResult {
        let checked = try check(source, overrides, file: file, line: line)
        return try Runner.run(checked, options: RunOptions(threads: 1))
    }

    static func check(_ source: SourceFile, _ overrides: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CheckResult {
        let parsed = overrides.compactMap(Override.init)
        XCTAssertEqual(parsed.count, overrides.count, "bad override in \(overrides)", file: file, line: line)
        let checked = Compiler.check(source, overrides: parsed)
        XCTAssertFalse(checked.hasErrors, checked.diagnostics.map(\.message).joined(separator: "\n"), file: file, line: line)
        return checked
    }

    /// The final `mse` metric.
    static func mse(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> Double {
        try XCTUnwrap(result.final["mse"]?.number, "no mse in \(result.final.entries.map(\.name))", file: file, line: line)
    }

    static func outputs(_ result: RunResult, file: StaticString = #filePath, line: UInt = #line) throws -> AutoencoderOutputs {
        try XCTUnwrap(result.autoencoder, "no autoencoder outputs for \(result.spec.name)", file: file, line: line)
    }
}
