import XCTest
@testable import NNCRuntime

final class CSVLoaderTests: XCTestCase {
    func testLoadsCRLFQuotedHeaderAndTrailingBlankLines() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("a.csv", text: "\u{FEFF}w, h ,class\r\n1.5,\"2\",1\r\n-3,4e1, 0\r\n\r\n\n")
        let data = try Dataset.loadCSV(path: path, label: .last, header: true)
        XCTAssertEqual(data.count, 2)
        XCTAssertEqual(data.inputShape, [2])
        XCTAssertEqual(data.inputs, [1.5, 2, -3, 40])
        XCTAssertEqual(data.targets, .classes([1, 0], classCount: 2))
        XCTAssertEqual(data.featureNames, ["w", "h"])
    }

    func testLabelColumnChoices() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("b.csv", text: "2,10,20\n0,30,40\n")
        let first = try Dataset.loadCSV(path: path, label: .first, classes: 5)
        XCTAssertEqual(first.inputs, [10, 20, 30, 40])
        XCTAssertEqual(first.targets, .classes([2, 0], classCount: 5))
        let middle = try Dataset.loadCSV(path: path, label: .column(1), classes: 31)
        XCTAssertEqual(middle.inputs, [2, 20, 0, 40])
        XCTAssertEqual(labels(middle), [10, 30])
        let none = try Dataset.loadCSV(path: path, label: .none)
        XCTAssertEqual(none.inputShape, [3])
        XCTAssertEqual(none.targets, .none)
        assertDataError(.invalidOption, ["label column 3", "3 fields"]) { try Dataset.loadCSV(path: path, label: .column(3)) }
    }

    func testErrorsNameTheFileLineAndField() throws {
        let folder = try TemporaryFolder()
        let ragged = try folder.write("ragged.csv", text: "1,2,0\n3,4,1\n5,1\n")
        assertDataError(.malformed, ["ragged.csv:3:1:", "2 fields", "expected 3"]) {
            try Dataset.loadCSV(path: ragged)
        }
        let text = try folder.write("text.csv", text: "x,y\n1,0\nabc,1\n")
        assertDataError(.malformed, ["text.csv:3:1: field 1", "'abc' is not a number"]) {
            try Dataset.loadCSV(path: text, header: true)
        }
        let nan = try folder.write("nan.csv", text: "1,0\nnan,1\n")
        assertDataError(.malformed, ["nan.csv:2:1: field 1", "not a finite number"]) { try Dataset.loadCSV(path: nan) }
        let inf = try folder.write("inf.csv", text: "1,0\n1e39,1\n")
        assertDataError(.malformed, ["inf.csv:2:1: field 1", "outside the range of Float"]) { try Dataset.loadCSV(path: inf) }
        let fractional = try folder.write("frac.csv", text: "1,0\n2,1.5\n")
        assertDataError(.malformed, ["frac.csv:2:3: field 2", "'1.5' is not a class index"]) { try Dataset.loadCSV(path: fractional) }
        let outside = try folder.write("outside.csv", text: "1,0\n2,3\n")
        assertDataError(.malformed, ["outside.csv:2:3: field 2", "label 3 is outside the classes 0..<3"]) {
            try Dataset.loadCSV(path: outside, classes: 3)
        }
        let gap = try folder.write("gap.csv", text: "1,0\n\n2,1\n")
        assertDataError(.malformed, ["gap.csv:2:1:", "the line is empty"]) { try Dataset.loadCSV(path: gap) }
        let emptyField = try folder.write("field.csv", text: "1,,0\n")
        assertDataError(.malformed, ["field.csv:1:3: field 2 is empty"]) { try Dataset.loadCSV(path: emptyField) }
    }

    func testFileLevelErrors() throws {
        let folder = try TemporaryFolder()
        assertDataError(.unreadable, ["missing.csv", "no such file"]) { try Dataset.loadCSV(path: folder.path("missing.csv")) }
        assertDataError(.unreadable, ["folder"]) { try Dataset.loadCSV(path: folder.url.path) }
        let empty = try folder.write("empty.csv", text: "\n\n")
        assertDataError(.malformed, ["empty.csv", "empty"]) { try Dataset.loadCSV(path: empty) }
        let headerOnly = try folder.write("header.csv", text: "a,b\n")
        assertDataError(.malformed, ["no data rows"]) { try Dataset.loadCSV(path: headerOnly, header: true) }
        let oneColumn = try folder.write("one.csv", text: "1\n2\n")
        assertDataError(.malformed, ["no input columns"]) { try Dataset.loadCSV(path: oneColumn) }
    }
}
