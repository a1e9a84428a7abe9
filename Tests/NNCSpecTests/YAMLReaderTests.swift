import Foundation
import XCTest
@testable import NNCSpec

final class YAMLReaderTests: XCTestCase {
    // MARK: Helpers

    private func read(_ text: String, limits: YAMLLimits = .init()) -> YAMLReadResult {
        YAMLReader.read(SourceFile(path: "t.yaml", text: text), limits: limits)
    }

    private func read(bytes: [UInt8]) -> YAMLReadResult {
        YAMLReader.read(SourceFile(path: "t.yaml", bytes: bytes))
    }

    private func fixture(_ name: String) throws -> SourceFile {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures/yaml"))
        return SourceFile(path: name + ".yaml", bytes: Array(try Data(contentsOf: url)))
    }

    private func loc(_ line: Int, _ column: Int) -> SourceLocation { SourceLocation(line: line, column: column) }

    /// The only diagnostic of `result`, which must have no root.
    private func onlyError(_ result: YAMLReadResult, file: StaticString = #filePath, line: UInt = #line) throws -> Diagnostic {
        XCTAssertNil(result.root, "a fatal error leaves no root", file: file, line: line)
        XCTAssertEqual(result.diagnostics.count, 1, "\(result.diagnostics)", file: file, line: line)
        return try XCTUnwrap(result.diagnostics.first, file: file, line: line)
    }

    // MARK: Locations

    func testLocationsOfKeysAndValuesInBlockAndFlowStyle() throws {
        let result = YAMLReader.read(try fixture("spec"))
        XCTAssertEqual(result.diagnostics, [])
        let root = try XCTUnwrap(result.root)
        let layers = try XCTUnwrap(root["model"]?["layers"]?.sequence)
        XCTAssertEqual(layers.count, 3)

        // `    - flatten` on line 8
        XCTAssertEqual(layers[1].scalar, "flatten")
        XCTAssertEqual(layers[1].span.start, loc(8, 7))
        XCTAssertEqual(layers[1].span.end, loc(8, 14))

        // `    - dense: {units: 10, activation: softmax}` on line 9
        let dense = try XCTUnwrap(layers[2].mapping?.first)
        XCTAssertEqual(dense.key.scalar, "dense")
        XCTAssertEqual(dense.key.span, SourceSpan(file: "spec.yaml", start: loc(9, 7), end: loc(9, 12)))
        XCTAssertEqual(dense.value.span.start, loc(9, 14))
        XCTAssertEqual(dense.value.span.end, loc(9, 46))
        let options = try XCTUnwrap(dense.value.mapping)
        XCTAssertEqual(options.map { $0.key.scalar }, ["units", "activation"])
        XCTAssertEqual(options[0].key.span.start, loc(9, 15))
        XCTAssertEqual(options[0].value.scalar, "10")
        XCTAssertEqual(options[0].value.span.start, loc(9, 22))
        XCTAssertEqual(options[0].value.span.end, loc(9, 24))
        XCTAssertEqual(options[1].value.span.start, loc(9, 38))

        // Flow mapping at the top level, line 10.
        XCTAssertEqual(root["train"]?["rule"]?.span.start, loc(10, 26))
    }

    func testColumnsCountCharactersNotBytes() throws {
        // "déjà vu" is 7 characters but 9 bytes; the key `units` is at character 13.
        let root = try XCTUnwrap(read("\"déjà vu\": {units: 10}\n日本: [a, b]\n").root)
        let pair = try XCTUnwrap(root.mapping?.first)
        XCTAssertEqual(pair.key.scalar, "déjà vu")
        XCTAssertEqual(pair.key.span.end, loc(1, 10))
        XCTAssertEqual(pair.value.mapping?.first?.key.span.start, loc(1, 13))
        XCTAssertEqual(root["日本"]?.sequence?.last?.span.start, loc(2, 9))
    }

    func testByteOrderMarkAndCRLFLineEnds() throws {
        let result = read("\u{FEFF}a: 1\r\nb:\r\n  c: [x, y]\r\n")
        XCTAssertEqual(result.diagnostics, [])
        let root = try XCTUnwrap(result.root)
        XCTAssertEqual(root.mapping?.first?.key.span.start, loc(1, 1))
        XCTAssertEqual(root["a"]?.scalar, "1")
        let c = try XCTUnwrap(root["b"]?.mapping?.first)
        XCTAssertEqual(c.key.span.start, loc(3, 3))
        XCTAssertEqual(c.value.sequence?.map(\.scalar), ["x", "y"])
        XCTAssertEqual(c.value.sequence?.last?.span.start, loc(3, 10))
    }

    // MARK: Bad text

