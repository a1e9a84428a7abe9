import Foundation
import XCTest
import NNCSpec

/// The generated docs are committed; they must match the tables they come from.
final class DocsInSyncTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func read(_ path: String) throws -> String {
        try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8)
    }

    func testDiagnosticsDocMatchesCodeTable() throws {
        XCTAssertEqual(try read("docs/diagnostics.md"), ReferenceDocs.diagnostics(),
                       "regenerate: swift run nnc explain --markdown > docs/diagnostics.md")
    }

    func testSpecReferenceMatchesSchema() throws {
        XCTAssertEqual(try read("docs/spec-reference.md"), ReferenceDocs.specReference(),
                       "regenerate: swift run nnc schema --markdown > docs/spec-reference.md")
    }

    func testCommittedJSONSchemaMatches() throws {
        XCTAssertEqual(try read("docs/nnc.schema.json"), JSONSchemaExport.text(),
                       "regenerate: swift run nnc schema > docs/nnc.schema.json")
    }

    func testCodesAreUniqueAndWellFormed() {
        let codes = DiagnosticCodes.all.map(\.code)
        XCTAssertEqual(Set(codes).count, codes.count)
        for code in codes {
            XCTAssertTrue(code.count == 5 && (code.hasPrefix("E") || code.hasPrefix("W")) && Int(code.dropFirst()) != nil, code)
        }
    }

    /// Every code the sources emit is in the table (so `nnc explain` knows it).
    func testEveryEmittedCodeIsDocumented() throws {
        let known = Set(DiagnosticCodes.all.map(\.code))
        let sources = Self.root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.allObjects as? [String] ?? []
        let pattern = try NSRegularExpression(pattern: "\"([EW]\\d{4})\"")
        var emitted = Set<String>()
        for file in files where file.hasSuffix(".swift") && !file.hasSuffix("DiagnosticCodes.swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                if let r = Range(m.range(at: 1), in: text) { emitted.insert(String(text[r])) }
            }
        }
        XCTAssertFalse(emitted.isEmpty)
        XCTAssertEqual(emitted.subtracting(known), [])
    }
}
