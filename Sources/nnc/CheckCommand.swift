import ArgumentParser
import NNCIR
import NNCSpec

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse, validate and shape-check specs without data.",
        discussion: """
            A folder means every *.yaml and *.yml file below it that has a top-level 'nnc:' key (others are \
            skipped, with a note); a file named directly is always checked. Symlinks out of the folder (or, for \
            a file named, out of the git work tree) are not followed. At most 100 diagnostics are shown per file. \
            Exit 0: no errors; 1: errors; 2: a path cannot be read.
            """)

    @Argument(help: "Spec files or folders.")
    var paths: [String]

    @Option(help: "Output format: text (stderr), json, github or sarif (stdout).")
    var format: DiagnosticFormat = .text

    @Flag(help: "Treat warnings as errors.")
    var werror = false

    @Flag(help: "Also open the data files the specs name and check them against the model (never done by default).")
    var data = false

    func run() throws {
        var report = CheckDriver.check(paths: paths)
        if data { report = DataCheck.adding(to: report) }
        let renderer = DiagnosticRenderer(files: report.sources, color: format == .text && Terminal.stderrIsTerminal,
                                          toolVersion: NNC.version)
        var diagnostics = report.diagnostics
        if werror { diagnostics = diagnostics.map { d in var d = d; if d.severity == .warning { d.severity = .error }; return d } }
        let out = renderer.render(diagnostics, format: format, files: report.files, skipped: report.skipped)
        if format == .text {
            let errors = diagnostics.filter { $0.severity == .error }.count
            let warnings = diagnostics.filter { $0.severity == .warning }.count
            Terminal.writeError(out + renderer.summaryLine(errors: errors, warnings: warnings, files: report.files) + "\n")
        } else {
            print(out, terminator: out.hasSuffix("\n") ? "" : "\n")
        }
        let code = report.exitCode(warningsAreErrors: werror)
        if code != 0 { throw ExitCode(code) }
    }
}

extension DiagnosticFormat: ExpressibleByArgument {}
