import ArgumentParser
import Foundation
import NNCIR
import NNCSpec

/// Options of every command that compiles one spec to run it (`run`, `bench`): declared once.
struct SpecRunOptions: ParsableArguments {
    @Option(help: "Worker threads (default: the machine's cores).")
    var threads: Int?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a spec value, e.g. --set train.epochs=5 (repeatable).",
                                                          valueName: "key.path=value"))
    var overrides: [String] = []

    func validate() throws {
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be in 1...256") }
        for o in overrides where Override(o) == nil { throw ValidationError("--set takes KEY.PATH=VALUE, got '\(o)'") }
    }

    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// Reads and checks the spec with the overrides, printing its diagnostics (warnings too);
    /// exits 2 when it cannot be read, 1 when it has errors.
    func check(_ path: String) throws -> CheckResult {
        let source: SourceFile
        do { source = try SourceFile.load(path: path) } catch {
            Terminal.writeError(DiagnosticRenderer(files: []).render([error.diagnostic], format: .text, files: 1))
            throw Exit.usage
        }
        let checked = Compiler.check(source, overrides: overrides.compactMap(Override.init))
        if !checked.diagnostics.isEmpty {
            let renderer = DiagnosticRenderer(files: [source], color: Terminal.stderrIsTerminal, toolVersion: NNC.version)
            Terminal.writeError(renderer.render(checked.diagnostics, format: .text, files: 1))
        }
        guard !checked.hasErrors else { throw Exit.specErrors }
        return checked
    }
}

/// `--format text|json` for commands that print results (one spelling everywhere).
enum ResultFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

/// The help pages' closing "Examples" block.
func examples(_ lines: String...) -> String {
    "Examples:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
}
