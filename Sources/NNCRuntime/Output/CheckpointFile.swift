import Foundation
import NNCIR
import NNCSpec

/// A checkpoint's content: parameters, where training stood, and which spec
/// and parameter layout it belongs to (checked before a resume).
public struct TrainingCheckpoint: Sendable {
    public var parameters: [Float]
    public var optimizerState: [Float]
    /// Backprop's position (epoch, batch, streams, sums); unused for classic rules.
    public var state: TrainingState
    /// A classic rule's position (hebbian, perceptron, delta); nil for backprop.
    public var rule: RuleState?
    /// `specFingerprint` of the spec that wrote it.
    public var specHash: String
    /// Every parameter tensor as (name, shape), in the order of `parameters`.
    public var layout: [ParameterShape]

    public init(parameters: [Float], optimizerState: [Float], state: TrainingState, rule: RuleState? = nil,
                specHash: String = "", layout: [ParameterShape] = []) {
        self.parameters = parameters; self.optimizerState = optimizerState; self.state = state
        self.rule = rule; self.specHash = specHash; self.layout = layout
    }
}

public struct ParameterShape: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var shape: [Int]
    public init(name: String, shape: [Int]) { self.name = name; self.shape = shape }
    public var description: String { "\(name) \(shape)" }
}

/// A checkpoint that does not belong to the spec being run (exit 2: the file cannot be used).
public struct CheckpointMismatch: Error, CustomStringConvertible, Sendable {
    public var description: String
}

extension TrainingCheckpoint {
    /// The parameter layout of `graph` as a checkpoint records it (every tensor of the store, in order).
    public static func layout(of graph: Graph) -> [ParameterShape] {
        graph.nodes.flatMap { node in
            node.parameterLayout.map { ParameterShape(name: "\(node.name).\($0.role.rawValue)", shape: $0.shape) }
        }
    }

    /// Refuses a checkpoint written for another spec: a different fingerprint
    /// of the resolved model and train sections, parameter names or shapes, or rule kind.
    public func verify(spec: Spec, graph: Graph) throws {
        let expected = specFingerprint(spec)
        guard specHash == expected else {
            throw CheckpointMismatch(description: "the checkpoint belongs to another spec (its model and train sections hash to \(specHash), this spec's to \(expected)); resume with the spec and the --epochs/--set flags of the interrupted run")
        }
        let own = Self.layout(of: graph)
        guard layout == own else {
            let first = zip(layout, own).first { $0 != $1 }.map { "\($0.0) where the model has \($0.1)" }
                ?? "\(layout.count) tensors where the model has \(own.count)"
            throw CheckpointMismatch(description: "the checkpoint's parameters do not fit this model: \(first)")
        }
        let classic = spec.train.map { $0.rule != .backprop } ?? false
        guard classic == (rule != nil) else {
            throw CheckpointMismatch(description: "the checkpoint was written by \(rule == nil ? "backprop" : "a classic rule"), the spec trains with '\(spec.train?.rule.rawValue ?? "none")'")
        }
    }
}

/// A training checkpoint as a safetensors file (format `nnc-checkpoint-2`):
/// the parameters, the optimizer state and, for classic rules, the epoch's
/// example order as tensors; where training stood, the spec's fingerprint and
/// the parameter layout as metadata. `--resume` continues exactly.
public enum CheckpointFile {
    static let format = "nnc-checkpoint-2"

    /// `FOLDER/NAME.checkpoint.safetensors` (or in the current folder), with NAME
    /// made safe: a spec's name never chooses the folder.
    public static func path(specName: String, folder: String?) -> String {
        (folder.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? "") + SafeName.fileStem(specName) + ".checkpoint.safetensors"
    }

