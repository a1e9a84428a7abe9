import Foundation
import NNCIR
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// Runs that survive faults: cancellation in every long loop, checkpoints of
/// classic rules that resume bit for bit, checkpoints bound to their spec,
/// hostile checkpoint files, safe names, and the memory limit of a container.
final class RunFaultTests: XCTestCase {
    func check(_ yaml: String, _ overrides: [String] = []) throws -> CheckResult {
        let checked = Compiler.check(SourceFile(path: "test.yaml", text: yaml), overrides: overrides.compactMap(Override.init))
        XCTAssertFalse(checked.hasErrors, checked.diagnostics.map(\.message).joined(separator: "\n"))
        return checked
    }

    /// Runs `checked`; a cancelled run's checkpoint goes through a file and back.
    func interrupted(_ checked: CheckResult, options: RunOptions = RunOptions(),
                     events: @escaping (TrainingEvent, CancellationToken) -> Void) throws -> TrainingCheckpoint {
        var options = options
        let token = CancellationToken()
        options.cancellation = token
        do {
            _ = try Runner.run(checked, options: options, events: { events($0, token) })
        } catch let stop as RunInterrupted {
            let checkpoint = try XCTUnwrap(stop.checkpoint, "a rule with epochs leaves a checkpoint")
            let path = NSTemporaryDirectory() + "nnc-fault-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).safetensors"
            defer { unlink(path) }
            try CheckpointFile.write(checkpoint, to: path)
            return try CheckpointFile.read(path: path)
        }
        throw XCTSkip("the run ended before it was cancelled")
    }

