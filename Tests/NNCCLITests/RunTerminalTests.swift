import Foundation
import XCTest

/// What `nnc run` shows a user: lines that fit the terminal, the closing line, the files written.
final class RunTerminalTests: XCTestCase {
    /// The visible text of a terminal capture: escape sequences removed, split at every line
    /// break and carriage return (each piece is what one redraw leaves on a row).
    static func visibleRows(_ capture: String) -> [String] {
        let noEscapes = capture.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
        return noEscapes.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            .map(String.init)
    }

    /// Under a real terminal (script(1) gives the run a pty) at 60 and 80 columns, no row is as wide as the terminal.
    func testEveryLineFitsARealTerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("script(1) is not installed") }
        let nnc = try NNCProcess.executable.path
        for columns in [60, 80] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
            let command = "stty cols \(columns); exec '\(nnc)' run specs/iris-softmax.yaml --no-out --epochs 40"
            process.arguments = ["-qc", command, "/dev/null"]
            process.currentDirectoryURL = NNCProcess.repositoryRoot
            var environment = ProcessInfo.processInfo.environment
            environment["COLUMNS"] = nil
            environment["NO_COLOR"] = nil
            environment["TERM"] = "xterm-256color"
            process.environment = environment
            let out = Pipe()
            process.standardOutput = out
            process.standardError = Pipe()
            process.standardInput = FileHandle.nullDevice
            try process.run()
            let capture = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, capture)
            let rows = Self.visibleRows(capture)
            XCTAssertTrue(rows.contains { $0.contains("parameters") }, "the header is shown\n" + capture)
            XCTAssertTrue(rows.contains { $0.hasPrefix("trained 40 epochs in") }, "the closing line is shown\n" + capture)
            XCTAssertTrue(capture.contains("\u{1B}[1m"), "colour on a terminal")
            for row in rows {
                XCTAssertLessThan(row.count, columns, "at \(columns) columns: '\(row)'")
            }
        }
    }

    /// Not on a terminal: COLUMNS is honoured by the progress rows (stderr), rows come at a round interval (plus the last epoch),
    /// no colour, and the closing line says why training stopped.
    func testPlainOutputAtAnIntervalWithTheClosingLine() throws {
        let r = try NNCProcess.run(["run", "specs/xor-mlp.yaml", "--no-out"], in: NNCProcess.repositoryRoot, environment: ["COLUMNS": "60"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stderr.contains("\u{1B}["), "no colour off a terminal")
        let rows = r.stderr.split(separator: "\n").map(String.init)
        for row in rows { XCTAssertLessThan(row.count, 60, row) }
        let epochs = rows.compactMap { $0.split(separator: " ").first.flatMap { $0.hasSuffix("/2000") ? $0.dropLast(5) : nil } }
        XCTAssertEqual(epochs, ["1", "100", "200", "300", "400", "500", "600", "700", "800", "900", "911"])
        XCTAssertTrue(rows.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("epoch") && $0.contains("loss") }, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("trained 911 of 2000 epochs in "), r.stdout)
        XCTAssertTrue(r.stdout.contains("stopped early at epoch 911 by `stop: {loss: 0.001}`"), r.stdout)
        let every = try NNCProcess.run(["run", "specs/xor-mlp.yaml", "--no-out", "--log-every", "300"], in: NNCProcess.repositoryRoot)
        XCTAssertEqual(every.stderr.split(separator: "\n").filter { $0.contains("/2000") }.count, 5, every.stderr) // 1, 300, 600, 900, 911
    }

    /// Without --out a run writes runs/NAME/ and ends with the paths, the report first; --no-out writes nothing.
    func testDefaultOutputFolderAndThePathsWritten() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-runs-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let spec = NNCProcess.repositoryRoot.appendingPathComponent("specs/perceptron-iris.yaml").path
        let r = try NNCProcess.run(["run", spec, "--quiet"], in: dir)
        XCTAssertEqual(r.status, 0, r.stderr)
        let tail = r.stdout.split(separator: "\n").suffix(4).map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(tail, ["wrote runs/perceptron-iris/report.html  (open it in a browser)", "runs/perceptron-iris/metrics.json",
                              "runs/perceptron-iris/model.safetensors", "runs/perceptron-iris/spec.resolved.yaml"])
        for file in ["report.html", "metrics.json", "model.safetensors", "spec.resolved.yaml"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs/perceptron-iris/" + file).path), file)
        }
        let none = dir.appendingPathComponent("none")
        try FileManager.default.createDirectory(at: none, withIntermediateDirectories: true)
        XCTAssertEqual(try NNCProcess.run(["run", spec, "--quiet", "--no-out"], in: none).status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: none.path), [])
        XCTAssertEqual(try NNCProcess.run(["run", spec, "--no-out", "--out", "x"], in: none).status, 2)
    }
}
