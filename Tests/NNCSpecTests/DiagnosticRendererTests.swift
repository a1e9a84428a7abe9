import Foundation
import XCTest
@testable import NNCSpec

final class DiagnosticRendererTests: XCTestCase {
    // MARK: Golden files

    private static let bad = "specs/bad.yaml"

    private static func span(_ l1: Int, _ c1: Int, _ l2: Int, _ c2: Int, file: String = bad) -> SourceSpan {
        SourceSpan(file: file, start: SourceLocation(line: l1, column: c1), end: SourceLocation(line: l2, column: c2))
    }

    /// The diagnostics of the golden files, about Fixtures/golden/bad.yaml
    /// (as `specs/bad.yaml`) and a file not given as a source. make_golden.py
    /// holds the same list.
    static let goldenDiagnostics: [Diagnostic] = [
        .warning("W0101", "'image' has no effect: source 'dïgits' is not an image set", at: span(4, 26, 4, 31),
                 help: "remove the option"),
        .error("E0101", "unknown key 'siez' in \"maxpool\" (allowed: size, stride)", at: span(10, 17, 10, 21),
               help: "did you mean 'size'?"),
        .error("E0301", "'dense' expects a vector input, got [16, 3, 3]", at: span(11, 7, 11, 12),
               notes: [DiagnosticNote("the input comes from 'maxpool' (line 10) with shape [16, 3, 3]", at: span(10, 7, 10, 14))],
               help: "insert '- flatten' before this layer"),
        .error("E0003", "tab character in indentation: YAML indents with spaces only", at: span(14, 1, 14, 2),
               notes: [DiagnosticNote("the YAML parser says: found character that cannot start any token")],
               help: "replace the tabs at the start of the line with spaces"),
        .error("E0102", "missing required key 'loss' in 'train'", at: span(14, 2, 16, 1)),
        .error("E0004", "the file holds no YAML document (it is empty or has only comments)", file: "specs/empty.yaml",
               help: "write at least `nnc: 1` and a `model:` section"),
    ]

