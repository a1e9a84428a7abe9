import ArgumentParser
import Foundation
import NNCIR
import NNCRuntime
import NNCSpec

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check, compile, then train and evaluate a spec.",
        discussion: "Exit 0: done; 1: the spec has errors; 2: the spec or --resume checkpoint cannot be used, or --out cannot be written; 3: the run failed (bad data, divergence, interrupted, outputs not written).")

    @Argument(help: "A spec file.")
    var spec: String

    @Option(help: "Write model.safetensors, metrics.json, spec.resolved.yaml and report.html here.")
    var out: String?

    @Option(help: "Seed for every random choice (default: the spec's).")
    var seed: UInt64?

    @Option(help: "Epochs (overrides train.epochs).")
    var epochs: Int?

    @Option(help: "Worker threads (default: the machine's cores).")
    var threads: Int?

    @Option(name: .customLong("set"), help: "Override a spec value, e.g. --set train.epochs=5 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Continue from a checkpoint written by an interrupted run.")
    var resume: String?

    @Flag(help: "No progress lines.")
    var quiet = false

    @Option(help: "Output: text, or json (the final metrics as one JSON object on stdout).")
    var format: RunFormat = .text

    enum RunFormat: String, ExpressibleByArgument { case text, json }

    func validate() throws {
        if let threads, threads < 1 || threads > 256 { throw ValidationError("--threads must be in 1...256") }
        if let epochs, epochs < 1 || epochs > 10_000_000 { throw ValidationError("--epochs must be in 1...10000000") }
        for o in overrides where Override(o) == nil { throw ValidationError("--set takes KEY.PATH=VALUE, got '\(o)'") }
    }

    func run() throws {
        let source: SourceFile
        do { source = try SourceFile.load(path: spec) } catch {
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

        var options = RunOptions(seed: seed, epochs: epochs, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount,
                                 cancellation: Interrupt.token)
        if let resume {
            // A checkpoint that cannot be read, or belongs to another spec, is a file that cannot be used: exit 2.
            do { options.resume = try CheckpointFile.read(path: resume) } catch {
                Terminal.writeError(DiagnosticRenderer.visible("error: cannot resume from \(resume): \(error)") + "\n")
                throw Exit.usage
            }
        }
        // The output folder must take files before the first step (exit 2, like a file that cannot be read).
        if let out {
            do { try OutputFiles.probe(out) } catch {
                Terminal.writeError(DiagnosticRenderer.visible("error: cannot write the outputs to \(out): \(error)") + "\n")
                throw Exit.usage
            }
        }
        let progress = Progress(live: Terminal.stderrIsTerminal && !quiet, quiet: quiet)
        Interrupt.install()
        let result: RunResult
        do {
            result = try Runner.run(checked, options: options, events: progress.show)
        } catch let stop as RunInterrupted {
            progress.finish()
            let path = CheckpointFile.path(specName: checked.spec?.name ?? "nnc", folder: out)
            if let checkpoint = stop.checkpoint {
                do {
                    if let out { try OutputFiles.ensureDirectory(out) }
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
            Terminal.writeError(DiagnosticRenderer.visible("error: \(error)") + "\n")
            throw Exit.runFailed
        }
        progress.finish()
        var written = true
        if let out {
            do { try OutputFiles.write(result, graph: checked.graph, to: out) } catch {
                // The results are still printed below; the exit code says the outputs are missing.
                Terminal.writeError(DiagnosticRenderer.visible("error: cannot write the outputs to \(out): \(error)") + "\n")
                written = false
            }
        }
        switch format {
        case .json: print(OutputFiles.finalJSON(result))
        case .text: print(RunSummary.text(result), terminator: "")
        }
        guard written else { throw Exit.runFailed }
        // The resumed run is complete: its checkpoint has served (kept when the outputs failed).
        if let resume { CheckpointFile.remove(resume) }
    }
}

/// The progress line: live on a terminal (rewritten in place), else one line per epoch.
final class Progress: @unchecked Sendable {
    // @unchecked: used from the training thread only.
    let live: Bool
    let quiet: Bool
    var lastDraw = ContinuousClock.now
    var drewLive = false

    init(live: Bool, quiet: Bool) { self.live = live; self.quiet = quiet }

    func show(_ event: TrainingEvent) {
        guard !quiet else { return }
        switch event {
        case .step(let epoch, let epochs, let step, let steps, let loss, let accuracy, let rate, let left):
            guard live, ContinuousClock.now - lastDraw > .milliseconds(100) || step == steps else { return }
            lastDraw = ContinuousClock.now
            let metric = accuracy.map { "  accuracy \(formatMetric($0))" } ?? ""
            Terminal.writeError("\r\u{1B}[2Kepoch \(epoch)/\(epochs)  step \(step)/\(steps)  loss \(formatMetric(loss))\(metric)  \(Int(rate)) samples/s  \(Self.time(left)) left")
            drewLive = true
        case .epoch(let record, let epochs):
            if drewLive { Terminal.writeError("\r\u{1B}[2K") }
            drewLive = false
            var parts = ["epoch \(record.epoch)/\(epochs)"]
            for (name, value) in record.metrics where name != "seconds" {
                parts.append("\(name) \(name == "samples_per_s" ? String(Int(value.number ?? 0)) : value.display)")
            }
            Terminal.writeError(DiagnosticRenderer.visible(parts.joined(separator: "  ")) + "\n")
        }
    }

    func finish() {
        if drewLive { Terminal.writeError("\r\u{1B}[2K") }
    }

    static func time(_ seconds: Double) -> String {
        let s = Int(seconds.isFinite ? seconds : 0)
        return s >= 3600 ? "\(s / 3600)h\(String(format: "%02d", s / 60 % 60))m" : "\(s / 60):\(String(format: "%02d", s % 60))"
    }
}
