// libFuzzer target past the front end: YAML bytes in; a spec that checks clean
// and is tiny (few examples, few parameters) is planned, trained for one epoch
// and evaluated. Any trap, sanitizer report, hang or thrown error other than a
// reported divergence is a finding: "check clean ⇒ run works".
// Build and run with fuzz/run-pipeline.sh (see docs/fuzzing.md).
import Foundation
import NNCIR
import NNCRuntime
import NNCSpec

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRun(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = SourceFile(path: "fuzz.yaml", bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    let checked = Compiler.check(file)
    guard !checked.hasErrors, let spec = checked.spec, let graph = checked.graph, let model = spec.model,
          let dataSpec = spec.data, isTiny(dataSpec, model: model, graph: graph) else { return 0 }
    do {
        _ = try Runner.run(checked, options: RunOptions(epochs: 1, threads: 1))
    } catch RunError.diverged {
        // Reported cleanly (exit 3): allowed.
    } catch {
        fatalError("checked clean but did not run: \(error)\n\(String(decoding: file.bytes, as: UTF8.self))")
    }
    return 0
}

/// Only specs that run in milliseconds: known small data, few parameters and multiply-adds.
func isTiny(_ data: DataSpec, model: ModelSpec, graph: Graph) -> Bool {
    for part in [data.train] + (data.test.map { [$0] } ?? []) {
        guard let n = DataDescription.describe(part, modelInput: model.input).count, n <= 400 else { return false }
        if case .builtin(.digits) = part.form, (part.limit ?? 1797) > 400 { return false }
    }
    let hopfieldSweeps = graph.layers.compactMap { node -> Int? in
        if case .layer(.hopfield(let o)) = node.op { return o.maxSweeps }; return nil }.max() ?? 0
    return graph.totalParameters <= 50_000 && hopfieldSweeps <= 1000 && graph.nodes.allSatisfy { node in
        (node.shape ?? []).compactMap(\.fixed).reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) <= 10_000
    }
}
