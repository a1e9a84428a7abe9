import XCTest
import NNCKernels
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

    func testAHeaderRowNotDeclaredIsNamedAsSuch() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("h.csv", text: "sepal_length,sepal_width,class\n5.1,3.5,0\n4.9,3.0,1\n")
        do {
            _ = try Dataset.loadCSV(path: path)
            XCTFail("expected an error")
        } catch let error as DataError {
            XCTAssertEqual(error.code, DataErrorCode.headerRow)
            XCTAssertEqual(error.location, DataLocation(file: path, line: 1, column: 1))
            XCTAssertTrue(error.detail.contains("the first row looks like a header"), error.detail)
            XCTAssertTrue(error.detail.contains("add `header: true`"), error.detail)
        }
        // Declared, it loads; a bad first row followed by another bad row is a plain error, not a header hint.
        XCTAssertEqual(try Dataset.loadCSV(path: path, header: true).featureNames, ["sepal_length", "sepal_width"])
        let bad = try folder.write("bad.csv", text: "x,1,0\ny,2,1\n")
        assertDataError(.malformed, ["bad.csv:1:1: field 1: 'x' is not a number"]) { try Dataset.loadCSV(path: bad) }
        let only = try folder.write("only.csv", text: "a,b,c\n")
        assertDataError(.malformed, ["only.csv:1:1: field 1: 'a' is not a number"]) { try Dataset.loadCSV(path: only) }
    }

    func testStringLabelsBecomeSortedClassesWithNames() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("n.csv", text: "a,b,species\n1,2,virginica\n3,4,setosa\n5,6,versicolor\n7,8,setosa\n")
        let data = try Dataset.loadCSV(path: path, header: true)
        XCTAssertEqual(data.classNames, ["setosa", "versicolor", "virginica"])
        XCTAssertEqual(data.targets, .classes([2, 0, 1, 0], classCount: 3))
        XCTAssertEqual(data.inputs, [1, 2, 3, 4, 5, 6, 7, 8])
        // Names carry through selection, splitting and normalization.
        var rng = SeededRandom(seed: 3)
        let parts = try data.split(fractions: [0.5, 0.5], rng: &rng)
        XCTAssertEqual(parts.map(\.classNames), [data.classNames, data.classNames])
        XCTAssertEqual(try data.limit(2).normalized(.standardize).classNames, data.classNames)
        XCTAssertEqual(try data.oneHot().classNames, data.classNames)

        // A test part takes the training part's names and indices; an unseen name is an error at its line and column.
        let test = try folder.write("t.csv", text: "1,1,virginica\n2,2,setosa\n")
        let testData = try Dataset.loadCSV(path: test, classNames: data.classNames)
        XCTAssertEqual(testData.targets, .classes([2, 0], classCount: 3))
        XCTAssertEqual(testData.classNames, data.classNames)
        let unseen = try folder.write("u.csv", text: "1,1,setosa\n2,2, iris-x\n")
        do {
            _ = try Dataset.loadCSV(path: unseen, classNames: data.classNames)
            XCTFail("expected an error")
        } catch let error as DataError {
            XCTAssertEqual(error.code, DataErrorCode.unseenLabel)
            XCTAssertEqual(error.location, DataLocation(file: unseen, line: 2, column: 6))
            XCTAssertTrue(error.detail.contains("'iris-x' is not a class of the training data ('setosa', 'versicolor', 'virginica')"), error.detail)
        }
        // More names than `classes` allows.
        assertDataError(.malformed, ["n.csv:4:5:", "more than 2 classes"]) { try Dataset.loadCSV(path: path, header: true, classes: 2) }
    }

    func testHostileFieldsAreQuotedShortAndEscaped() throws {
        let text = "1,2,0\n1,\u{1B}]52;c;aGk=\u{07}" + String(repeating: "x", count: 500) + ",0\n"
        do {
            _ = try Dataset.parseCSV(Array(text.utf8), file: "e.csv", label: .last, header: false, classes: nil)
            XCTFail("expected an error")
        } catch let error as DataError {
            XCTAssertEqual(error.location, DataLocation(file: "e.csv", line: 2, column: 3))
            XCTAssertFalse(error.message.contains("\u{1B}"), error.message)
            XCTAssertTrue(error.message.contains("'\\e]52;c;aGk=\\u{7}xxx"), error.message)
            XCTAssertLessThan(error.message.count, 200, error.message)
        }
    }

    func testChunkedReadingGivesTheSameDataset() throws {
        let text = "\u{FEFF}w,h,class\r\n1.5,2,b\r\n-3,4e1,a\r\n5,6,b\n\n"
        let whole = try Dataset.parseCSV(Array(text.utf8), file: "c.csv", label: .last, header: true, classes: nil)
        XCTAssertEqual(whole.classNames, ["a", "b"])
        XCTAssertEqual(whole.targets, .classes([1, 0, 1], classCount: 2))
        for chunk in [1, 2, 3, 7] {
            let chunked = try Dataset.parseCSVChunks(Array(text.utf8), chunk: chunk, file: "c.csv", label: .last, header: true, classes: nil)
            XCTAssertEqual(chunked, whole, "chunk \(chunk)")
        }
    }
}
