import Foundation
import XCTest
@testable import NNCRuntime

final class OutputMetricsFileTests: XCTestCase {
    let history = RunHistory(
        epochs: [
            EpochRecord(epoch: 1, metrics: [("loss", .number(0.75)), ("accuracy", .number(0.5)), ("test_loss", .number(.nan))]),
            EpochRecord(epoch: 2, metrics: [("loss", .number(0.25)), ("accuracy", .number(1)), ("test_loss", .number(0.125))]),
        ],
        final: [("accuracy", .number(0.9)), ("errors", .integer(3)), ("confusion", .matrix([[4, 1], [2, 3]])),
                ("energy", .numbers([-1.5, -2, .infinity])), ("note", .text("did \"not\" converge"))])

    func testMetricsJSONHasTheShapeOfCliMd() throws {
        let text = MetricsFile.json(history)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["epochs", "final"])
        let epochs = try XCTUnwrap(object["epochs"] as? [[String: Any]])
        XCTAssertEqual(epochs.map { $0["epoch"] as? Int }, [1, 2])
        XCTAssertEqual(epochs.map { $0["loss"] as? Double }, [0.75, 0.25])
        XCTAssertTrue(epochs[0]["test_loss"] is NSNull, "NaN must be written as null")
        let final = try XCTUnwrap(object["final"] as? [String: Any])
        XCTAssertEqual(final["accuracy"] as? Double, 0.9)
        XCTAssertEqual(final["errors"] as? Int, 3)
        XCTAssertEqual(final["confusion"] as? [[Int]], [[4, 1], [2, 3]])
        XCTAssertEqual((final["energy"] as? [Any])?.count, 3)
        XCTAssertTrue((final["energy"] as? [Any])?.last is NSNull)
        XCTAssertEqual(final["note"] as? String, "did \"not\" converge")
        // Keys in the order given, one epoch per line.
        XCTAssertTrue(text.contains("\n    {\"epoch\": 1, \"loss\": 0.75, \"accuracy\": 0.5, \"test_loss\": null},\n"), text)
        let order = ["\"accuracy\": 0.9", "\"errors\"", "\"confusion\"", "\"energy\"", "\"note\""].compactMap { text.range(of: $0)?.lowerBound }
        XCTAssertEqual(order.count, 5)
        XCTAssertEqual(order, order.sorted())
        XCTAssertTrue(text.hasSuffix("}\n"))
    }

    func testFinalJSONIsTheFinalObjectOnOneLine() throws {
        let line = MetricsFile.finalJSON(history.final)
        XCTAssertFalse(line.contains("\n"))
        XCTAssertTrue(line.hasPrefix("{\"accuracy\": 0.9, \"errors\": 3, \"confusion\": [[4, 1], [2, 3]]"), line)
        let fromLine = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary
        let file = try JSONSerialization.jsonObject(with: Data(MetricsFile.json(history).utf8)) as? [String: Any]
        XCTAssertEqual(fromLine, file?["final"] as? NSDictionary)
    }

    func testEmptyHistoryAndWrite() throws {
        XCTAssertEqual(MetricsFile.json(RunHistory()), "{\n  \"epochs\": [],\n  \"final\": {}\n}\n")
        XCTAssertEqual(MetricsFile.finalJSON([]), "{}")
        let folder = try OutputScratchFolder()
        try MetricsFile.write(history, to: folder.file("metrics.json"))
        XCTAssertEqual(try String(contentsOfFile: folder.file("metrics.json"), encoding: .utf8), MetricsFile.json(history))
    }
}