    func testInvalidUTF8ReportsLineAndColumnOfFirstBadByte() throws {
        // "café" saved as Latin-1: 0xE9 is the 10th character of line 2.
        let bytes = Array("name: ok\ndesc: caf".utf8) + [0xE9] + Array(" au lait\n".utf8)
        let error = try onlyError(read(bytes: bytes))
        XCTAssertEqual(error.code, "E0002")
        XCTAssertEqual(error.span?.start, loc(2, 10))
        XCTAssertTrue(error.message.contains("0xE9"), error.message)
    }

    func testTruncatedAndOverlongUTF8AreRejected() throws {
        let truncated = try onlyError(read(bytes: Array("a: ü".utf8).dropLast()))
        XCTAssertEqual(truncated.code, "E0002")
        XCTAssertEqual(truncated.span?.start, loc(1, 4))
        let overlong = try onlyError(read(bytes: Array("a: ".utf8) + [0xC0, 0xAF]))  // '/' in two bytes
        XCTAssertEqual(overlong.code, "E0002")
        let surrogate = try onlyError(read(bytes: Array("a: ".utf8) + [0xED, 0xA0, 0x80]))
        XCTAssertEqual(surrogate.code, "E0002")
    }

    func testNULBytesAreReportedAsBinary() throws {
        let error = try onlyError(read(bytes: Array("a: 1\nb: ".utf8) + [0, 0, 0x7F, 0x45, 0x4C, 0x46]))
        XCTAssertEqual(error.code, "E0002")
        XCTAssertEqual(error.span?.start, loc(2, 4))
        XCTAssertTrue(error.message.contains("NUL"), error.message)
    }

    func testControlCharactersAndUTF16AreRejected() throws {
        let escape = try onlyError(read("a: 1\n  b: \u{1B}[31m\n"))
        XCTAssertEqual(escape.code, "E0002")
        XCTAssertEqual(escape.span?.start, loc(2, 6))
        XCTAssertTrue(escape.message.contains("U+001B"), escape.message)

        let utf16 = try onlyError(read(bytes: [0xFF, 0xFE, 0x61, 0x00, 0x3A, 0x00]))
        XCTAssertEqual(utf16.code, "E0002")
        XCTAssertTrue(utf16.message.contains("UTF-16"), utf16.message)
    }

    func testFileLargerThanTheLimit() throws {
        XCTAssertEqual(YAMLLimits().maxFileBytes, 16 * 1024 * 1024)
        let error = try onlyError(read("a: 0123456789\n", limits: YAMLLimits(maxFileBytes: 10)))
        XCTAssertEqual(error.code, "E0010")
        XCTAssertNil(error.span)
        XCTAssertEqual(read("a: 0123456789\n", limits: YAMLLimits(maxFileBytes: 14)).diagnostics, [])
    }

    // MARK: Empty files

    func testEmptyFilesAndDocuments() throws {
        for text in ["", "\u{FEFF}", "\n\n   \n", "# only a comment\n\n# and another\n"] {
            let error = try onlyError(read(text))
            XCTAssertEqual(error.code, "E0004", "for \(text.debugDescription)")
            XCTAssertNil(error.span, "no position for a file without a document")
        }
        for text in ["---\n", "--- # nothing\n...\n", "~\n"] {
            let error = try onlyError(read(text))
            XCTAssertEqual(error.code, "E0004", "for \(text.debugDescription)")
            XCTAssertEqual(error.span?.start.line, 1)
        }
    }

    // MARK: Syntax errors

    func testUnclosedFlowMappingIsOneErrorWithItsContext() throws {
        let error = try onlyError(read("nnc: 1\nmodel: {input: [64]\nlayers: []\n"))
        XCTAssertEqual(error.code, "E0003")
        XCTAssertEqual(error.message, "did not find expected ',' or '}'")
        // libyaml stops where it finds `layers` instead of ',' or '}'; the
        // note points at where the flow mapping was opened.
        XCTAssertEqual(error.span?.start, loc(3, 1))
        XCTAssertEqual(error.notes.first?.span?.start, loc(2, 8))
        XCTAssertTrue(error.notes.first?.message.contains("flow mapping") ?? false)
    }

    func testBadIndentation() throws {
        let error = try onlyError(read("a: 1\nb:\n  c: 2\n d: 3\n"))
        XCTAssertEqual(error.code, "E0003")
        XCTAssertEqual(error.span?.start.line, 4)
    }

    func testTabIndentationHasAClearMessage() throws {
        let error = try onlyError(read("model:\n\tinput: [4]\n"))
        XCTAssertEqual(error.code, "E0003")
        XCTAssertEqual(error.span?.start, loc(2, 1))
        XCTAssertTrue(error.message.contains("tab"), error.message)
        XCTAssertEqual(error.help, "replace the tabs at the start of the line with spaces")
    }

