import NNCSpec

/// One metric's value, as `metrics.json` and the report show it.
public enum MetricValue: Sendable, Equatable {
    /// A real number (accuracy, loss, mse, overlap, ...); NaN and ±infinity are written as null.
    case number(Double)
    /// A count (errors, sweeps, ...).
    case integer(Int)
    /// A matrix of counts: the confusion matrix, [true class][predicted class].
    case matrix([[Int]])
    /// A list of numbers, e.g. the energy after each Hopfield update.
    case numbers([Double])
    /// Free text (e.g. "did not converge").
    case text(String)

    /// False for a number (or a list with one) that is NaN or infinite.
    public var isFinite: Bool {
        switch self {
        case .number(let x): return x.isFinite
        case .numbers(let xs): return xs.allSatisfy(\.isFinite)
        case .integer, .matrix, .text: return true
        }
    }

    public var json: JSONValue {
        switch self {
        case .number(let d): return .double(d)
        case .integer(let i): return .int(i)
        case .matrix(let rows): return .array(rows.map { .array($0.map(JSONValue.int)) })
        case .numbers(let list): return .array(list.map(JSONValue.double))
        case .text(let s): return .string(s)
        }
    }

    /// The value as one number, for plots: nil for matrices, lists and text.
    public var scalar: Double? {
        switch self {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        case .matrix, .numbers, .text: return nil
        }
    }
}

/// Metrics in the order they are shown; names are unique, as in the spec.
public typealias MetricList = [(name: String, value: MetricValue)]

/// The metrics measured after one training epoch.
public struct EpochRecord: Sendable {
    /// 1-based (a resumed run continues the count).
    public var epoch: Int
    /// E.g. loss, accuracy, and `test_`-prefixed values on the test data; `epoch` is reserved.
    public var metrics: MetricList

    public init(epoch: Int, metrics: MetricList) {
        self.epoch = epoch
        self.metrics = metrics
    }
}

/// What a run measured: per epoch, and the final evaluation.
public struct RunHistory: Sendable {
    public var epochs: [EpochRecord]
    /// Every metric of `evaluate`, by its name in the spec.
    public var final: MetricList

    /// The run's facts (metrics.json's `run`), when known.
    public var facts: RunFacts?
    /// How training ended: adds `converged`, `epochs_run` and `best_epoch` to `final`.
    public var training: TrainingOutcome?

    public init(epochs: [EpochRecord] = [], final: MetricList = [], facts: RunFacts? = nil, training: TrainingOutcome? = nil) {
        self.epochs = epochs
        self.final = final
        self.facts = facts
        self.training = training
    }

    /// `final` as JSON members: the evaluation's metrics, then `converged` and `epochs_run` where the
    /// rule has a notion of convergence or training stopped early, and `best_epoch` with `patience`.
    public var finalMembers: [(key: String, value: JSONValue)] {
        var members = final.map { (key: $0.name, value: $0.value.json) }
        if let t = training {
            if let c = t.converged { members.append(("converged", .bool(c))) }
            if t.converged != nil || t.stopReason != nil { members.append(("epochs_run", .int(t.epochsRun))) }
            if let b = t.bestEpoch { members.append(("best_epoch", .int(b))) }
        }
        return members
    }
}

/// `metrics.json` (cli.md):
///
///     {
///       "run": {"nnc_version": "0.1.0", "date": ..., "seed": 1, "threads": 2, ...},
///       "epochs": [
///         {"epoch": 1, "loss": 0.52, "accuracy": 0.81},
///         ...
///       ],
///       "final": {
///         "accuracy": 0.95,
///         "confusion": [[...], ...]
///       }
///     }
///
/// One epoch per line and one final metric per line, keys in the order given.
public enum MetricsFile {
    /// The text of `metrics.json`, ending with a line break.
    public static func json(_ history: RunHistory) -> String {
        let line = JSONWriter(style: .spaced)
        var out = "{\n"
        if let facts = history.facts { out += "  \"run\": " + line.string(facts.json) + ",\n" }
        out += "  \"epochs\": ["
        for (i, record) in history.epochs.enumerated() {
            let object = JSONValue.object([(key: "epoch", value: .int(record.epoch))]
                                          + record.metrics.map { (key: $0.name, value: $0.value.json) })
            out += (i == 0 ? "\n    " : ",\n    ") + line.string(object)
        }
        out += history.epochs.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"final\": {"
        let final = history.finalMembers
        for (i, member) in final.enumerated() {
            out += (i == 0 ? "\n    " : ",\n    ") + JSONWriter.quoted(member.key) + ": " + line.string(member.value)
        }
        out += final.isEmpty ? "}\n}\n" : "\n  }\n}\n"
        return out
    }

    /// The `final` object on one line, for `nnc run --format json` (no line break).
    public static func finalJSON(_ history: RunHistory) -> String {
        JSONWriter(style: .spaced).string(.object(history.finalMembers))
    }

    /// Metrics alone, on one line.
    public static func finalJSON(_ final: MetricList) -> String { finalJSON(RunHistory(final: final)) }

    /// Writes `metrics.json` atomically.
    public static func write(_ history: RunHistory, to path: String) throws {
        try writeAtomically(text: json(history), to: path)
    }
}
