import ArgumentParser
import Foundation
import NNCIR
import NNCKernels
import NNCRuntime
import NNCSpec

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time training and inference steps: samples/s and per-layer forward/backward time.",
        discussion: "Figures are medians of repeated timings after a warm-up; compare against a peer measured in the same session (the machine may be shared). --gemm N,... times the GEMM kernel alone: N is an N×N×N product, MxNxK[:AB] one of those sizes, with A and B each N (as stored) or T (transposed), e.g. 64x256x784:NT for a dense layer's forward.")

    @Argument(help: "A spec file (optional with --gemm).")
    var spec: String?

    @OptionGroup var options: SpecRunOptions

    @Option(help: "Batch size (default: the spec's).")
    var batch: Int?

    @Option(help: "Also time GEMM at these sizes (comma-separated: N, or MxNxK[:AB]), in GFLOP/s.")
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
            let shapes = gemm.split(separator: ",").map { GEMMShape(String($0).trimmingCharacters(in: .whitespaces)) }
            guard !shapes.isEmpty, shapes.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--gemm takes sizes N or MxNxK[:AB] (each in 1...8192; A, B: N or T), e.g. 256,512,64x256x784:NT")
            }
            for case let shape? in shapes {
                let gflops = gemmBenchmark(m: shape.m, n: shape.n, k: shape.k, transA: shape.transA, transB: shape.transB,
                                           threads: threads)
                let trans = shape.transposes
                print(json ? "{\"kind\": \"gemm\", \"m\": \(shape.m), \"n\": \(shape.n), \"k\": \(shape.k), \"trans\": \"\(trans)\", "
                           + "\"threads\": \(threads), \"gflops\": \(String(format: "%.2f", gflops))}"
                           : "gemm \(shape.m)x\(shape.n)x\(shape.k):\(trans) threads=\(threads): \(String(format: "%.1f", gflops)) GFLOP/s")
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

/// One `--gemm` item: "N" (N×N×N, neither transposed) or "MxNxK[:AB]", A and B
/// each N (as stored) or T (transposed); every size in 1...8192.
struct GEMMShape: Equatable {
    var m: Int, n: Int, k: Int
    var transA: Transpose, transB: Transpose

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let sizes = parts[0].split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard sizes.count == 1 || sizes.count == 3, sizes.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 8192 }) else { return nil }
        let values = sizes.compactMap { $0 }
        (m, n, k) = values.count == 1 ? (values[0], values[0], values[0]) : (values[0], values[1], values[2])
        let flags = parts.count == 2 ? Array(parts[1]) : ["N", "N"]
        guard flags.count == 2, let a = Self.transpose(flags[0]), let b = Self.transpose(flags[1]) else { return nil }
        (transA, transB) = (a, b)
    }

    private static func transpose(_ flag: Character) -> Transpose? {
        switch flag {
        case "N", "n": return Transpose.none
        case "T", "t": return .transposed
        default: return nil
        }
    }

    var transposes: String { (transA == .none ? "N" : "T") + (transB == .none ? "N" : "T") }
}
