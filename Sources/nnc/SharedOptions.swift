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
    /// `epochs`: the `--epochs` flag, for the warnings a flag can earn (W0101 for closed-form rules).
    func check(_ path: String, epochs: Int? = nil) throws -> CheckResult {
        let source: SourceFile
        do { source = try SourceFile.load(path: path) } catch {
            Terminal.writeError(DiagnosticRenderer(files: []).render([error.diagnostic], format: .text, files: 1))
            throw Exit.usage
        }
        var checked = Compiler.check(source, overrides: overrides.compactMap(Override.init))
        checked.diagnostics += Compiler.flagWarnings(checked, epochs: epochs)
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

/// The examples every `--help` page ends with, by command ("" for `nnc` itself).
enum HelpExamples {
    static let byCommand: [String: [String]] = [
        "": ["nnc check specs", "nnc run specs/xor-mlp.yaml              # writes runs/xor-mlp/report.html",
             "nnc summary specs/digits-cnn.yaml", "nnc explain E0301", "nnc help run"],
        "check": ["nnc check specs/xor-mlp.yaml", "nnc check specs --werror",
                  "nnc check specs --format github        # annotations in GitHub Actions"],
        "run": ["nnc run specs/xor-mlp.yaml", "nnc run specs/digits-cnn.yaml --epochs 5 --out /tmp/cnn",
                "nnc run specs/iris-softmax.yaml --set train.optimizer.sgd.lr=0.05 --format json --no-out",
                "nnc run specs/iris-softmax.yaml --set 'train.stop={patience: 5}'",
                "nnc run specs/parity-mlp-arctan.yaml --log-every 100"],
        "summary": ["nnc summary specs/digits-cnn.yaml", "nnc summary specs/lstm-reber.yaml"],
        "schema": ["nnc schema > nnc.schema.json", "nnc schema --markdown > docs/spec-reference.md"],
        "explain": ["nnc explain E0301", "nnc explain all", "nnc explain --markdown > docs/diagnostics.md"],
        "bench": ["nnc bench specs/digits-cnn.yaml", "nnc bench specs/lstm-adding.yaml --threads 1 --format json",
                  "nnc bench --gemm 256,512,1024"],
    ]

    /// The command a help request is about: `nnc run --help`, `nnc help run`, `nnc --help`.
    static func command(_ arguments: [String]) -> String {
        let words = arguments.filter { !$0.hasPrefix("-") }
        let name = words.first == "help" ? words.dropFirst().first : words.first
        return name.flatMap { byCommand[$0] != nil ? $0 : nil } ?? ""
    }

    static func text(for command: String) -> String {
        "EXAMPLES:\n" + (byCommand[command] ?? []).map { "  " + $0 + "\n" }.joined()
    }
}