    private func fixture(_ name: String, _ ext: String) throws -> [UInt8] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures/golden"))
        return Array(try Data(contentsOf: url))
    }

    private func goldenRenderer(color: Bool = false) throws -> DiagnosticRenderer {
        let source = SourceFile(path: Self.bad, bytes: try fixture("bad", "yaml"))
        return DiagnosticRenderer(files: [source], color: color, toolVersion: "1.2.3",
                                  informationURI: "https://example.org/nnc")
    }

    private func assertGolden(_ output: String, _ name: String, _ ext: String,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = String(decoding: try fixture(name, ext), as: UTF8.self)
        XCTAssertEqual(output, expected, file: file, line: line)
        if output != expected {  // line by line, to see where
            for (i, (a, b)) in zip(output.split(separator: "\n", omittingEmptySubsequences: false),
                                   expected.split(separator: "\n", omittingEmptySubsequences: false)).enumerated() where a != b {
                XCTFail("line \(i + 1):\n got: \(a)\nwant: \(b)", file: file, line: line)
                break
            }
        }
    }

    func testTextGolden() throws {
        try assertGolden(try goldenRenderer().text(Self.goldenDiagnostics), "diagnostics", "txt")
    }

    func testJSONGolden() throws {
        try assertGolden(try goldenRenderer().json(Self.goldenDiagnostics, files: 2), "diagnostics", "json")
    }

    func testGitHubGolden() throws {
        try assertGolden(try goldenRenderer().github(Self.goldenDiagnostics), "diagnostics.github", "txt")
    }

    func testSARIFGolden() throws {
        try assertGolden(try goldenRenderer().sarif(Self.goldenDiagnostics), "diagnostics", "sarif")
    }

    func testRenderDispatchesOnTheFormat() throws {
        let renderer = try goldenRenderer()
        let d = Self.goldenDiagnostics
        XCTAssertEqual(renderer.render(d, format: .text, files: 2), renderer.text(d))
        XCTAssertEqual(renderer.render(d, format: .json, files: 2), renderer.json(d, files: 2))
        XCTAssertEqual(renderer.render(d, format: .github, files: 2), renderer.github(d))
        XCTAssertEqual(renderer.render(d, format: .sarif, files: 2), renderer.sarif(d))
        XCTAssertEqual(DiagnosticFormat(rawValue: "sarif"), .sarif)
        XCTAssertEqual(DiagnosticFormat.allCases.map(\.rawValue), ["text", "json", "github", "sarif"])
    }

    // MARK: Text

    private func text(_ source: String, _ d: Diagnostic, color: Bool = false) -> String {
        DiagnosticRenderer(files: [SourceFile(path: "f.yaml", text: source)], color: color).text([d])
    }

    private func at(_ line: Int, _ c1: Int, _ c2: Int) -> SourceSpan {
        Self.span(line, c1, line, c2, file: "f.yaml")
    }

    func testGutterGrowsWithTheLineNumber() {
        let source = String(repeating: "a: 1\n", count: 119) + "  key: value\n"
        let out = text(source, .error("E0101", "unknown key 'key'", at: at(120, 3, 6), help: "remove it"))
        XCTAssertEqual(out, """
            f.yaml:120:3: error[E0101]: unknown key 'key'
                |
            120 |   key: value
                |   ^^^
                = help: remove it

            """)
    }

    func testCaretsUnderTabsAndAfterNonASCII() {
        // Tab then "ü": column 4 is 'x', after 4 + 1 + 1 display columns.
        let out = text("\tü x: 1\n", .error("E0101", "m", at: at(1, 4, 5)))
        XCTAssertEqual(out, """
            f.yaml:1:4: error[E0101]: m
              |
            1 |     ü x: 1
              |       ^

            """)
    }

    func testSpanOverSeveralLinesUnderlinesToTheEndOfItsFirstLine() {
        let span = Self.span(1, 4, 3, 1, file: "f.yaml")
        let out = text("a: {b: 1,\n  c: 2}\n", .error("E0103", "m", at: span))
        XCTAssertTrue(out.hasSuffix("1 | a: {b: 1,\n  |    ^^^^^^\n"), out)
    }

    func testEmptySpanAndSpanAtTheEndOfALineGetOneCaret() {
        let empty = text("abc\n", .error("E0003", "m", at: at(1, 2, 2)))
        XCTAssertTrue(empty.hasSuffix("  |  ^\n"), empty)
        let atEnd = text("abc\n", .error("E0003", "m", at: at(1, 4, 5)))
        XCTAssertTrue(atEnd.hasSuffix("  |    ^\n"), atEnd)
        let emptyLine = text("\n\n", .error("E0003", "m", at: at(2, 1, 1)))
        XCTAssertTrue(emptyLine.contains("\n2 |\n  | ^\n"), emptyLine)
    }

    func testControlCharactersInTheSourceLineAreNotPrintedRaw() {
        // ESC is shown as the two characters \e, and the caret moves past both.
        let out = text("a: \u{1B}[31m x\n", .error("E0002", "m", at: at(1, 10, 11)))
        XCTAssertFalse(out.contains("\u{1B}"))
        XCTAssertTrue(out.hasSuffix("1 | a: \\e[31m x\n  |           ^\n"), out)
    }

    func testLongLinesAreCutToAWindowAroundTheCaret() {
        // 300 characters; the span 'key' at columns 201..203: 40 characters before it, 120 in all.
        let line = String(repeating: "a", count: 200) + "key" + String(repeating: "b", count: 97)
        let out = text(line + "\n", .error("E0101", "m", at: at(1, 201, 204)))
        let shown = "…" + String(repeating: "a", count: 40) + "key" + String(repeating: "b", count: 77) + "…"
        XCTAssertTrue(out.hasSuffix("1 | \(shown)\n  | " + String(repeating: " ", count: 41) + "^^^\n"), out)
        // Near the end the window ends with the line (the last 120 characters); a span to the line break gets its caret.
        let end = text(line + "\n", .error("E0003", "m", at: at(1, 301, 302)))
        XCTAssertTrue(end.contains("1 | …" + String(repeating: "a", count: 20) + "key" + String(repeating: "b", count: 97) + "\n"), end)
        XCTAssertTrue(end.hasSuffix(String(repeating: " ", count: 121) + "^\n"), end)
    }

    func testMessagesAndFileNamesAreEscaped() {
        let d = Diagnostic.error("E0201", "names 'x\nf.yaml:1:1: note: ok\u{1B}]52;c;aGk=\u{07}\u{202E}'",
                                 file: "a\u{1B}[2J.yaml", notes: [DiagnosticNote("n\r")], help: "h\u{85}")
        XCTAssertEqual(DiagnosticRenderer().text([d]),
                       "a\\e[2J.yaml: error[E0201]: names 'x\\nf.yaml:1:1: note: ok\\e]52;c;aGk=\\u{7}\\u{202E}'\n"
                       + "  = note: n\\r\n  = help: h\\u{85}\n")
        XCTAssertEqual(DiagnosticRenderer.visible("tab\tnul\0 é 日本 🙂 \u{200B}"), "tab\\tnul\\0 é 日本 🙂 \\u{200B}")
    }

    func testNoSourceMeansNoSnippet() {
        let d = Diagnostic.error("E0301", "m", at: Self.span(3, 1, 3, 2, file: "other.yaml"), help: "h")
        XCTAssertEqual(text("x\n", d), "other.yaml:3:1: error[E0301]: m\n  = help: h\n")
    }

    func testColourOnlyWhenAsked() {
        let d = Diagnostic.warning("W0501", "lr", at: at(1, 1, 2))
        let plain = text("x\n", d)
        XCTAssertFalse(plain.contains("\u{1B}["))
        let coloured = text("x\n", d, color: true)
        XCTAssertTrue(coloured.contains("\u{1B}[1;33mwarning[W0501]\u{1B}[0m"), coloured)
        XCTAssertTrue(coloured.contains("\u{1B}[1;34m1 |\u{1B}[0m x"), coloured)
        XCTAssertTrue(coloured.contains("\u{1B}[1;33m^\u{1B}[0m"), coloured)
        let error = text("x\n", .error("E0301", "m", at: at(1, 1, 2)), color: true)
        XCTAssertTrue(error.contains("\u{1B}[1;31merror[E0301]\u{1B}[0m"), error)
    }

    func testSummaryLine() {
        let renderer = DiagnosticRenderer()
        XCTAssertEqual(renderer.summaryLine(errors: 2, warnings: 1, files: 3), "error: 2 errors and 1 warning in 3 files")
        XCTAssertEqual(renderer.summaryLine(errors: 1, warnings: 0, files: 1), "error: 1 error in 1 file")
        XCTAssertEqual(renderer.summaryLine(errors: 0, warnings: 2, files: 1), "warning: 2 warnings in 1 file")
        XCTAssertEqual(renderer.summaryLine(errors: 0, warnings: 0, files: 4), "no errors or warnings in 4 files")
        XCTAssertEqual(DiagnosticRenderer(color: true).summaryLine(errors: 1, warnings: 0, files: 1),
                       "\u{1B}[1;31merror\u{1B}[0m: 1 error in 1 file")
    }

    // MARK: JSON

    func testJSONHasTheKeysOfTheCLIDocument() throws {
        let out = try goldenRenderer().json(Self.goldenDiagnostics, files: 2)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["files", "errors", "warnings", "diagnostics", "omitted", "skipped"])
        XCTAssertEqual(object["files"] as? Int, 2)
        XCTAssertEqual(object["errors"] as? Int, 5)
        XCTAssertEqual(object["warnings"] as? Int, 1)
        let diagnostics = try XCTUnwrap(object["diagnostics"] as? [[String: Any]])
        XCTAssertEqual(diagnostics.count, 6)
        for d in diagnostics {
            XCTAssertEqual(Set(d.keys), ["file", "line", "column", "severity", "code", "message", "notes", "help"])
        }
        XCTAssertEqual(diagnostics[2]["message"] as? String, "'dense' expects a vector input, got [16, 3, 3]")
        let note = try XCTUnwrap((diagnostics[2]["notes"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(note.keys), ["message", "file", "line", "column"])
        XCTAssertEqual(note["line"] as? Int, 10)
        XCTAssertTrue(diagnostics[5]["line"] is NSNull, "no span: line is null")
        XCTAssertEqual(diagnostics[1]["message"] as? String, "unknown key 'siez' in \"maxpool\" (allowed: size, stride)")
        // Key order as in docs/cli.md.
        XCTAssertTrue(out.hasPrefix("{\"files\": 2, \"errors\": 5, \"warnings\": 1, \"diagnostics\": [{\"file\": "), out)
    }

    func testJSONStringEscaping() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t return \r bell \u{07} nul \u{00} unit \u{1F} del \u{7F} é 日本 🙂"
        let quoted = JSONWriter.quoted(tricky)
        XCTAssertEqual(quoted, "\"quote \\\" backslash \\\\ newline \\n tab \\t return \\r bell \\u0007 nul \\u0000 unit \\u001f del \u{7F} é 日本 🙂\"")
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(quoted)]".utf8)) as? [String]
        XCTAssertEqual(decoded, [tricky])
    }

    func testJSONNumbersAndLayouts() {
        let value: JSONValue = ["i": 42, "neg": -7, "d": 0.1, "whole": 3.0, "tiny": 1e-7, "big": 1e300,
                                "nan": .double(.nan), "inf": .double(-.infinity), "list": [1, nil, true], "empty": [:]]
        XCTAssertEqual(JSONWriter(style: .compact).string(value),
                       #"{"i":42,"neg":-7,"d":0.1,"whole":3.0,"tiny":1e-07,"big":1e+300,"nan":null,"inf":null,"list":[1,null,true],"empty":{}}"#)
        XCTAssertEqual(JSONWriter(style: .pretty(indent: 2)).string(["a": [1, 2], "b": [], "c": ["d": "e"]]), """
            {
              "a": [
                1,
                2
              ],
              "b": [],
              "c": {
                "d": "e"
              }
            }
            """)
        XCTAssertEqual(Double(JSONWriter.number(0.1 + 0.2)), 0.1 + 0.2, "shortest form still round-trips")
    }

    // MARK: GitHub

    func testGitHubEscapesDataAndProperties() {
        let d = Diagnostic(.note, "W0101", "100% sure\r\nnext: a, b", file: "dir,x/a:b.yaml",
                           span: Self.span(2, 3, 4, 1, file: "dir,x/a:b.yaml"))
        XCTAssertEqual(DiagnosticRenderer().github([d]),
                       "::notice file=dir%2Cx/a%3Ab.yaml,line=2,col=3,title=W0101::100%25 sure%0D%0Anext: a, b\n")
    }

    // MARK: SARIF

    func testSARIFStructure() throws {
        let out = try goldenRenderer().sarif(Self.goldenDiagnostics)
        let log = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(log["version"] as? String, "2.1.0")
        XCTAssertEqual(log["$schema"] as? String, "https://json.schemastore.org/sarif-2.1.0.json")
        let run = try XCTUnwrap((log["runs"] as? [[String: Any]])?.first)
        let driver = try XCTUnwrap((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        XCTAssertEqual(driver["name"] as? String, "nnc")
        XCTAssertEqual(driver["version"] as? String, "1.2.3")
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]])
        XCTAssertEqual(rules.map { $0["id"] as? String }, ["E0003", "E0004", "E0101", "E0102", "E0301", "W0101"])
        XCTAssertEqual(rules[4]["name"] as? String, "VectorInputExpected")
        XCTAssertEqual((rules[4]["shortDescription"] as? [String: Any])?["text"] as? String, "vector input expected")

        let results = try XCTUnwrap(run["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["level"] as? String }, ["warning", "error", "error", "error", "error", "error"])
        for result in results {
            let index = try XCTUnwrap(result["ruleIndex"] as? Int)
            XCTAssertEqual(rules[index]["id"] as? String, result["ruleId"] as? String)
        }
        let dense = results[2]
        let physical = try XCTUnwrap((dense["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        XCTAssertEqual((physical["artifactLocation"] as? [String: Any])?["uri"] as? String, "specs/bad.yaml")
        let region = try XCTUnwrap(physical["region"] as? [String: Int])
        XCTAssertEqual(region, ["startLine": 11, "startColumn": 7, "endLine": 11, "endColumn": 12])
        let related = try XCTUnwrap(dense["relatedLocations"] as? [[String: Any]])
        XCTAssertEqual(related.count, 1)
        XCTAssertEqual((related[0]["message"] as? [String: Any])?["text"] as? String,
                       "the input comes from 'maxpool' (line 10) with shape [16, 3, 3]")
        let noSpan = try XCTUnwrap((results[5]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        XCTAssertNil(noSpan["region"])
    }

    func testSARIFURIsArePercentEncoded() {
        XCTAssertEqual(DiagnosticRenderer.uriReference("specs/my spec#1.yaml"), "specs/my%20spec%231.yaml")
        XCTAssertEqual(DiagnosticRenderer.uriReference("/tmp/é.yaml"), "file:///tmp/%C3%A9.yaml")
    }
}
