import Foundation
import XCTest

final class CheckCommandTests: XCTestCase {
    func testTextFormatGolden() throws {
        let r = try NNCProcess.run(["check", "mistakes.yaml", "shape-mistake.yaml"], in: try NNCProcess.fixtures)
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stdout, "")
        try NNCProcess.assertGolden(r.stderr, "check.txt")
    }

    func testJSONFormatGolden() throws {
        let r = try NNCProcess.run(["check", "--format", "json", "mistakes.yaml", "shape-mistake.yaml"], in: try NNCProcess.fixtures)
        XCTAssertEqual(r.status, 1)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["files"] as? Int, 2)
        XCTAssertEqual(object["errors"] as? Int, 4)
        try NNCProcess.assertGolden(r.stdout, "check.json")
    }

    func testGitHubFormatGolden() throws {
        let r = try NNCProcess.run(["check", "--format", "github", "mistakes.yaml", "shape-mistake.yaml"], in: try NNCProcess.fixtures)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.hasPrefix("::error file=mistakes.yaml,line=6,col="), r.stdout)
        try NNCProcess.assertGolden(r.stdout, "check.github.txt")
    }

    func testSARIFFormatGolden() throws {
        let r = try NNCProcess.run(["check", "--format", "sarif", "mistakes.yaml", "shape-mistake.yaml"], in: try NNCProcess.fixtures)
        XCTAssertEqual(r.status, 1)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["version"] as? String, "2.1.0")
        let runs = try XCTUnwrap(object["runs"] as? [[String: Any]])
        XCTAssertEqual((runs.first?["results"] as? [Any])?.count, 4)
        try NNCProcess.assertGolden(r.stdout, "check.sarif")
    }

    func testExitCodes() throws {
        let dir = try NNCProcess.fixtures
        XCTAssertEqual(try NNCProcess.run(["check", "clean-warning.yaml"], in: dir).status, 0)
        XCTAssertEqual(try NNCProcess.run(["check", "--werror", "clean-warning.yaml"], in: dir).status, 1)
        let missing = try NNCProcess.run(["check", "no-such-spec.yaml"], in: dir)
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("E0001"), missing.stderr)
        XCTAssertEqual(try NNCProcess.run(["check", "--format", "xml", "clean-warning.yaml"], in: dir).status, 2,
                       "an unknown option value is a usage error")
    }

    func testFolderChecksEverySpec() throws {
        let r = try NNCProcess.run(["check", "--format", "json", "specs"], in: NNCProcess.repositoryRoot)
        XCTAssertEqual(r.status, 0, r.stdout)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let specCount = try FileManager.default.contentsOfDirectory(atPath: NNCProcess.repositoryRoot.appendingPathComponent("specs").path)
            .filter { $0.hasSuffix(".yaml") }.count
        XCTAssertEqual(object["files"] as? Int, specCount)
        XCTAssertEqual(object["errors"] as? Int, 0)
    }
}

final class OtherCommandTests: XCTestCase {
    func testSummaryGolden() throws {
        for spec in ["digits-cnn", "lstm-reber", "rnn-skip", "mcculloch-pitts-xor"] {
            let r = try NNCProcess.run(["summary", "specs/\(spec).yaml"], in: NNCProcess.repositoryRoot)
            XCTAssertEqual(r.status, 0, r.stderr)
            try NNCProcess.assertGolden(r.stdout, "summary-\(spec).txt")
        }
    }

    func testSummaryOfBadSpecFails() throws {
        let r = try NNCProcess.run(["summary", "mistakes.yaml"], in: try NNCProcess.fixtures)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("E0304"))
    }

    func testExplain() throws {
        let r = try NNCProcess.run(["explain", "e0301"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.hasPrefix("E0301: vector input expected"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Fix: Insert `- flatten` before the layer."))
        XCTAssertEqual(try NNCProcess.run(["explain", "E9999"]).status, 2)
    }

    func testSchemaIsJSONSchema() throws {
        let r = try NNCProcess.run(["schema"])
        XCTAssertEqual(r.status, 0)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["$schema"] as? String, "https://json-schema.org/draft/2020-12/schema")
        XCTAssertEqual(object["required"] as? [String], ["nnc", "model"])
    }
}
