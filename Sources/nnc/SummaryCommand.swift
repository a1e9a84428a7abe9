import ArgumentParser
import NNCIR
import NNCSpec

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the compiled network: layers, output shapes, parameters, multiply-adds, learning rule.")

    @Argument(help: "A spec file.")
    var spec: String

    func run() throws {
        let report = CheckDriver.check(paths: [spec])
        let renderer = DiagnosticRenderer(files: report.sources, color: Terminal.stderrIsTerminal, toolVersion: NNC.version)
        if !report.diagnostics.isEmpty {
            Terminal.writeError(renderer.render(report.diagnostics, format: .text, files: report.files))
        }
        if report.files == 0 {
            // A folder with no spec in it: say so (exit 2, as for a path that cannot be read).
            let skipped = report.skipped.isEmpty ? "" : " (\(report.skipped.count) YAML file\(report.skipped.count == 1 ? "" : "s") without 'nnc:' skipped)"
            Terminal.writeError(DiagnosticRenderer.visible("error: no spec file (*.yaml, *.yml) in \(spec)\(skipped)") + "\n")
            throw Exit.usage
        }
        let code = report.exitCode(warningsAreErrors: false)
        guard code == 0, let result = report.results.first, let table = NNCIR.Summary.table(result) else {
            throw ExitCode(code == 0 ? 1 : code)
        }
        print(DiagnosticRenderer.visibleLines(table), terminator: "")  // layer names come from the spec
    }
}
