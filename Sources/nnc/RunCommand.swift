import ArgumentParser
import Foundation
import NNCIR
import NNCRuntime
import NNCSpec

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check, compile, then train and evaluate a spec.",
        discussion: """
            Writes model.safetensors, metrics.json, spec.resolved.yaml and report.html to runs/NAME/ \
            (NAME: the spec's name), or to --out DIR; --no-out writes nothing. The last lines list the files written, \
            the report first.
            Exit 0: done; 1: the spec has errors; 2: the spec or --resume checkpoint cannot be used, or the output folder \
            cannot be written; 3: the run failed (bad data, divergence, interrupted, outputs not written).
            """)

    @Argument(help: "A spec file.")
    var spec: String

    @Option(help: ArgumentHelp("Write the outputs here (default: runs/NAME/).", valueName: "dir"))
    var out: String?

    @Flag(help: "Write no files.")
    var noOut = false

    @Option(help: "Seed for every random choice (default: the spec's).")
    var seed: UInt64?

    @Option(help: "Epochs (overrides train.epochs).")
    var epochs: Int?

    @OptionGroup var options: SpecRunOptions

    @Option(help: "Continue from a checkpoint written by an interrupted run.")
    var resume: String?

    @Option(help: "Start from the weights of a model file (names and shapes checked against the spec).")
    var `init`: String?

    @Flag(help: "No progress lines.")
    var quiet = false

    @Option(help: ArgumentHelp("Print a row every N epochs (default: about 20 rows, and one at least every 10 s; the first and the last always).",
                               valueName: "n"))
    var logEvery: Int?

    @Option(help: "Output: text, or json (the final metrics as one JSON object on stdout).")
    var format: ResultFormat = .text

    func validate() throws {
        if let epochs, epochs < 0 || epochs > 10_000_000 { throw ValidationError("--epochs must be in 0...10000000 (0: evaluate only)") }
        if let logEvery, logEvery < 1 || logEvery > 10_000_000 { throw ValidationError("--log-every must be in 1...10000000") }
        if noOut && out != nil { throw ValidationError("--out and --no-out exclude each other") }
    }

    func run() throws {
        let checked = try options.check(spec, epochs: epochs)
        let directory = noOut ? nil : out ?? OutputFolder.defaultPath(specName: checked.spec?.name ?? "run")

        var runOptions = RunOptions(seed: seed, epochs: epochs, threads: options.threadCount, cancellation: Interrupt.token)
        runOptions.version = NNC.version
        runOptions.commandLine = RunFacts.commandLine(["nnc"] + CommandLine.arguments.dropFirst())
        if let resume {
            // A checkpoint that cannot be read, or belongs to another spec, is a file that cannot be used: exit 2.
            do { runOptions.resume = try CheckpointFile.read(path: resume) } catch {
                Terminal.writeError(DiagnosticRenderer.visible("error: cannot resume from \(resume): \(error)") + "\n")
                throw Exit.usage
            }
        }
        // The output folder must take files before the first step (exit 2, like a file that cannot be read).
        if let directory {
            do { try OutputFiles.probe(directory) } catch {
                Terminal.writeError(DiagnosticRenderer.visible("error: cannot write the outputs to \(directory): \(error)") + "\n")
                throw Exit.usage
            }
        }
        if let `init` {
            do { runOptions.initialWeights = try SafeTensors.read(path: LoadedModel.modelFilePath(`init`)).tensors } catch {
                Terminal.writeError(DiagnosticRenderer.visible("error: cannot read the --init model \(`init`): \(error)") + "\n")
                throw Exit.usage
            }
            let problems = InitialWeights.diagnostics(runOptions.initialWeights ?? [], checked: checked, modelPath: `init`)
            if !problems.isEmpty {
                SpecLoading.report(problems, in: checked.file)
                throw Exit.specErrors
            }
        }
        let progress = Progress(live: Terminal.stderrRedraws && !quiet, quiet: quiet, width: Terminal.width,
                                color: Terminal.stderrIsTerminal, logEvery: logEvery)
        Interrupt.install()
        let result: RunResult
        do {
            result = try Runner.run(checked, options: runOptions, events: progress.show)
        } catch let stop as RunInterrupted {
            progress.finish()
            let path = CheckpointFile.path(specName: checked.spec?.name ?? "nnc", folder: directory)
            if let checkpoint = stop.checkpoint {
                do {
                    if let directory { try OutputFiles.ensureDirectory(directory) }
                    try CheckpointFile.write(checkpoint, to: path)
                    Terminal.writeError(DiagnosticRenderer.visible("interrupted: checkpoint written to \(path); continue with --resume \(path)") + "\n")
                } catch {
                    Terminal.writeError(DiagnosticRenderer.visible("interrupted; the checkpoint could not be written: \(error)") + "\n")
                }
            } else {
                Terminal.writeError("interrupted; no checkpoint written (nothing to resume at this stage: data loading, a one-pass rule, or evaluation after an early stop)\n")
            }
            throw Exit.runFailed
        } catch let mismatch as CheckpointMismatch {
            progress.finish()
            Terminal.writeError(DiagnosticRenderer.visible("error: cannot resume from \(resume ?? "?"): \(mismatch)") + "\n")
            throw Exit.usage
        } catch {
            progress.finish()
            Terminal.writeError(DataCheck.runErrorText(error, source: checked.file))
            throw Exit.runFailed
        }
        progress.finish()
        var written: [String]? = []
        if let directory {
            do { written = try OutputFiles.write(result, graph: checked.graph, to: directory, version: NNC.version) } catch {
                // The results are still printed below; the exit code says the outputs are missing.
                Terminal.writeError(DiagnosticRenderer.visible("error: cannot write the outputs to \(directory): \(error)") + "\n")
                written = nil
            }
        }
        switch format {
        case .json:
            print(OutputFiles.finalJSON(result))
            if !quiet, let written, !written.isEmpty { Terminal.writeError(DiagnosticRenderer.visibleLines(Self.writtenLines(written))) }
        case .text:
            print(DiagnosticRenderer.visibleLines(RunSummary.text(result) + Self.writtenLines(written ?? [])), terminator: "")
        }
        guard written != nil else { throw Exit.runFailed }
        // The resumed run is complete: its checkpoint has served (kept when the outputs failed).
        if let resume { CheckpointFile.remove(resume) }
    }

    /// "wrote runs/x/report.html (open it in a browser)", then the other files, aligned.
    static func writtenLines(_ paths: [String]) -> String {
        guard let first = paths.first else { return "" }
        return "wrote " + first + (first.hasSuffix(".html") ? "  (open it in a browser)" : "") + "\n"
            + paths.dropFirst().map { "      " + $0 + "\n" }.joined()
    }
}

