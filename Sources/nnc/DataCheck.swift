import NNCIR
import NNCRuntime
import NNCSpec

/// The data layer's part of the commands: `check --data` adds the data files'
/// diagnostics to a report; `run` prints a data error as a located diagnostic.
enum DataCheck {
    /// `report` with each spec's data-file diagnostics added (specs that already have errors are left alone).
    static func adding(to report: CheckReport) -> CheckReport {
        var report = report
        for i in report.results.indices where !report.results[i].hasErrors {
            report.results[i].diagnostics += DataFileCheck.diagnostics(report.results[i])
        }
        return report
    }

    /// The text `run` prints for an error of the run: a data error as a
    /// diagnostic at the data file's line with a note at the spec's, others as "error: …".
    static func runErrorText(_ error: Error, source: SourceFile) -> String {
        guard let located = error as? LocatedDataError else { return DiagnosticRenderer.visible("error: \(error)") + "\n" }
        let renderer = DiagnosticRenderer(files: [source], color: Terminal.stderrIsTerminal, toolVersion: NNC.version)
        return renderer.render([located.diagnostic(anchor: .dataFile)], format: .text, files: 1)
    }
}
