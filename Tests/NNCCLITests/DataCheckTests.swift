import Foundation
import XCTest

/// `nnc check --data` and the data errors of `nnc run`, through the binary.
final class DataCheckTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-datacheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// A spec reading `data: {csv: CSV}` into a model of `input` values and `units` softmax outputs.
    func spec(_ name: String, csv: String, input: Int = 2, units: Int = 3) throws {
        try write(name, """
        nnc: 1
        name: t
        data:
          csv: \(csv)
        model:
          input: [\(input)]
          layers:
            - dense: {units: \(units)}
            - softmax
        train: {epochs: 2, batch: 2, optimizer: {sgd: {lr: 0.1}}}

        """)
    }

    func check(_ args: [String]) throws -> NNCProcess.Output { try NNCProcess.run(["check"] + args, in: folder) }

    func testCheckOpensNoDataFileWithoutTheFlag() throws {
        try spec("missing.yaml", csv: "{path: nowhere.csv}")
        XCTAssertEqual(try check(["missing.yaml"]).status, 0)
        let flagged = try check(["--data", "missing.yaml"])
        XCTAssertEqual(flagged.status, 1)
        XCTAssertTrue(flagged.stderr.contains("missing.yaml:4:15: error[E0601]: nowhere.csv: no such file"), flagged.stderr)
    }

    func testDataFilesOutsideTheCurrentFolderAreNotOpened() throws {
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-secret-\(UUID().uuidString).csv")
        try "TOKEN=hunter2,1\n".write(to: outside, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: outside) }
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("link.csv").path, withDestinationPath: outside.path)
        try spec("link.yaml", csv: "{path: link.csv}")
        try spec("absolute.yaml", csv: "{path: \(outside.path)}")
        try spec("up.yaml", csv: "{path: ../\(outside.lastPathComponent)}")
        for format in ["text", "json", "github", "sarif"] {
            let out = try check(["--data", "--format", format, "link.yaml", "absolute.yaml", "up.yaml"])
            XCTAssertEqual(out.status, 1)
            XCTAssertFalse((out.stdout + out.stderr).contains("hunter2"), format)
            XCTAssertEqual((out.stdout + out.stderr).components(separatedBy: "lies outside the current folder").count - 1, 3, format)
        }
    }

    func testEachDataProblemIsALocatedDiagnostic() throws {
        try write("header.csv", "a,b,species\n1,2,setosa\n3,4,virginica\n")
        try write("ragged.csv", "1,2,0\n3,4,1\n5,0\n")
        try write("labels.csv", "1,2,0\n3,4,1\n5,6,3\n")
        try write("named.csv", "a,b,species\n1,2,setosa\n3,4,virginica\n5,6,versicolor\n")
        try spec("header.yaml", csv: "{path: header.csv}")
        try spec("ragged.yaml", csv: "{path: ragged.csv}")
        try spec("labels.yaml", csv: "{path: labels.csv}")
        try spec("columns.yaml", csv: "{path: named.csv, header: true}", input: 3)
        try spec("named.yaml", csv: "{path: named.csv, header: true}", units: 2)
        try spec("fine.yaml", csv: "{path: named.csv, header: true}")
        try write("numbers.csv", "1,2,0\n3,4,1\n")
        try spec("numbers.yaml", csv: "{path: numbers.csv, header: true}")
        let warned = try check(["--data", "numbers.yaml"])
        XCTAssertEqual(warned.status, 0)
        XCTAssertTrue(warned.stderr.contains("numbers.yaml:4:15: warning[W0601]: the header row of numbers.csv holds only numbers"), warned.stderr)

        let out = try check(["--data", "header.yaml", "ragged.yaml", "labels.yaml", "columns.yaml", "named.yaml", "fine.yaml"])
        XCTAssertEqual(out.status, 1)
        for expected in [
            "header.yaml:4:15: error[E0605]: the first row looks like a header", "= note: in header.csv:1:1",
            "ragged.yaml:4:15: error[E0606]: the line has 2 fields, expected 3", "= note: in ragged.csv:3:1",
            "labels.yaml:4:15: error[E0611]: labels.csv: the data has 4 classes but the model's output has 3 units",
            "= note: label 3 first appears in labels.csv:3",
            "columns.yaml:4:15: error[E0610]: named.csv gives examples of shape [2] (2 input columns) but the model's input is [3]",
            "named.yaml:4:15: error[E0611]: named.csv: the data has 3 classes but the model's output has 2 units",
            "= note: label 2 ('virginica') first appears in named.csv:3",
            "= note: the classes are the sorted label names: 'setosa', 'versicolor', 'virginica'",
            "error: 5 errors in 6 files",
        ] {
            XCTAssertTrue(out.stderr.contains(expected), "missing '\(expected)' in:\n\(out.stderr)")
        }
        XCTAssertFalse(out.stderr.contains("fine.yaml"), out.stderr)

        // The other formats get the same diagnostics.
        let json = try check(["--data", "--format", "json", "ragged.yaml"])
        XCTAssertTrue(json.stdout.contains("\"code\": \"E0606\"") || json.stdout.contains("\"code\":\"E0606\""), json.stdout)
        let github = try check(["--data", "--format", "github", "ragged.yaml"])
        XCTAssertTrue(github.stdout.hasPrefix("::error file=ragged.yaml,line=4,col=15,title=E0606::"), github.stdout)
        let sarif = try check(["--data", "--format", "sarif", "header.yaml"])
        XCTAssertTrue(sarif.stdout.contains("\"ruleId\": \"E0605\"") || sarif.stdout.contains("\"ruleId\":\"E0605\""), sarif.stdout)
    }

    func testTheTestPartUsesTheTrainingPartsClassNames() throws {
        try write("train.csv", "1,2,cat\n3,4,dog\n5,6,ant\n")
        try write("test.csv", "1,2,dog\n3,4,emu\n")
        try write("tt.yaml", """
        nnc: 1
        data:
          train: {csv: {path: train.csv}}
          test: {csv: {path: test.csv}}
        model:
          input: [2]
          layers:
            - dense: {units: 3}
            - softmax
        train: {epochs: 1, optimizer: {sgd: {lr: 0.1}}}

        """)
        let out = try check(["--data", "tt.yaml"])
        XCTAssertTrue(out.stderr.contains("tt.yaml:4:22: error[E0609]: field 3: the label 'emu' is not a class of the training data ('ant', 'cat', 'dog')"), out.stderr)
        XCTAssertTrue(out.stderr.contains("= note: in test.csv:2:5"), out.stderr)
        let run = try NNCProcess.run(["run", "tt.yaml", "--quiet"], in: folder)
        XCTAssertEqual(run.status, 3)
        XCTAssertTrue(run.stderr.hasPrefix("test.csv:2:5: error[E0609]:"), run.stderr)
        XCTAssertTrue(run.stderr.contains("= note: the file is named at tt.yaml:4:22"), run.stderr)
    }

    func testNPYAndIDXShapesAgainstTheModel() throws {
        // A (3, 5) float32 array: examples of shape [5] for a model of input [2].
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        let npy = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
            + [UInt8](repeating: 0, count: 60)
        try Data(npy).write(to: folder.appendingPathComponent("x.npy"))
        try write("npy.yaml", "nnc: 1\ndata:\n  npy: {inputs: x.npy}\nmodel:\n  input: [2]\n  layers:\n    - dense: {units: 2}\n")
        // An IDX label file where images are expected.
        try Data([0, 0, 8, 1, 0, 0, 0, 2, 1, 0]).write(to: folder.appendingPathComponent("labels.idx"))
        try write("idx.yaml", "nnc: 1\ndata:\n  idx: {images: labels.idx}\nmodel:\n  input: [1, 2, 2]\n  layers:\n    - flatten\n    - dense: {units: 2}\n")
        let out = try check(["--data", "npy.yaml", "idx.yaml"])
        XCTAssertTrue(out.stderr.contains("npy.yaml:3:17: error[E0610]: x.npy gives examples of shape [5] but the model's input is [2]"), out.stderr)
        XCTAssertTrue(out.stderr.contains("idx.yaml:3:17: error[E0602]: wrong magic number 0x00000801, expected 0x00000803 (1 dimensions, expected 3)"), out.stderr)
        XCTAssertTrue(out.stderr.contains("note: in labels.idx (byte offset 0)"), out.stderr)
    }

    func testRunPrintsADataErrorAtTheFileLineWithTheSpecLine() throws {
        try write("bad.csv", "1,2,0\n3,x,1\n")
        try spec("bad.yaml", csv: "{path: bad.csv}")
        let out = try NNCProcess.run(["run", "bad.yaml", "--quiet"], in: folder)
        XCTAssertEqual(out.status, 3)
        XCTAssertTrue(out.stderr.hasPrefix("bad.csv:2:3: error[E0607]: field 2: 'x' is not a number\n"), out.stderr)
        XCTAssertTrue(out.stderr.contains("= note: the file is named at bad.yaml:4:15"), out.stderr)
        // A file that parses but does not fit the model: located at the spec's path, with a code.
        try write("four.csv", "1,2,0\n3,4,1\n5,6,2\n7,8,3\n")
        try spec("four.yaml", csv: "{path: four.csv}")
        let mismatch = try NNCProcess.run(["run", "four.yaml", "--quiet"], in: folder)
        XCTAssertEqual(mismatch.status, 3)
        XCTAssertTrue(mismatch.stderr.hasPrefix("four.yaml:4:15: error[E0611]: four.csv: the data has 4 classes but the model's output has 3 units"),
                      mismatch.stderr)
        let explain = try NNCProcess.run(["explain", "E0607"])
        XCTAssertEqual(explain.status, 0)
        XCTAssertTrue(explain.stdout.contains("CSV field is not a number"), explain.stdout)
    }

    func testRunTrainsOnACSVWithAHeaderAndStringLabels() throws {
        var rows = "x,y,kind\n"
        for i in 0..<12 { rows += "\(i % 3),\(i % 3 == 1 ? 1 : 0),\(["cat", "ant", "bee"][i % 3])\n" }
        try write("animals.csv", rows)
        try spec("animals.yaml", csv: "{path: animals.csv, header: true}")
        let out = try NNCProcess.run(["run", "animals.yaml", "--quiet", "--format", "json", "--out", "out",
                                      "--set", "evaluate={metrics: [accuracy, confusion]}"], in: folder)
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertTrue(out.stdout.contains("\"confusion\""), out.stdout)
        // The report's confusion matrix names the classes by their sorted labels.
        let report = try String(contentsOf: folder.appendingPathComponent("out/report.html"), encoding: .utf8)
        for name in ["ant", "bee", "cat"] { XCTAssertTrue(report.contains(">\(name)</text>"), name) }
        XCTAssertTrue(report.contains("<title>true ant, predicted"), "confusion cells name the classes")
    }
}
