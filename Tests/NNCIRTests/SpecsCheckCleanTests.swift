import Foundation
import XCTest
import NNCIR
import NNCSpec

/// Every spec in specs/ checks clean (no errors, no warnings), and shape
/// inference reaches every layer.
final class SpecsCheckCleanTests: XCTestCase {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    func testEverySpecChecksClean() throws {
        let report = CheckDriver.check(paths: [Self.repositoryRoot.appendingPathComponent("specs").path])
        XCTAssertGreaterThanOrEqual(report.results.count, 25)
        for result in report.results {
            XCTAssertEqual(result.diagnostics.map { "\($0.code)@\($0.span?.start.line ?? 0): \($0.message)" }, [],
                           result.file.path)
            let graph = try XCTUnwrap(result.graph, result.file.path)
            for node in graph.nodes { XCTAssertNotNil(node.shape, "\(result.file.path): \(node.name)") }
        }
    }
}
