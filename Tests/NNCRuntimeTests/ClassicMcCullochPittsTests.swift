import XCTest
@testable import NNCRuntime

/// McCulloch–Pitts units with fixed weights compute the logic functions their specs name.
final class ClassicMcCullochPittsTests: XCTestCase {
    /// The rows of the printed truth table: (inputs, output, target, marked wrong).
    func tableRows(_ result: RunResult) -> [(inputs: [Int], output: Int, target: Int, wrong: Bool)] {
        guard let table = result.note(containing: "truth table") else { return [] }
        return table.split(separator: "\n").dropFirst(2).compactMap { line in
            let parts = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3, let output = Int(parts[1]) else { return nil }
            let last = parts[2].split(separator: " ")
            guard let target = last.first.flatMap({ Int($0) }) else { return nil }
            return (parts[0].split(separator: " ").compactMap { Int($0) }, output, target, last.count > 1)
        }
    }

    func testTruthTablesEqualTheLogicFunctions() throws {
        let functions: [(String, ([Int]) -> Int)] = [
            ("mcculloch-pitts-and", { $0[0] & $0[1] }),
            ("mcculloch-pitts-or", { $0[0] | $0[1] }),
            ("mcculloch-pitts-not", { 1 - $0[0] }),
            ("mcculloch-pitts-xor", { $0[0] ^ $0[1] }),
        ]
        for (name, function) in functions {
            let result = try ClassicRun.spec(name)
            XCTAssertEqual(result.metric("accuracy"), 1, name)
            XCTAssertEqual(result.metric("errors"), 0, name)
            let rows = tableRows(result)
            let inputs = name.hasSuffix("not") ? 1 : 2
            XCTAssertEqual(rows.count, 1 << inputs, "\(name): \(result.notes)")
            for row in rows {
                XCTAssertEqual(row.inputs.count, inputs, name)
                XCTAssertEqual(row.output, function(row.inputs), "\(name) at \(row.inputs)")
                XCTAssertEqual(row.target, function(row.inputs), "\(name) at \(row.inputs)")
                XCTAssertFalse(row.wrong, name)
            }
        }
    }

    /// One layer of the xor spec alone computes x1 AND NOT x2: the second layer is needed.
    func testXorNeedsTwoLayers() throws {
        let oneLayer = """
        nnc: 1
        data: {source: xor}
        model:
          input: [2]
          layers:
            - threshold: {units: 1, weights: [[1, -1]], threshold: 1}
        evaluate: {on: train, metrics: [accuracy, errors]}
        """
        let result = try ClassicRun.yaml(oneLayer)
        let rows = tableRows(result)
        XCTAssertEqual(rows.map(\.output), [0, 0, 1, 0])
        XCTAssertEqual(rows.filter(\.wrong).count, 1)
        XCTAssertEqual(result.metric("errors"), 1)
    }

    /// Tables are only drawn for truth-table data.
    func testNoTruthTableForOtherData() throws {
        let result = try ClassicRun.spec("perceptron-iris")
        XCTAssertNil(result.note(containing: "truth table"))
    }
}
