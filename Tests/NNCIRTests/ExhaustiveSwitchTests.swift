import Foundation
import XCTest

/// docs/layout.md promises that every switch over a layer op (`LayerOp`, `IROp`) or a
/// step kind (`Step.Kind`) is exhaustive, so that a new layer kind makes the compiler
/// point at every place that must learn it. A `default:` there would hide one.
final class ExhaustiveSwitchTests: XCTestCase {
    /// Case names only these enums have: a switch whose cases use one of them is over them.
    static let opCases = ["dense", "threshold", "hopfield", "conv2d", "conv", "pool", "flatten", "dropout", "noise",
                          "rnn", "lstm", "pca", "add", "concat", "layer"]

    func testNoDefaultInSwitchesOverOpsOrSteps() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        var offenders: [String] = []
        var scanned = 0
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") {
            let lines = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (i, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces).hasPrefix("default:") {
                scanned += 1
                let indent = line.prefix { $0 == " " }.count
                // The switch's cases: lines at the same indentation back to the `switch`.
                var j = i - 1
                var patterns: [String] = []
                while j >= 0 {
                    let l = lines[j], t = l.trimmingCharacters(in: .whitespaces)
                    let li = l.prefix { $0 == " " }.count
                    if li < indent && t.contains("switch ") { break }
                    if li == indent && t.hasPrefix("case ") { patterns.append(t) }
                    j -= 1
                }
                let overOps = patterns.contains { p in
                    Self.opCases.contains { p.hasPrefix("case .\($0)(") || p.hasPrefix("case .\($0):") || p.hasPrefix("case .\($0),")
                        || p.hasPrefix("case .\($0) ") }
                }
                if overOps { offenders.append("\(file):\(i + 1)") }
            }
        }
        XCTAssertGreaterThan(scanned, 10, "the scan found the sources")
        XCTAssertEqual(offenders, [], "switches over ops or steps with a default: branch")
    }
}