    func assertSameRun(_ a: RunResult, _ b: RunResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.parameters.map(\.name), b.parameters.map(\.name), file: file, line: line)
        for (x, y) in zip(a.parameters, b.parameters) {
            XCTAssertEqual(x.values.map(\.bitPattern), y.values.map(\.bitPattern), x.name, file: file, line: line)
        }
        XCTAssertEqual(MetricsFile.finalJSON(a.final.entries), MetricsFile.finalJSON(b.final.entries), file: file, line: line)
        XCTAssertEqual(a.history.count, b.history.count, file: file, line: line)
        func text(_ h: [EpochRecord]) -> [String] {
            h.map { r in "\(r.epoch) " + r.metrics.filter { $0.name != "seconds" }.map { "\($0.name)=\($0.value)" }.joined(separator: " ") }
        }
        XCTAssertEqual(text(a.history), text(b.history), file: file, line: line)
        XCTAssertEqual(a.notes, b.notes, file: file, line: line)
    }

    static let perceptron = """
        nnc: 1
        seed: 2
        data: {source: blobs, classes: 4, dims: 2, count: 400, spread: 1.5}
        model:
          input: [2]
          layers:
            - threshold: {units: 4}
        train: {rule: perceptron, rate: normalized, epochs: 40}
        evaluate: {on: train, metrics: [accuracy, errors]}
        """

    /// Stopped after epoch 7 (the token is cancelled from the progress
    /// callback), then resumed: the same weights, history, metrics and notes
    /// as the run that was never stopped.
    func testPerceptronResumesBitForBitFromAnEpochBoundary() throws {
        let checked = try check(Self.perceptron)
        let whole = try Runner.run(checked, options: RunOptions())
        XCTAssertEqual(whole.history.count, 40, "overlapping blobs: the perceptron does not converge")
        let checkpoint = try interrupted(checked) { event, token in
            if case .epoch(let record, _) = event, record.epoch == 7 { token.cancel() }
        }
        let rule = try XCTUnwrap(checkpoint.rule)
        XCTAssertEqual(rule.epoch, 7)
        XCTAssertEqual(rule.position, 0)
        XCTAssertEqual(checkpoint.specHash, specFingerprint(try XCTUnwrap(checked.spec)))
        let resumed = try Runner.run(checked, options: RunOptions(resume: checkpoint))
        assertSameRun(whole, resumed)
    }

    /// The delta rule stopped from another thread at whatever example it has
    /// reached (mid-epoch as a rule: 1 poll per 256 of 2000 examples), resumed: the same bits.
    func testDeltaResumesBitForBitFromWhereverItStopped() throws {
        let checked = try check("""
            nnc: 1
            seed: 5
            data: {source: blobs, classes: 2, dims: 8, count: 2000, spread: 2}
            model:
              input: [8]
              layers:
                - dense: {units: 2}
            train: {rule: delta, epochs: 3000}
            evaluate: {on: train, metrics: [mse]}
            """)
        // 3000 epochs (about 0.15 s): long enough that the stop 20 ms in lands mid-run.
        let whole = try Runner.run(checked, options: RunOptions())
        let checkpoint = try interrupted(checked) { event, token in
            // After the first epoch, cancel from another thread (a signal's timing).
            if case .epoch(let record, _) = event, record.epoch == 1 {
                DispatchQueue.global().asyncAfter(deadline: .now() + 0.02) { token.cancel() }
            }
        }
        let rule = try XCTUnwrap(checkpoint.rule)
        XCTAssertGreaterThan(rule.epoch, 0)
        XCTAssertEqual(rule.order.count, 2000)
        XCTAssertEqual(Set(rule.order).count, 2000, "the order is a permutation")
        let resumed = try Runner.run(checked, options: RunOptions(resume: checkpoint))
        assertSameRun(whole, resumed)
    }

    /// Hebbian learning in epochs (a dense layer) resumes too; a Hopfield store
    /// (one pass) has no checkpoint while storing.
    func testHebbianResumesBitForBit() throws {
        let checked = try check("""
            nnc: 1
            seed: 3
            data: {source: patterns, count: 6, units: 32, pairs: {units: 16}, encoding: bipolar}
            model:
              input: [32]
              layers:
                - dense: {units: 16, bias: false, activation: sign}
            train: {rule: hebbian, rate: 0.01, epochs: 12}
            evaluate: {on: train, metrics: [overlap, recall]}
            """)
        let whole = try Runner.run(checked, options: RunOptions())
        let checkpoint = try interrupted(checked) { event, token in
            if case .epoch(let record, _) = event, record.epoch == 5 { token.cancel() }
        }
        XCTAssertEqual(checkpoint.rule?.epoch, 5)
        assertSameRun(whole, try Runner.run(checked, options: RunOptions(resume: checkpoint)))
    }

    /// Issue 9 item 10: a checkpoint from another spec with the same parameter
    /// count is refused, and so is one whose parameter names or shapes differ.
    func testCheckpointOfAnotherSpecIsRefused() throws {
        let checked = try check(Self.perceptron)
        let checkpoint = try interrupted(checked) { event, token in
            if case .epoch(let record, _) = event, record.epoch == 2 { token.cancel() }
        }
        // Same layer, same 12 parameters, another rate: another spec.
        let other = try check(Self.perceptron, ["train.rate=0.5"])
        XCTAssertThrowsError(try Runner.run(other, options: RunOptions(resume: checkpoint))) { error in
            XCTAssertTrue("\(error)".contains("belongs to another spec"), "\(error)")
            XCTAssertTrue(error is CheckpointMismatch)
        }
        // A fingerprint that matches but a layout that does not: refused by name and shape.
        var renamed = checkpoint
        renamed.layout[0] = ParameterShape(name: "threshold1.weight", shape: [2, 4])
        XCTAssertThrowsError(try Runner.run(checked, options: RunOptions(resume: renamed))) { error in
            XCTAssertTrue("\(error)".contains("threshold1.weight [2, 4] where the model has threshold1.weight [4, 2]"), "\(error)")
        }
        // Another seed is the same spec: the checkpoint carries the streams.
        XCTAssertNoThrow(try Runner.run(checked, options: RunOptions(seed: 9, resume: checkpoint)))
        // A backprop checkpoint for a classic rule (or the reverse) is refused.
        var backprop = checkpoint
        backprop.rule = nil
        XCTAssertThrowsError(try Runner.run(checked, options: RunOptions(resume: backprop))) { error in
            XCTAssertTrue("\(error)".contains("written by backprop"), "\(error)")
        }
    }

    /// Hostile checkpoint files are refused with the file and field named, never a crash.
    func testHostileCheckpointsAreRefused() throws {
        let checked = try check(Self.perceptron)
        let good = try interrupted(checked) { event, token in
            if case .epoch(let record, _) = event, record.epoch == 2 { token.cancel() }
        }
        let path = NSTemporaryDirectory() + "nnc-hostile-\(getpid()).safetensors"
        defer { unlink(path) }
        func refuse(_ expected: String, tensors: (inout [NamedTensor]) -> Void = { _ in },
                    metadata: (inout [String: String]) -> Void = { _ in }, line: UInt = #line) throws {
            try CheckpointFile.write(good, to: path)
            var (t, m) = try SafeTensors.read(path: path)
            tensors(&t)
            metadata(&m)
            try SafeTensors.write(tensors: t, metadata: m, to: path)
            XCTAssertThrowsError(try CheckpointFile.read(path: path), line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", line: line)
            }
        }
        func setTensor(_ name: String, _ values: [Float]) -> (inout [NamedTensor]) -> Void {
            { t in if let i = t.firstIndex(where: { $0.name == name }) { t[i] = NamedTensor(name: name, shape: [values.count], values: values) } }
        }
        let n = good.rule?.order.count ?? 0
        try refuse("not a permutation", tensors: setTensor("rule_order", [Float](repeating: 0, count: 2 * n)))
        try refuse("bad 'rule_order'", tensors: setTensor("rule_order", [0, 1e9]))
        try refuse("bad 'rule_order'", tensors: setTensor("rule_order", [0, 0.5]))
        try refuse("bad 'rule_order'", tensors: setTensor("rule_order", [0]))
        try refuse("bad 'history'", tensors: setTensor("history", [1, 2, 3]))
        try refuse("bad 'history'", tensors: setTensor("history", [Float](repeating: 7, count: 15)))
        try refuse("no 'rule_order' tensor", tensors: { $0.removeAll { $0.name == "rule_order" } })
        try refuse("lists 12 values, the parameters tensor has 3", tensors: setTensor("parameters", [1, 2, 3]))
        try refuse("bad 'parameter_layout'", metadata: { $0["parameter_layout"] = "a=2x-1" })
        try refuse("bad 'parameter_layout'", metadata: { $0["parameter_layout"] = "=3" })
        try refuse("bad 'parameter_layout'", metadata: { $0["parameter_layout"] = "a=\(Int.max)x\(Int.max)" })
        try refuse("bad 'rule_position'", metadata: { $0["rule_position"] = "999999" })
        try refuse("bad 'rule_epoch'", metadata: { $0["rule_epoch"] = "-1" })
        try refuse("'rule_epoch' says 5", metadata: { $0["rule_epoch"] = "5" })
        try refuse("bad 'rule_sums'", metadata: { $0["rule_sums"] = "1,,x" })
        try refuse("bad 'rule_random'", metadata: { $0["rule_random"] = "-3" })
        try refuse("written by another nnc version", metadata: { $0["format"] = "nnc-checkpoint-1" })
        try refuse("not an nnc checkpoint", metadata: { $0["format"] = nil })
        try refuse("no 'spec'", metadata: { $0["spec"] = nil })
        // Sums that do not fit the rule are refused when resuming, not indexed.
        var sums = good
        sums.rule?.position = 1
        sums.rule?.sums = []
        XCTAssertThrowsError(try Runner.run(checked, options: RunOptions(resume: sums))) { error in
            XCTAssertTrue("\(error)".contains("epoch sums have 0 values"), "\(error)")
        }
    }

    /// Every long loop polls the run's token: with it cancelled, each stops at once.
    func testEveryLongLoopStopsOnACancelledToken() throws {
        let token = CancellationToken()
        token.cancel()
        try Cancellation.with(token) {
            // Hopfield recall (synchronous, oscillating): far fewer than max_sweeps.
            var z: [Float] = [1, -1]
            var rng = SeededRandom(seed: 1)
            let layer = Compiler.check(SourceFile(path: "h.yaml", text: "nnc: 1\nmodel: {input: [2], layers: [{hopfield: {update: sync, max_sweeps: 1000000}}]}\n"))
            guard case .layer(.hopfield(let options))? = layer.graph?.layers.first?.op else { return XCTFail("no hopfield layer") }
            let w: [Float] = [0, 1, 1, 0]
            let sweeps = w.withUnsafeBufferPointer { wp in
                z.withUnsafeMutableBufferPointer { state in
                    wp.baseAddress.map { hopfieldRecall(weight: $0, state: state, options: options, random: &rng, energyTrace: nil) } ?? -1
                }
            }
            XCTAssertEqual(sweeps, 0, "stopped before the first sweep")
            // Data loading: a CSV stops while splitting lines.
            let csv = [UInt8](String(repeating: "1,2,0\n", count: 20_000).utf8)
            XCTAssertThrowsError(try Dataset.parseCSV(csv, file: "big.csv", label: .last, header: false, classes: nil)) {
                XCTAssertEqual("\($0)", "interrupted")
            }
            // The eigen-solver stops at its first sweep.
            var calls = 0
            _ = symmetricEigen([2, 1, 1, 2], n: 2, stop: { calls += 1; return Cancellation.isRequested })
            XCTAssertEqual(calls, 1)
        }
        // A perceptron stops at its first example, with a checkpoint of where it stands.
        let checked = try check(Self.perceptron)
        XCTAssertThrowsError(try Runner.run(checked, options: RunOptions(cancellation: token))) { error in
            let rule = (error as? RunInterrupted)?.checkpoint?.rule
            XCTAssertEqual(rule?.epoch, 0)
            XCTAssertEqual(rule?.position, 0)
        }
        // PCA's eigen-solver and least squares' pseudo-inverse stop, and leave nothing to resume (one pass).
        for spec in ["pca-digits", "linear-associative-lsq"] {
            let checked = Compiler.check(try SourceFile.load(path: ClassicRun.specPath(spec)))
            XCTAssertThrowsError(try Runner.run(checked, options: RunOptions(cancellation: token)), spec) { error in
                XCTAssertTrue(error is RunInterrupted, "\(spec): \(error)")
                XCTAssertNil((error as? RunInterrupted)?.checkpoint, spec)
            }
        }
        // Evaluation (a Hopfield recall) stops, keeping the finished training's checkpoint.
        let hopfield = try check("""
            nnc: 1
            data: {train: {inline: {inputs: [[1, -1]]}}, test: {inline: {inputs: [[1, 1]]}}}
            model: {input: [2], layers: [{hopfield: {update: sync, max_sweeps: 1000000}}]}
            train: {rule: hebbian}
            evaluate: {on: test, metrics: [sweeps]}
            """)
        let late = CancellationToken()
        // Storing takes microseconds; 10^6 sweeps of the recall about a second.
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) { late.cancel() }
        XCTAssertThrowsError(try Runner.run(hopfield, options: RunOptions(cancellation: late))) { error in
            XCTAssertEqual((error as? RunInterrupted)?.checkpoint?.rule?.finished, true, "\(error)")
        }
    }

    /// Issue 12 item 2 in depth: file names built from any spec name stay in the folder.
    func testFileNamesFromHostileSpecNamesStayInTheFolder() {
        for name in ["../escaped", "/etc/passwd", "..", ".", "", ".hidden", "a/../../b", "a\\b", "x\u{0}y", "tab\there",
                     "\u{202E}gnp.exe", String(repeating: "é", count: 5000), "名前", "ok-name_1.v2"] {
            let path = CheckpointFile.path(specName: name, folder: "trav/out")
            XCTAssertTrue(path.hasPrefix("trav/out/"), path)
            let file = String(path.dropFirst("trav/out/".count))
            XCTAssertFalse(file.contains("/"), file)
            XCTAssertFalse(file.hasPrefix("."), file)
            XCTAssertLessThanOrEqual(file.utf8.count, SafeName.maxLength + ".checkpoint.safetensors".count, file)
            XCTAssertTrue(file.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 }, file)
        }
        XCTAssertEqual(CheckpointFile.path(specName: "../escaped", folder: "trav/out"), "trav/out/_escaped.checkpoint.safetensors")
        XCTAssertEqual(CheckpointFile.path(specName: "ok-name_1.v2", folder: nil), "ok-name_1.v2.checkpoint.safetensors")
        XCTAssertEqual(SafeName.fileStem(".."), "nnc")
    }

    /// The memory check reads a container's cgroup limit (v2 or v1) and takes the minimum.
    func testMemoryLimitIsTheSmallerOfMachineAndCgroup() throws {
        let dir = NSTemporaryDirectory() + "nnc-cgroup-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        try "1073741824\n".write(toFile: dir + "/v2", atomically: true, encoding: .utf8)
        try "max\n".write(toFile: dir + "/max", atomically: true, encoding: .utf8)
        try "9223372036854771712\n".write(toFile: dir + "/v1", atomically: true, encoding: .utf8)
        XCTAssertEqual(MemoryLimit.availableBytes(cgroupFiles: [dir + "/v2"]), min(physical, Double(1 << 30)))
        XCTAssertEqual(MemoryLimit.availableBytes(cgroupFiles: [dir + "/max", dir + "/v1"]), physical)
        XCTAssertEqual(MemoryLimit.availableBytes(cgroupFiles: [dir + "/missing"]), physical)
    }

    /// Issue 12 item 6: a rerun that fails halfway leaves the previous set
    /// untouched (and no staging folder); one that succeeds replaces every
    /// output, drops a stale one and keeps the folder's other files.
    func testOutputSetIsReplacedWholeOrNotAtAll() throws {
        let parent = NSTemporaryDirectory() + "nnc-set-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let out = parent + "/out"
        defer { try? FileManager.default.removeItem(atPath: parent) }
        func files() throws -> [String: String] {
            var d: [String: String] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: out) {
                d[name] = try String(contentsOfFile: out + "/" + name, encoding: .utf8)
            }
            return d
        }
        try OutputSet.commit(to: out) { dir in
            for name in ["model.safetensors", "metrics.json", "report.html", "codes.csv"] { try writeAtomically(text: "old " + name, to: dir + "/" + name) }
        }
        try writeAtomically(text: "mine", to: out + "/notes.txt")
        try writeAtomically(text: "ckpt", to: out + "/run.checkpoint.safetensors")
        let before = try files()
        struct DiskFull: Error {}
        XCTAssertThrowsError(try OutputSet.commit(to: out) { dir in
            try writeAtomically(text: "new model", to: dir + "/model.safetensors")
            throw DiskFull()
        })
        XCTAssertEqual(try files(), before, "the old set is intact")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent), ["out"], "no staging folder is left")
        try OutputSet.commit(to: out) { dir in
            for name in ["model.safetensors", "metrics.json", "report.html"] { try writeAtomically(text: "new " + name, to: dir + "/" + name) }
        }
        XCTAssertEqual(try files(), ["model.safetensors": "new model.safetensors", "metrics.json": "new metrics.json",
                                     "report.html": "new report.html", "notes.txt": "mine", "run.checkpoint.safetensors": "ckpt"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent), ["out"])
        // Through a symbolic link, the real folder is replaced and the link stays a link.
        try FileManager.default.createSymbolicLink(atPath: parent + "/link", withDestinationPath: out)
        try OutputSet.commit(to: parent + "/link") { dir in try writeAtomically(text: "via link", to: dir + "/metrics.json") }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: parent + "/link"), out)
        XCTAssertEqual(try files()["metrics.json"], "via link")
        // The probe fails where nothing can be created, and leaves nothing where it can.
        XCTAssertThrowsError(try OutputSet.probe("/proc/nope"))
        try OutputSet.probe(parent + "/fresh")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent + "/fresh"), [])
    }
}
