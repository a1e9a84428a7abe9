import Foundation
import XCTest
import NNCSpec

/// What editors read from `nnc schema` (docs/editors.md); scripts/lsp-check.py
/// drives a real yaml-language-server with it.
final class JSONSchemaEditorTests: XCTestCase {
    func schema() throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(JSONSchemaExport.text().utf8)) as? [String: Any])
    }

    func testDraft07ValidatorsSeeEveryRule() throws {
        let text = JSONSchemaExport.text()
        XCTAssertFalse(text.contains("unevaluatedProperties"), "draft-07 validators ignore it")
        XCTAssertFalse(text.contains("$defs"))
        XCTAssertEqual(try schema()["$id"] as? String, "urn:nnc:spec:v1", "not a URL: the schema is not served")
        let data = try XCTUnwrap((try schema()["properties"] as? [String: Any])?["data"] as? [String: Any])
        XCTAssertEqual(data["additionalProperties"] as? Bool, false)
        let properties = try XCTUnwrap(data["properties"] as? [String: Any])
        XCTAssertNotNil(properties["shuffle"])
        XCTAssertNotNil(properties["image"], "a source's own option is a property too")
    }

    func testLayerKindsAreNamedWithTheirDocs() throws {
        let model = try XCTUnwrap((try schema()["properties"] as? [String: Any])?["model"] as? [String: Any])
        let layers = try XCTUnwrap((model["properties"] as? [String: Any])?["layers"] as? [String: Any])
        let alternatives = try XCTUnwrap((layers["items"] as? [String: Any])?["anyOf"] as? [[String: Any]])
        let mapping = try XCTUnwrap(alternatives.last)
        let names = try XCTUnwrap((mapping["propertyNames"] as? [String: Any])?["enum"] as? [String])
        XCTAssertEqual(names, SpecSchema.layerSchema.cases.map(\.name), "a misspelt kind is answered with every kind")
        let conv = try XCTUnwrap((mapping["properties"] as? [String: Any])?["conv2d"] as? [String: Any])
        XCTAssertEqual(conv["description"] as? String, SpecSchema.layerSchema.cases.first { $0.name == "conv2d" }?.doc)
        let bare = try XCTUnwrap(alternatives.first)
        XCTAssertEqual((bare["enum"] as? [String])?.count, (bare["enumDescriptions"] as? [String])?.count)
        XCTAssertTrue((bare["enum"] as? [String])?.contains("flatten") == true)
    }
}
