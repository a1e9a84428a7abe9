import ArgumentParser
import Foundation
import NNCIR
import NNCRuntime
import NNCSpec

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check, compile, then train and evaluate a spec.",
        discussion: "Exit 0: done; 1: the spec has errors; 2: the spec cannot be read; 3: the run failed (bad data, divergence, interrupted).")

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

        var options = RunOptions(seed: seed, epochs: epochs, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
        if let resume {
            do { options.resume = try CheckpointFile.read(path: resume) } catch {
                Terminal.writeError("error: cannot resume from \(resume): \(error)\n")
                throw Exit.runFailed
            }
        }
        let progress = Progress(live: Terminal.stderrIsTerminal && !quiet, quiet: quiet)
        Interrupt.install()
        let result: RunResult
        do {
            result = try Runner.run(checked, options: options, events: progress.show, interrupted: { Interrupt.wasRequested })
        } catch let stop as RunInterrupted {
            progress.finish()
            let path = (out.map { $0 + "/" } ?? "") + (checked.spec?.name ?? "nnc") + ".checkpoint.safetensors"
            if let checkpoint = stop.checkpoint {
                do {
                    if let out { try OutputFiles.ensureDirectory(out) }
                    try CheckpointFile.write(checkpoint, to: path)
                    Terminal.writeError("interrupted: checkpoint written to \(path); continue with --resume \(path)\n")
                } catch {
                    Terminal.writeError("interrupted; the checkpoint could not be written: \(error)\n")
                }
            }
            throw Exit.runFailed
        } catch {
            progress.finish()
            Terminal.writeError(DataCheck.runErrorText(error, source: source))
            throw Exit.runFailed
        }
        progress.finish()
        if let out {
            do { try OutputFiles.write(result, graph: checked.graph, to: out) } catch {
                Terminal.writeError("error: cannot write the outputs to \(out): \(error)\n")
                throw Exit.runFailed
            }
        }
        switch format {
        case .json: print(OutputFiles.finalJSON(result))
        case .text: print(RunSummary.text(result), terminator: "")
        }
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
            Terminal.writeError(parts.joined(separator: "  ") + "\n")
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