    /// Removes a checkpoint whose resumed run has completed (it would only
    /// restart the finished run). Best effort: a checkpoint that stays is harmless.
    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    public static func write(_ c: TrainingCheckpoint, to path: String) throws {
        let s = c.state
        var metadata = [
            "format": format, "spec": c.specHash,
            "parameter_layout": c.layout.map { "\($0.name)=\($0.shape.map(String.init).joined(separator: "x"))" }.joined(separator: ";"),
            "epoch": String(s.epoch), "batch_in_epoch": String(s.batchInEpoch),
            "updates": String(s.updates), "shuffle_state": String(s.shuffleState), "noise_state": String(s.noiseState),
            "loss_sum": String(s.lossSum), "examples_seen": String(s.examplesSeen), "correct": String(s.correct),
            "counted": String(s.counted),
        ]
        let history = HistoryColumns(c.rule?.history ?? s.history)
        metadata["history_columns"] = history.names.joined(separator: ";")
        var tensors = [NamedTensor(name: "parameters", shape: [c.parameters.count], values: c.parameters),
                       NamedTensor(name: "optimizer_state", shape: [c.optimizerState.count], values: c.optimizerState),
                       NamedTensor(name: "history", shape: [history.records, history.names.count, 5], values: history.cells)]
        if let r = c.rule {
            metadata["rule_epoch"] = String(r.epoch)
            metadata["rule_position"] = String(r.position)
            metadata["rule_random"] = String(r.random)
            metadata["rule_finished"] = r.finished ? "true" : "false"
            metadata["rule_sums"] = r.sums.map { String($0) }.joined(separator: ",")
            // Indices as (high, low) 16-bit halves: exact in F32 for any count.
            tensors.append(NamedTensor(name: "rule_order", shape: [r.order.count, 2],
                                       values: r.order.flatMap { [Float($0 >> 16), Float($0 & 0xFFFF)] }))
        }
        try SafeTensors.write(tensors: tensors, metadata: metadata, to: path)
    }

    /// Reads and validates a checkpoint (every field bounded and consistent);
    /// `OutputError(.malformed)` names the file and the bad field.
    public static func read(path: String) throws -> TrainingCheckpoint {
        let (tensors, metadata) = try SafeTensors.read(path: path)
        func bad(_ what: String) -> OutputError { OutputError(.malformed, "\(path): \(what)") }
        guard metadata["format"] == format else {
            throw bad(metadata["format"].map { $0.hasPrefix("nnc-checkpoint") ? "written by another nnc version (\($0.prefix(40)))" : "not an nnc checkpoint" } ?? "not an nnc checkpoint")
        }
        func field(_ key: String) throws -> String {
            guard let v = metadata[key] else { throw bad("not an nnc checkpoint (no '\(key)')") }
            return v
        }
        func int(_ key: String) throws -> Int {
            guard let v = Int(try field(key)), v >= 0 else { throw bad("bad '\(key)'") }
            return v
        }
        func u64(_ key: String) throws -> UInt64 {
            guard let v = UInt64(try field(key)) else { throw bad("bad '\(key)'") }
            return v
        }
        func tensor(_ name: String) throws -> NamedTensor {
            guard let t = tensors.first(where: { $0.name == name }) else { throw bad("no '\(name)' tensor") }
            return t
        }
        let params = try tensor("parameters"), optimizer = try tensor("optimizer_state")
        let layout = try parseLayout(try field("parameter_layout"), bad: bad)
        var total = 0
        for p in layout {
            guard let n = SafeTensors.elementCount(p.shape), case (let sum, false) = total.addingReportingOverflow(n) else {
                throw bad("bad 'parameter_layout'")
            }
            total = sum
        }
        guard total == params.values.count else {
            throw bad("'parameter_layout' lists \(total) values, the parameters tensor has \(params.values.count)")
        }
        var state = TrainingState()
        state.epoch = try int("epoch")
        state.batchInEpoch = try int("batch_in_epoch")
        state.updates = try int("updates")
        state.shuffleState = try u64("shuffle_state")
        state.noiseState = try u64("noise_state")
        guard let lossSum = Double(try field("loss_sum")) else { throw bad("bad 'loss_sum'") }
        state.lossSum = lossSum
        state.examplesSeen = try int("examples_seen")
        state.correct = try int("correct")
        state.counted = try int("counted")
        let columns = try field("history_columns")
        let history = try HistoryColumns.records(names: columns.isEmpty ? [] : columns.split(separator: ";").map(String.init),
                                                 cells: try tensor("history").values, bad: bad)
        var rule: RuleState?
        if metadata["rule_epoch"] != nil {
            var r = RuleState()
            r.epoch = try int("rule_epoch")
            r.position = try int("rule_position")
            r.random = try u64("rule_random")
            r.finished = try field("rule_finished") == "true"
            let sums = try field("rule_sums")
            r.sums = try sums.isEmpty ? [] : sums.split(separator: ",", omittingEmptySubsequences: false).map {
                guard let d = Double($0) else { throw bad("bad 'rule_sums'") }
                return d
            }
            let halves = try tensor("rule_order").values
            guard halves.count % 2 == 0 else { throw bad("bad 'rule_order'") }
            var seen = [Bool](repeating: false, count: halves.count / 2)
            r.order = try stride(from: 0, to: halves.count, by: 2).map { k in
                let hi = halves[k], lo = halves[k + 1]
                guard hi >= 0, hi < 65536, lo >= 0, lo < 65536, hi == hi.rounded(), lo == lo.rounded() else { throw bad("bad 'rule_order'") }
                let i = Int(hi) << 16 | Int(lo)
                // A permutation of 0..<count: indexing by it is safe.
                guard i < seen.count, !seen[i] else { throw bad("'rule_order' is not a permutation") }
                seen[i] = true
                return i
            }
            guard r.position <= r.order.count else { throw bad("bad 'rule_position'") }
            r.history = history
            guard r.history.count == r.epoch else { throw bad("'history' has \(r.history.count) epochs, 'rule_epoch' says \(r.epoch)") }
            rule = r
        } else {
            state.history = history
        }
        return TrainingCheckpoint(parameters: params.values, optimizerState: optimizer.values, state: state, rule: rule,
                                  specHash: try field("spec"), layout: layout)
    }