    func testSeveralDocumentsAreRejectedAtTheSecond() throws {
        let error = try onlyError(read("a: 1\n---\nb: 2\n"))
        XCTAssertEqual(error.code, "E0008")
        XCTAssertEqual(error.span?.start, loc(2, 1))
        XCTAssertEqual(try onlyError(read("---\na: 1\n...\n---\nb: 2\n")).span?.start, loc(4, 1))
        XCTAssertEqual(read("---\na: 1\n...\n").diagnostics, [], "one explicit document is fine")
    }

    // MARK: Keys

    func testDuplicateKeysAreAllReportedWithTheFirstKept() throws {
        let text = """
            model:
              layers:
                - dense: {units: 10, units: 20}
            train:
              epochs: 3
              epochs: 4
            model: 5

            """
        let result = read(text)
        XCTAssertEqual(result.diagnostics.map(\.code), ["E0005", "E0005", "E0005"])
        XCTAssertEqual(result.diagnostics.map { $0.span?.start }, [loc(3, 26), loc(6, 3), loc(7, 1)])
        XCTAssertEqual(result.diagnostics.map { $0.notes.first?.span?.start }, [loc(3, 15), loc(5, 3), loc(1, 1)])
        XCTAssertEqual(result.diagnostics[1].notes.first?.message, "'epochs' is first given here (line 5)")
        let root = try XCTUnwrap(result.root, "duplicates do not stop reading")
        XCTAssertEqual(root.mapping?.count, 2)
        XCTAssertNotNil(root["model"]?.mapping, "the first 'model' is kept")
        XCTAssertEqual(root["train"]?["epochs"]?.scalar, "3")
        XCTAssertEqual(root["model"]?["layers"]?.sequence?.first?["dense"]?["units"]?.scalar, "10")
    }

    func testQuotedAndPlainKeysWithTheSameTextAreDuplicates() {
        XCTAssertEqual(read("a: 1\n'a': 2\n").diagnostics.map(\.code), ["E0005"])
    }

    func testComplexKeysAreRejectedAndReadingGoesOn() throws {
        let result = read("? [a, b]\n: 1\nc: 2\n")
        XCTAssertEqual(result.diagnostics.map(\.code), ["E0009"])
        XCTAssertEqual(result.diagnostics.first?.span?.start, loc(1, 3))
        XCTAssertEqual(result.root?.mapping?.map { $0.key.scalar }, ["c"])
    }

    // MARK: Scalars and tags

    func testScalarStylesAndTags() throws {
        let text = """
            plain: relu
            single: 'relu'
            double: "relu"
            literal: |
              two
              lines
            folded: >
              one
              line
            tagged: !!str 12
            empty:
            null: null
            quoted_null: "null"

            """
        let result = read(text)
        XCTAssertEqual(result.diagnostics, [])
        let root = try XCTUnwrap(result.root)
        XCTAssertEqual(root["plain"]?.kind, .scalar("relu", .plain))
        XCTAssertEqual(root["single"]?.kind, .scalar("relu", .quoted))
        XCTAssertEqual(root["double"]?.kind, .scalar("relu", .quoted))
        XCTAssertEqual(root["literal"]?.kind, .scalar("two\nlines\n", .quoted))
        XCTAssertEqual(root["folded"]?.kind, .scalar("one line\n", .quoted))
        XCTAssertEqual(root["tagged"]?.tag, "tag:yaml.org,2002:str")
        XCTAssertEqual(root["tagged"]?.scalar, "12")
        XCTAssertNil(root["plain"]?.tag)
        XCTAssertEqual(root["empty"]?.isNull, true)
        XCTAssertEqual(root["null"]?.isNull, true)
        XCTAssertEqual(root["quoted_null"]?.isNull, false)
    }

    func testUnknownAndMisplacedTagsAreRejected() throws {
        let result = read("a: !python/object 1\nb: !!map [1]\nc: !!int 3\n")
        XCTAssertEqual(result.diagnostics.map(\.code), ["E0009", "E0009"])
        XCTAssertEqual(result.diagnostics.map { $0.span?.start.line }, [1, 2])
        XCTAssertTrue(result.diagnostics[1].message.contains("!!map"), result.diagnostics[1].message)
        let root = try XCTUnwrap(result.root)
        XCTAssertNil(root["a"]?.tag, "a rejected tag is dropped")
        XCTAssertEqual(root["c"]?.tag, "tag:yaml.org,2002:int")
    }

    // MARK: Anchors, aliases, merge keys

    func testAliasesExpandToCopiesOfTheAnchoredNode() throws {
        let text = """
            base: &b {units: 8, activation: relu}
            one: *b
            names: [&n x, *n, *n]

            """
        let result = read(text)
        XCTAssertEqual(result.diagnostics, [])
        let root = try XCTUnwrap(result.root)
        let one = try XCTUnwrap(root["one"])
        XCTAssertEqual(one.mapping, root["base"]?.mapping, "same pairs, with the anchored text's spans")
        XCTAssertEqual(one.span.start, loc(2, 6), "the copy itself points at the alias")
        XCTAssertEqual(one["units"]?.span.start, loc(1, 18))
        XCTAssertEqual(root["names"]?.sequence?.map(\.scalar), ["x", "x", "x"])
        XCTAssertEqual(root["names"]?.sequence?.last?.span.start, loc(3, 19))
    }

