import Foundation
import NNCIR
import NNCSpec

/// `spec.resolved.yaml`: the spec as nnc runs it, with every default written
/// out (docs/spec.md): layer names, activations, biases, initializers, source
/// options, the loss (cross_entropy after softmax, else mse), epochs and batch
/// of the rule, the optimizer's parameters, `evaluate.on` and `show`.
///
/// Keys that the spec's rule ignores (e.g. `optimizer` for `hebbian`, `epochs`
/// for a closed-form rule) are left out, as the checker would warn about them;
/// so are options without a default whose absence means "none" (`limit`,
/// `normalize`, `clip`, `bptt`, `stop`, `corrupt`, `rate`). The text checks
/// clean and reads back to the same spec (re-emitting it gives the same text).
/// Paths are made absolute, so the file works from the output folder.
///
/// - graph: the checked graph, for each layer's output shape as a comment
///   (`# -> [16, 4, 4]`); nil leaves the comments out.
/// - defaultMetrics: the metrics the run computes when the spec names none
///   (they depend on the task); nil writes a comment instead.
public func resolvedSpecYAML(_ spec: Spec, graph: Graph?, defaultMetrics: [String]? = nil) -> String {
    ResolvedSpecWriter(spec: spec, graph: graph, defaultMetrics: defaultMetrics).document()
}

