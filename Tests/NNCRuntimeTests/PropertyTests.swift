import Foundation
import XCTest
import NNCIR
import NNCKernels
import NNCSpec
@testable import NNCRuntime

/// The property that guards "check clean ⇒ run works": for random specs over the whole
/// language, each one that checks clean plans, trains one epoch and evaluates without a
/// trap or a thrown error, reports finite numbers and every metric it asked for, and its
/// fused plan computes what the unfused one does.
/// NNC_PROPERTY_COUNT sets the number of specs (default 3000), NNC_PROPERTY_SEED the first seed;
/// NNC_PROPERTY_CORPUS=DIR writes the clean ones there (seeds for the pipeline fuzzer).
final class PropertyTests: XCTestCase {
    func testEverySpecThatChecksCleanRunsAsWritten() throws {
        let env = ProcessInfo.processInfo.environment
        let count = env["NNC_PROPERTY_COUNT"].flatMap { Int($0) } ?? 3000
        let firstSeed = env["NNC_PROPERTY_SEED"].flatMap { UInt64($0) } ?? 1
        var clean = 0
        var diverged = 0
        var kinds: [String: Int] = [:]
        for seed in firstSeed..<(firstSeed + UInt64(count)) {
            var generator = SpecGenerator(seed: seed)
            let text = generator.spec()
            let checked = Compiler.check(SourceFile(path: "generated-\(seed).yaml", text: text))
            guard !checked.hasErrors, let graph = checked.graph else { continue }
            clean += 1
            if let corpus = env["NNC_PROPERTY_CORPUS"] {   // seeds for fuzz/run-pipeline.sh
                try text.write(toFile: corpus + "/generated-\(seed).yaml", atomically: false, encoding: .utf8)
            }
            for node in graph.layers { kinds[node.op.kindName, default: 0] += 1 }
            let context = "seed \(seed):\n\(text)"
            // What the checker counts (nnc summary) is what the runtime allocates and learns.
            let saved = ParameterStore(graph: graph).namedTensors(graph: graph)
            XCTAssertEqual(saved.reduce(0) { $0 + $1.values.count }, graph.totalParameters, "\(saved.map { "\($0.name) \($0.shape)" })\n\(context)")
            let result: RunResult
            do {
                result = try Runner.run(checked, options: RunOptions(threads: 1))
            } catch RunError.diverged {
                // A valid spec may diverge (a large rate on an exploding recurrence): it stops with
                // a clear error (exit 3), which is not a soundness failure; counted below.
                diverged += 1
                continue
            } catch {
                XCTFail("checked clean but did not run: \(error)\n\(context)")
                continue
            }
            for (name, value) in result.final.entries {
                XCTAssertTrue(value.isFinite, "metric \(name) = \(value)\n\(context)")
            }
            if let requested = checked.spec?.evaluate?.metrics?.map(\.rawValue) {
                let present = Set(result.final.entries.map(\.name))
                XCTAssertEqual(Set(requested).subtracting(present), [], "requested metrics missing\n\(context)")
            }
            try assertFusedEqualsUnfused(checked, graph: graph, data: result.data, context: context)
        }
        print("property: \(clean) of \(count) generated specs checked clean and ran (\(diverged) stopped on divergence); layers by kind: \(kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        XCTAssertLessThan(diverged, max(2, clean / 100), "divergence should be rare with the generator's rates")
        XCTAssertGreaterThan(clean, count / 4, "the generator should mostly write valid specs (\(clean) of \(count))")
        // The generator reaches every layer kind.
        for kind in ["dense", "threshold", "hopfield", "conv2d", "maxpool", "avgpool", "flatten", "dropout", "noise",
                     "rnn", "lstm", "pca", "add", "concat", "softmax", "relu"] {
            XCTAssertGreaterThan(kinds[kind] ?? 0, 0, "no clean spec with a '\(kind)' layer")
        }
    }

    /// The same parameters and input through the fused and the unfused plan: equal outputs.
    func assertFusedEqualsUnfused(_ checked: CheckResult, graph: Graph, data: PreparedData, context: String) throws {
        guard checked.spec?.train?.rule ?? .backprop == .backprop,
              !graph.layers.contains(where: { if case .layer(.hopfield) = $0.op { return true }; return false }) else { return }
        let bindings = try Runner.bind(checked.spec?.model?.input ?? [], to: data.train.inputShape)
        let n = min(3, data.train.count)
        guard n > 0 else { return }
        var outputs: [[Float]] = []
        for fuse in [true, false] {
            let parameters = ParameterStore(graph: graph)
            var rng = SeededRandom(seed: 9)
            parameters.initialize(graph: graph, rng: &rng)
            let plan = try Plan(graph: graph, parameters: parameters, batch: n, bindings: bindings, training: false,
                                pool: nil, random: SeededRandom(seed: 10), fuse: fuse)
            let width = data.train.inputs.count / max(1, data.train.count)
            let x = plan.values[0]
            for i in 0..<min(x.count, n * width) { x.pointer[i] = data.train.inputs[i] }
            plan.forward(n, training: false)
            let out = plan.values[graph.output]
            outputs.append(Array(UnsafeBufferPointer(start: out.pointer, count: min(out.count, n * plan.perExample[graph.output]))))
        }
        XCTAssertEqual(outputs[0].count, outputs[1].count, context)
        for (a, b) in zip(outputs[0], outputs[1]) where !(a.isNaN && b.isNaN) {
            XCTAssertEqual(a, b, accuracy: 1e-5 * max(1, abs(b)), "fused ≠ unfused\n\(context)")
            if abs(a - b) > 1e-5 * max(1, abs(b)) { break }
        }
    }
}