    func testMergeKeysInsertPairsAndExplicitKeysWin() throws {
        let text = """
            a: &a {units: 8, activation: relu}
            b: &b {units: 2, bias: false}
            one: {<<: *a, units: 4}
            two:
              name: x
              <<: [*a, *b]
            quoted: {"<<": 1}

            """
        let result = read(text)
        XCTAssertEqual(result.diagnostics, [])
        let root = try XCTUnwrap(result.root)
        XCTAssertEqual(root["one"]?.mapping?.map { $0.key.scalar }, ["activation", "units"])
        XCTAssertEqual(root["one"]?["units"]?.scalar, "4")
        // The earlier mapping in the list wins: units comes from *a.
        XCTAssertEqual(root["two"]?.mapping?.map { $0.key.scalar }, ["name", "units", "activation", "bias"])
        XCTAssertEqual(root["two"]?["units"]?.scalar, "8")
        XCTAssertEqual(root["quoted"]?["<<"]?.scalar, "1", "a quoted '<<' is an ordinary key")
    }

    func testMergeKeyWithAScalarValueIsRejected() {
        let result = read("a: {<<: 3, b: 1}\n")
        XCTAssertEqual(result.diagnostics.map(\.code), ["E0009"])
        XCTAssertEqual(result.root?["a"]?.mapping?.map { $0.key.scalar }, ["b"])
    }

    func testUndefinedAndRecursiveAliases() throws {
        let undefined = try onlyError(read("a: 1\nb: *nowhere\n"))
        XCTAssertEqual(undefined.code, "E0009")
        XCTAssertEqual(undefined.span?.start, loc(2, 4))
        XCTAssertTrue(undefined.message.contains("*nowhere"), undefined.message)

        let recursive = try onlyError(read("a: &a [1, *a]\n"))
        XCTAssertEqual(recursive.code, "E0009")
        XCTAssertEqual(recursive.span?.start, loc(1, 11))
    }

    func testBillionLaughsIsRejectedWithoutExpanding() throws {
        // Lines 2 to 6 hold 74,738 nodes; on line 7 each '*e' adds 66,430, and
        // the second one crosses the 200,000 budget.
        let error = try onlyError(YAMLReader.read(try fixture("billion-laughs")))
        XCTAssertEqual(error.code, "E0006")
        XCTAssertEqual(error.span?.start, loc(7, 12))
        XCTAssertTrue(error.message.contains("'*e' alone adds 66430"), error.message)
    }

    func testSixtyFourLevelsOfDoublingAreRejected() throws {
        // 2^64 nodes: the count itself would overflow Int if it were not checked level by level.
        var text = "l0: &l0 [x, x]\n"
        for level in 1..<64 { text += "l\(level): &l\(level) [*l\(level - 1), *l\(level - 1)]\n" }
        let error = try onlyError(read(text))
        XCTAssertEqual(error.code, "E0006")
    }

    func testExpansionWithinTheBudgetIsRead() throws {
        // 1 root + 3 keys + [x, x] (3) + [*a, *a] (1 + 3 + 3) + [*b, *b] (1 + 7 + 7) = 29 nodes.
        let text = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
        let within = read(text, limits: YAMLLimits(maxNodes: 29))
        XCTAssertEqual(within.diagnostics, [])
        XCTAssertEqual(within.root?["c"]?.sequence?.first?.sequence?.first?.sequence?.map(\.scalar), ["x", "x"])
        XCTAssertEqual(try onlyError(read(text, limits: YAMLLimits(maxNodes: 28))).code, "E0006")
    }

    // MARK: Depth

    func testNestingDepthIsLimited() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = try onlyError(read(deep))
        XCTAssertEqual(error.code, "E0007")
        XCTAssertEqual(error.span?.start, loc(1, 65))

        let allowed = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        XCTAssertEqual(read(allowed).diagnostics, [])
    }

    func testAliasesCannotExceedTheDepthLimit() throws {
        // The anchored list is 3 deep; inserted 2 deep it would reach 5.
        let text = "a: &a [[[x]]]\nb: [*a]\n"
        XCTAssertEqual(read(text, limits: YAMLLimits(maxDepth: 5)).diagnostics, [])
        let error = try onlyError(read(text, limits: YAMLLimits(maxDepth: 4)))
        XCTAssertEqual(error.code, "E0007")
        XCTAssertEqual(error.span?.start, loc(2, 5))
    }
}