/// Which spec a checkpoint belongs to: FNV-1a 64 of the resolved `model` and
/// `train` sections as `spec.resolved.yaml` renders them (without the shape
/// comments), as `fnv1a64:` and 16 hex digits. Defaults written out, so a spec
/// that spells a default and one that leaves it out agree; `--set` counts (it
/// changes these sections); `epochs` does not (it is the budget: `--resume
/// --epochs N` extends or shortens training; it is rendered as 0 here, so
/// defaults derived from it, such as a cosine schedule's period, drop out too),
/// nor do the seed, data and evaluation.
public func specFingerprint(_ spec: Spec) -> String {
    var spec = spec
    spec.train?.epochs = 0
    let w = ResolvedSpecWriter(spec: spec, graph: nil, defaultMetrics: nil)
    var entries: [YAMLEmitter.Entry] = []
    if let model = spec.model { entries.append(.init("model", .block(w.modelEntries(model)))) }
    if let train = spec.train { entries.append(.init("train", .block(w.trainEntries(train)))) }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in YAMLEmitter.document(entries, header: []).utf8 {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
}

private struct ResolvedSpecWriter {
    typealias Node = YAMLEmitter.Node
    typealias Entry = YAMLEmitter.Entry

    let spec: Spec
    let graph: Graph?
    let defaultMetrics: [String]?

    func document() -> String {
        var entries = [Entry("nnc", .plain("1")), Entry("name", .text(spec.name))]
        if let description = spec.description { entries.append(Entry("description", .text(description))) }
        entries.append(Entry("seed", .plain(String(spec.seed))))
        if let data = spec.data { entries.append(Entry("data", .block(dataEntries(data)))) }
        if let model = spec.model { entries.append(Entry("model", .block(modelEntries(model)))) }
        if let train = spec.train { entries.append(Entry("train", .block(trainEntries(train)))) }
        let metricsUnnamed = spec.evaluate?.metrics == nil && defaultMetrics == nil
        entries.append(Entry("evaluate", .block(evaluateEntries()),
                             comment: metricsUnnamed ? "metrics: those that fit the task" : nil))
        return YAMLEmitter.document(entries, header: ["\(spec.name): the spec with every default filled in (nnc run)"])
    }

    // MARK: values

    func int(_ n: Int) -> Node { .plain(String(n)) }
    func bool(_ b: Bool) -> Node { .plain(b ? "true" : "false") }
    func keyword(_ s: String) -> Node { .plain(s) }
    /// Whole numbers without a fraction (`16`, not `16.0`); others in their shortest exact form.
    func number(_ d: Double) -> Node {
        d == d.rounded() && abs(d) < 1e15 ? .plain(String(Int(d))) : .plain(d.description)
    }
    func numbers(_ list: [Double]) -> Node { .list(list.map(number)) }
    /// `n` when both are equal, else `[h, w]`.
    func pair(_ p: (Int, Int)) -> Node { p.0 == p.1 ? int(p.0) : .list([int(p.0), int(p.1)]) }
    func shape(_ s: Shape) -> Node { .list(s.map { .plain($0.description) }) }
    func path(_ p: String) -> Node { .text(URL(fileURLWithPath: p).standardized.path) }

    // MARK: data

    func dataEntries(_ data: DataSpec) -> [Entry] {
        if let split = data.split {
            return datasetEntries(data.train) + [Entry("split", .map([Entry("train", number(split.train)),
                                                                      Entry("test", number(split.test))]))]
        }
        guard let test = data.test else { return datasetEntries(data.train) }
        return [Entry("train", .block(datasetEntries(data.train))), Entry("test", .block(datasetEntries(test)))]
    }

    func datasetEntries(_ d: DatasetSpec) -> [Entry] {
        var entries: [Entry]
        switch d.form {
        case .builtin(let source):
            entries = [Entry("source", keyword(source.name))] + sourceOptions(source)
        case .inline(let inputs, let targets):
            var fields = [Entry("inputs", .list(inputs.map(numbers)))]
            switch targets {
            case .classes(let c)?: fields.append(Entry("targets", .list(c.map(int))))
            case .vectors(let v)?: fields.append(Entry("targets", .list(v.map(numbers))))
            case nil: break
            }
            entries = [Entry("inline", .block(fields))]
        case .csv(let o):
            let label: Node = switch o.label {
            case .last: keyword("last")
            case .first: keyword("first")
            case .none: keyword("none")
            case .column(let n): int(n)
            }
            var fields = [Entry("path", path(o.path)), Entry("label", label), Entry("header", bool(o.header))]
            if let k = o.classes { fields.append(Entry("classes", int(k))) }
            entries = [Entry("csv", .map(fields))]
        case .idx(let images, let labels):
            entries = [Entry("idx", .map([Entry("images", path(images))] + (labels.map { [Entry("labels", path($0))] } ?? [])))]
        case .npy(let inputs, let targets):
            entries = [Entry("npy", .map([Entry("inputs", path(inputs))] + (targets.map { [Entry("targets", path($0))] } ?? [])))]
        }
        if let limit = d.limit { entries.append(Entry("limit", int(limit))) }
        entries.append(Entry("shuffle", bool(d.shuffle)))
        switch d.normalize {
        case .standardize?: entries.append(Entry("normalize", keyword("standardize")))
        case .minmax?: entries.append(Entry("normalize", keyword("minmax")))
        case .scale(let k)?: entries.append(Entry("normalize", .map([Entry("scale", number(k))])))
        case nil: break
        }
        if let e = d.encoding { entries.append(Entry("encoding", keyword(e.rawValue))) }
        entries.append(Entry("one_hot", bool(d.oneHot)))
        return entries
    }

    /// Every option of a built-in source, defaults included (its descriptor lists them).
    func sourceOptions(_ s: BuiltinSource) -> [Entry] {
        s.options.map { Entry($0.name, optionValue($0.value)) }
    }

    func optionValue(_ v: OptionValue) -> Node {
        switch v {
        case .bool(let b): bool(b)
        case .integer(let n): int(n)
        case .number(let x): number(x)
        case .list(let items): .list(items.map(optionValue))
        case .map(let members): .map(members.map { Entry($0.name, optionValue($0.value)) })
        }
    }

    // MARK: model

    func modelEntries(_ model: ModelSpec) -> [Entry] {
        let layers = model.layers.compactMap { $0 }.map { layer in
            Entry("", .block([Entry(layer.op.kindName, .map(layerOptions(layer)))]), comment: shapeComment(layer.name))
        }
        return [Entry("input", shape(model.input)), Entry("layers", .blockList(layers))]
    }

    func shapeComment(_ name: String) -> String? {
        guard let node = graph?.nodes.first(where: { $0.name == name }), let s = node.shape else { return nil }
        return "-> " + describe(s)
    }

    func layerOptions(_ layer: LayerSpec) -> [Entry] {
        var entries = [Entry("name", .text(layer.name))]
        if let from = layer.from {
            entries.append(Entry("from", from.count == 1 ? .text(from[0].name) : .list(from.map { .text($0.name) })))
        }
        switch layer.op {
        case .dense(let o):
            entries += [Entry("units", int(o.units)), Entry("activation", keyword(o.activation.rawValue)),
                        Entry("bias", bool(o.bias)), Entry("init", initializer(o.initializer, o.activation))]
            if !o.penalty.isEmpty { entries.append(Entry("penalty", penalty(o.penalty))) }
        case .threshold(let o):
            entries.append(Entry("units", int(o.units)))
            if let w = o.weights { entries.append(Entry("weights", .list(w.map(numbers)))) }
            switch o.threshold {
            case .same(let s)?: entries.append(Entry("threshold", number(s)))
            case .perUnit(let s)?: entries.append(Entry("threshold", numbers(s)))
            case .auto?:
                // `tolerance` is an error beside anything but `auto`.
                entries += [Entry("threshold", keyword("auto")), Entry("tolerance", number(o.tolerance))]
            case nil: break
            }
            entries.append(Entry("output", keyword(o.bipolar ? "bipolar" : "binary")))
        case .hopfield(let o):
            entries += [Entry("update", keyword(o.synchronous ? "sync" : "async")),
                        Entry("order", keyword(o.randomOrder ? "random" : "sequential")),
                        Entry("max_sweeps", int(o.maxSweeps)), Entry("self_weight", number(o.selfWeight))]
        case .conv2d(let o):
            let padding: Node = switch o.padding {
            case .valid: keyword("valid")
            case .same: keyword("same")
            case .explicit(let h, let w): pair((h, w))
            }
            entries += [Entry("filters", int(o.filters)), Entry("kernel", pair(o.kernel)), Entry("stride", pair(o.stride)),
                        Entry("padding", padding), Entry("activation", keyword(o.activation.rawValue)),
                        Entry("bias", bool(o.bias)), Entry("init", initializer(o.initializer, o.activation))]
        case .pool(let o):
            entries += [Entry("size", pair(o.size)), Entry("stride", pair(o.stride))]
        case .flatten, .activation, .add, .concat:
            break
        case .dropout(let rate):
            entries.append(Entry("rate", number(rate)))
        case .noise(let kind):
            switch kind {
            case .gaussian(let s): entries.append(Entry("gaussian", number(s)))
            case .mask(let p): entries.append(Entry("mask", number(p)))
            case .saltPepper(let p): entries.append(Entry("salt_pepper", number(p)))
            }
        case .rnn(let o):
            entries += [Entry("units", int(o.units)), Entry("activation", keyword(o.activation.rawValue)),
                        Entry("feedback", keyword(o.feedbackFromOutput ? "output" : "hidden"))]
            if let out = o.output {
                entries.append(Entry("output", .map([Entry("units", int(out.units)),
                                                     Entry("activation", keyword(out.activation.rawValue))])))
            }
            entries += [Entry("return", keyword(o.returnSequence ? "sequence" : "last")), Entry("leak", number(o.leak))]
            if let skip = o.skip { entries.append(Entry("skip", int(skip))) }
            entries += [Entry("bias", bool(o.bias)), Entry("init", initializer(o.initializer, o.activation))]
        case .lstm(let o):
            entries += [Entry("units", int(o.units)), Entry("return", keyword(o.returnSequence ? "sequence" : "last")),
                        Entry("forget_bias", number(o.forgetBias)), Entry("init", initializer(o.initializer, .tanh))]
        case .pca(let components):
            entries.append(Entry("components", int(components)))
        }
        return entries
    }

    /// The given initializer, or the default: he for relu layers, xavier otherwise.
    func initializer(_ given: Initializer?, _ activation: ActivationKind) -> Node {
        switch Initializer.resolved(given, activation: activation) {
        case .xavier: return keyword("xavier")
        case .he: return keyword("he")
        case .zeros: return keyword("zeros")
        case .uniform(let a): return .map([Entry("uniform", number(a))])
        case .normal(let s): return .map([Entry("normal", number(s))])
        }
    }

    func penalty(_ p: Penalty) -> Node {
        var entries: [Entry] = []
        if p.l1 != 0 { entries.append(Entry("l1", number(p.l1))) }
        if p.l2 != 0 { entries.append(Entry("l2", number(p.l2))) }
        if p.contractive != 0 { entries.append(Entry("contractive", number(p.contractive))) }
        return .map(entries)
    }

    // MARK: train

    func trainEntries(_ t: TrainSpec) -> [Entry] {
        var entries = [Entry("rule", keyword(t.rule.rawValue))]
        if t.rule == .backprop || t.rule == .delta {
            // The default loss depends on the output (docs/spec.md); without a graph only a written one is known.
            if let loss = t.loss ?? graph.map(Runner.defaultLoss) { entries.append(Entry("loss", keyword(loss.rawValue))) }
        }
        entries.append(Entry("target", keyword(t.targetIsInput ? "input" : "labels")))
        if t.rule == .backprop {
            entries.append(Entry("optimizer", optimizer(t.optimizer)))
            entries.append(Entry("schedule", schedule(t.schedule, epochs: t.effectiveEpochs)))
        }
        if !t.rule.isClosedForm {
            entries += [Entry("epochs", int(t.effectiveEpochs)), Entry("batch", int(t.effectiveBatch)),
                        Entry("shuffle", bool(t.shuffle))]
        }
        if t.rule == .backprop {
            if let norm = t.clipNorm { entries.append(Entry("clip", .map([Entry("norm", number(norm))]))) }
            if let k = t.bpttTruncate { entries.append(Entry("bptt", .map([Entry("truncate", int(k))]))) }
        }
        var stop: [Entry] = []
        if let a = t.stop.accuracy { stop.append(Entry("accuracy", number(a))) }
        if let l = t.stop.loss { stop.append(Entry("loss", number(l))) }
        if t.stop.noErrors { stop.append(Entry("no_errors", bool(true))) }
        if !stop.isEmpty { entries.append(Entry("stop", .map(stop))) }
        if t.rule.isPerExample {
            switch t.rate {
            case .fixed(let e)?: entries.append(Entry("rate", number(e)))
            case .normalized?: entries.append(Entry("rate", keyword("normalized")))
            case nil: break
            }
        }
        return entries
    }

    func optimizer(_ o: OptimizerSpec) -> Node {
        switch o {
        case .sgd(let lr, let momentum, let nesterov):
            return .map([Entry("sgd", .map([Entry("lr", number(lr)), Entry("momentum", number(momentum)),
                                            Entry("nesterov", bool(nesterov))]))])
        case .adam(let lr, let beta1, let beta2, let eps):
            return .map([Entry("adam", .map([Entry("lr", number(lr)), Entry("beta1", number(beta1)),
                                             Entry("beta2", number(beta2)), Entry("eps", number(eps))]))])
        }
    }

    /// The schedule with its defaults; a cosine period defaults to all epochs.
    func schedule(_ s: ScheduleSpec, epochs: Int) -> Node {
        switch s {
        case .constant: return keyword("constant")
        case .step(let every, let factor):
            return .map([Entry("step", .map([Entry("every", int(every)), Entry("factor", number(factor))]))])
        case .exponential(let decay):
            return .map([Entry("exponential", .map([Entry("decay", number(decay))]))])
        case .cosine(let minLR, let period):
            return .map([Entry("cosine", .map([Entry("min_lr", number(minLR)), Entry("period", int(period ?? epochs))]))])
        case .cyclic(let minLR, let maxLR, let period):
            return .map([Entry("cyclic", .map([Entry("min_lr", number(minLR)), Entry("max_lr", number(maxLR)),
                                               Entry("period", int(period))]))])
        }
    }

    // MARK: evaluate

    func evaluateEntries() -> [Entry] {
        let e = spec.evaluate
        let hasTest = spec.data.map { $0.test != nil || $0.split != nil } ?? false
        var entries = [Entry("on", keyword((e?.onTest ?? hasTest) ? "test" : "train"))]
        if let metrics = e?.metrics?.map(\.rawValue) ?? defaultMetrics {
            entries.append(Entry("metrics", .list(metrics.map(keyword))))
        }
        switch e?.corrupt {
        case .flip(let p)?: entries.append(Entry("corrupt", .map([Entry("flip", number(p))])))
        case .mask(let p)?: entries.append(Entry("corrupt", .map([Entry("mask", number(p))])))
        case .gaussian(let s)?: entries.append(Entry("corrupt", .map([Entry("gaussian", number(s))])))
        case nil: break
        }
        entries.append(Entry("show", int(e?.show ?? 8)))
        return entries
    }
}