    static func parseLayout(_ text: String, bad: (String) -> OutputError) throws -> [ParameterShape] {
        guard !text.isEmpty else { return [] }
        return try text.split(separator: ";", omittingEmptySubsequences: false).map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty else { throw bad("bad 'parameter_layout'") }
            let dims = try parts[1].split(separator: "x", omittingEmptySubsequences: false).map { d in
                guard let n = Int(d), n >= 0 else { throw bad("bad 'parameter_layout'") }
                return n
            }
            return ParameterShape(name: String(parts[0]), shape: dims)
        }
    }
}

/// A training history as a table of cells, for checkpoints: one row per
/// epoch, one column per metric name (`epoch` first); each cell is 5 F32
/// values, a kind (0 absent, 1 number, 2 count) and the value's 64 bits as
/// four 16-bit halves, each exact in F32. Binary, so a perceptron's million
/// epochs are written in milliseconds and read back bit for bit.
struct HistoryColumns {
    var names: [String] = ["epoch"]
    var records = 0
    var cells: [Float] = []

    init(_ history: [EpochRecord]) {
        var index = ["epoch": 0]
        for record in history {
            for m in record.metrics where index[m.name] == nil && m.value.scalar != nil {
                index[m.name] = names.count
                names.append(m.name)
            }
        }
        records = history.count
        cells = [Float](repeating: 0, count: records * names.count * 5)
        func put(_ row: Int, _ column: Int, kind: Float, bits: UInt64) {
            let k = (row * names.count + column) * 5
            cells[k] = kind
            for h in 0..<4 { cells[k + 1 + h] = Float((bits >> (16 * UInt64(h))) & 0xFFFF) }
        }
        for (row, record) in history.enumerated() {
            put(row, 0, kind: 2, bits: UInt64(bitPattern: Int64(record.epoch)))
            for m in record.metrics {
                guard let column = index[m.name] else { continue }
                switch m.value {
                case .integer(let n): put(row, column, kind: 2, bits: UInt64(bitPattern: Int64(n)))
                case .number(let d): put(row, column, kind: 1, bits: d.bitPattern)
                case .matrix, .numbers, .text: break
                }
            }
        }
    }

    static func records(names: [String], cells: [Float], bad: (String) -> OutputError) throws -> [EpochRecord] {
        guard names.first == "epoch", !names.contains(where: \.isEmpty), cells.count % (names.count * 5) == 0 else {
            throw bad("bad 'history'")
        }
        let width = names.count * 5
        return try stride(from: 0, to: cells.count, by: width).map { start in
            var epoch = 0
            var metrics: MetricList = []
            for column in 0..<names.count {
                let k = start + column * 5
                var bits: UInt64 = 0
                for h in 0..<4 {
                    let half = cells[k + 1 + h]
                    guard half >= 0, half < 65536, half == half.rounded() else { throw bad("bad 'history'") }
                    bits |= UInt64(half) << (16 * UInt64(h))
                }
                switch cells[k] {
                case 0: continue
                case 1: metrics.append((name: names[column], value: .number(Double(bitPattern: bits))))
                case 2:
                    let n = Int(Int64(bitPattern: bits))
                    if column == 0 { epoch = n } else { metrics.append((name: names[column], value: .integer(n))) }
                default: throw bad("bad 'history'")
                }
            }
            return EpochRecord(epoch: epoch, metrics: metrics)
        }
    }
}
