import ArgumentParser
import Foundation
import NNCIR
import NNCKernels
import NNCRuntime
import NNCSpec

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training and inference steps: samples/s and per-layer forward/backward time.",
        discussion: "Figures are medians of repeated timings after a warm-up; compare against a peer measured in the same session (the machine may be shared). --gemm N,... times the GEMM kernel alone.")

    @Argument(help: "A spec file (optional with --gemm).")
    var spec: String?

    @OptionGroup var options: SpecRunOptions

    @Option(help: "Batch size (default: the spec's).")
    var batch: Int?

    @Option(help: "Also time n×n×n GEMM at these sizes (comma-separated), in GFLOP/s.")
    var gemm: String?

    @Option(help: "Output: text (a table), or json (one JSON object per measurement).")
    var format: ResultFormat = .text

    /// The old spelling of --format json.
    @Flag(name: .customLong("json"), help: .hidden)
    var jsonAlias = false

    var json: Bool { jsonAlias || format == .json }

    func validate() throws {
        if let batch, batch < 1 || batch > 1 << 20 { throw ValidationError("--batch must be in 1...1048576") }
        if spec == nil && gemm == nil { throw ValidationError("give a spec, or --gemm sizes") }
    }

    func run() throws {
        let threads = options.threadCount
        if let gemm {
            let sizes = gemm.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 && $0 <= 8192 }) else {
                throw ValidationError("--gemm takes sizes in 1...8192, e.g. 256,512,1024")
            }
            for n in sizes {
                let gflops = gemmBenchmark(n: n, threads: threads)
                print(json ? "{\"kind\": \"gemm\", \"n\": \(n), \"threads\": \(threads), \"gflops\": \(String(format: "%.2f", gflops))}"
                           : "gemm n=\(n) threads=\(threads): \(String(format: "%.1f", gflops)) GFLOP/s")
            }
        }
        guard let spec else { return }
        let checked = try options.check(spec)
        let report: BenchReport
        do { report = try Benchmark.run(checked, threads: threads, batch: batch) } catch {
            Terminal.writeError(DiagnosticRenderer.visible("error: \(error)") + "\n")
            throw Exit.runFailed
        }
        let name = checked.spec?.name ?? spec
        if json {
            // One line per measurement, with the keys of ../shared/peers (framework, threads, workload, mode, batch, samples_per_s).
            for m in report.measurements {
                let fields: [(key: String, value: JSONValue)] = [
                    ("framework", .string("nnc")), ("threads", .int(report.threads)), ("workload", .string(name)),
                    ("mode", .string(m.mode.rawValue)), ("batch", .int(m.batch)), ("samples_per_s", .double(m.median)),
                    ("samples_per_s_min", .double(m.min)), ("samples_per_s_max", .double(m.max)),
                    ("peak_rss_mb", .double(Double(report.peakResidentBytes) / 1_048_576)),
                ]
                print(JSONWriter(style: .spaced).string(.object(fields)))
            }
            return
        }
        print("\(name): batch \(report.batch), threads \(report.threads), peak memory \(String(format: "%.1f", Double(report.peakResidentBytes) / 1_048_576)) MB")
        print("  mode   batch   samples/s (median)        min        max")
        for m in report.measurements {
            print("  " + m.mode.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)
                  + String(format: " %7d  %18.0f %10.0f %10.0f", m.batch, m.median, m.min, m.max))
        }
        let width = max(5, report.layers.map(\.name.count).max() ?? 5)
        print("  " + "layer".padding(toLength: width, withPad: " ", startingAt: 0) + "  forward ms  backward ms  fused rule")
        for l in report.layers {
            let b = l.backwardMilliseconds.map { String(format: "%11.4f", $0) } ?? String(repeating: " ", count: 10) + "-"
            print("  " + l.name.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "  %10.4f", l.forwardMilliseconds) + "  " + b + "  " + (l.rule ?? ""))
        }
    }
}
