import Foundation
import XCTest
@testable import NNCIR
import NNCSpec

/// Bad-spec files carry their expectations inline: `# error: E0301` on a line
/// means exactly one diagnostic with that code on that line. A file's set of
/// (line, code) pairs must equal what the checker reports, no more, no less.
final class BadSpecTests: XCTestCase {
    static var fixtures: URL {
        get throws {
            try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("bad")
        }
    }

    struct Expectation: Hashable, CustomStringConvertible {
        var line: Int
        var code: String
        var description: String { "\(code)@\(line)" }
    }

    static func expectations(in text: String) -> Set<Expectation> {
        var result = Set<Expectation>()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let hash = line.range(of: "# error: ") ?? line.range(of: "# warning: ") else { continue }
            let code = line[hash.upperBound...].prefix(5)
            result.insert(Expectation(line: i + 1, code: String(code)))
        }
        return result
    }

    func testEveryBadSpecReportsExactlyItsExpectations() throws {
        let dir = try Self.fixtures
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted()
        XCTAssertGreaterThan(files.count, 40)
        for name in files {
            let path = dir.appendingPathComponent(name).path
            let source = try SourceFile.load(path: path)
            let text = String(decoding: source.bytes, as: UTF8.self)
            let expected = Self.expectations(in: text)
            XCTAssertFalse(expected.isEmpty, "\(name) has no inline expectation")
            let result = Compiler.check(source)
            let found = Set(result.diagnostics.map { Expectation(line: $0.span?.start.line ?? 1, code: $0.code) })
            XCTAssertEqual(found, expected, "\(name): \(result.diagnostics.map { "\($0.code)@\($0.span?.start.line ?? 0) \($0.message)" })")
        }
    }

    /// Each error code of the table has a fixture that triggers it (file and YAML-level ones aside).
    func testEveryCheckerCodeHasAFixture() throws {
        let dir = try Self.fixtures
        var covered = Set<String>()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            covered.formUnion(Self.expectations(in: text).map(\.code))
        }
        // E0801/E0802 are about `nnc run --init` model files, not specs (PredictCommandTests covers them).
        let needsFixture = DiagnosticCodes.all.map(\.code).filter {
            !["E0001", "E0002", "E0006", "E0007", "E0008", "E0009", "E0010", "E0801", "E0802"].contains($0)
        }
            .filter { !$0.hasPrefix("E06") && !$0.hasPrefix("W06") }   // data files: tested with files (DataCheckTests, the loader tests)
        XCTAssertEqual(Set(needsFixture).subtracting(covered), [], "codes without a bad-spec fixture")
    }

    func testCascadeIsNotReported() throws {
        let source = try SourceFile.load(path: try Self.fixtures.appendingPathComponent("cascade.yaml").path)
        let result = Compiler.check(source)
        XCTAssertEqual(result.errorCount, 1)
        XCTAssertNil(result.graph?.nodes.last?.shape, "the merge of unknown shapes stays unknown")
    }

    func testShapeErrorShowsArithmeticNoteAndFix() throws {
        let window = Compiler.check(SourceFile(path: "w.yaml", text: """
            nnc: 1
            model:
              input: [1, 8, 8]
              layers:
                - conv2d: {filters: 4, kernel: 9}
            """))
        let d = try XCTUnwrap(window.diagnostics.first)
        XCTAssertEqual(d.code, "E0304")
        XCTAssertTrue(d.message.contains("H' = ⌊(8 + 2·0 − 9)/1⌋ + 1 = 0"), d.message)

        let flatten = Compiler.check(SourceFile(path: "f.yaml", text: """
            nnc: 1
            model:
              input: [1, 8, 8]
              layers:
                - conv2d: {filters: 16, kernel: 3, padding: same}
                - maxpool: {size: 2}
                - dense: {units: 10}
            """))
        let e = try XCTUnwrap(flatten.diagnostics.first)
        XCTAssertEqual(e.code, "E0301")
        XCTAssertEqual(e.message, "'dense' expects a vector input, got [16, 4, 4]")
        XCTAssertEqual(e.span?.start, SourceLocation(line: 7, column: 7))
        XCTAssertEqual(e.notes.first?.message, "the input comes from 'maxpool2' (line 6) with shape [16, 4, 4]")
        XCTAssertEqual(e.help, "insert '- flatten' before this layer")
    }

    func testDidYouMean() throws {
        let result = Compiler.check(SourceFile(path: "d.yaml", text: """
            nnc: 1
            model:
              input: [4]
              layers:
                - dense: {units: 3, activaton: relu}
            """))
        let d = try XCTUnwrap(result.diagnostics.first)
        XCTAssertEqual(d.code, "E0101")
        XCTAssertTrue(d.help?.hasPrefix("did you mean 'activation'?") ?? false, d.help ?? "")
    }
}
