import ArgumentParser
import Foundation
import NNCIR
import NNCRuntime
import NNCSpec

struct DataExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Write a spec's train and test parts as .npy files (for training elsewhere).",
        discussion: """
        Writes train_inputs.npy, train_targets.npy and, when the spec has a test part, test_inputs.npy and \
        test_targets.npy: the examples `nnc run` would use (same seed, split and order), before normalization. \
        Exit 0: done; 1: the spec has errors; 2: the spec cannot be read; 3: the data cannot be built or written.
        """)

    @Argument(help: "A spec file.")
    var spec: String

    @Option(help: "The folder to write the .npy files to.")
    var output: String

    @Option(help: "Seed (default: the spec's).")
    var seed: UInt64?

    @Option(name: .customLong("set"), help: "Override a spec value, e.g. --set data.train.limit=100 (repeatable).")
    var overrides: [String] = []

    func validate() throws {
        for o in overrides where Override(o) == nil { throw ValidationError("--set takes KEY.PATH=VALUE, got '\(o)'") }
    }

    func run() throws {
        let checked = try SpecLoading.check(spec, overrides: overrides)
        do {
            let data = try DataParts.prepare(checked, seed: seed)
            let files = try DataParts.write(data, targetIsInput: checked.spec?.train?.targetIsInput ?? false, to: output)
            for f in files { print(f) }
        } catch {
            Terminal.writeError("error: \(error)\n")
            throw Exit.runFailed
        }
    }
}

/// Reading and checking a spec for the commands that need it clean (run, data): diagnostics to stderr.
enum SpecLoading {
    static func check(_ path: String, overrides: [String]) throws -> CheckResult {
        let source: SourceFile
        do { source = try SourceFile.load(path: path) } catch {
            Terminal.writeError(DiagnosticRenderer(files: []).render([error.diagnostic], format: .text, files: 1))
            throw Exit.usage
        }
        let checked = Compiler.check(source, overrides: overrides.compactMap(Override.init))
        report(checked.diagnostics, in: source)
        guard !checked.hasErrors else { throw Exit.specErrors }
        return checked
    }

    /// Diagnostics about `source` as text on stderr (nothing when there are none).
    static func report(_ diagnostics: [Diagnostic], in source: SourceFile) {
        guard !diagnostics.isEmpty else { return }
        let renderer = DiagnosticRenderer(files: [source], color: Terminal.stderrIsTerminal, toolVersion: NNC.version)
        Terminal.writeError(renderer.render(diagnostics, format: .text, files: 1))
    }
}
