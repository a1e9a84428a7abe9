import NNCSpec

/// Pass 3: the spec's sections against each other: data against the model's
/// input and output, the loss against the output, the learning rule against
/// the layers it must train, and options that need other options.
struct RuleCheck {
    let spec: Spec
    let graph: Graph
    var diagnostics: DiagnosticBag

    var output: IRNode { graph.nodes[graph.output] }
    var trainable: [IRNode] { graph.trainableLayers }

    func finalActivation() -> ActivationKind? { graph.finalActivation }

    mutating func error(_ code: String, _ message: String, at span: SourceSpan, notes: [DiagnosticNote] = [], help: String? = nil) {
        diagnostics.add(.error(code, message, at: span, notes: notes, help: help))
    }

    mutating func run() {
        checkLayerOptions()
        checkData()
        if let train = spec.train { checkTrain(train) } else if !spec.invalidSections.contains("train") { checkFixed() }
        if let evaluate = spec.evaluate { checkEvaluate(evaluate) }
    }

    // MARK: layer options the runtime cannot compute

    /// Options that validate one by one but that no kernel computes: rejected here
    /// so that a spec that checks clean runs as written (each kind's own `checkOptions`).
    mutating func checkLayerOptions() {
        for node in graph.layers {
            guard let op = opOf(node) else { continue }
            report(node, op) { kind, c in kind.checkOptions(&c) }
        }
    }

    /// Runs one of a layer kind's checks and keeps what it reports.
    mutating func report(_ node: IRNode, _ op: LayerOp, _ check: (any LayerKind, inout LayerContext) -> Void) {
        let kind = op.kind
        var c = LayerContext(name: node.name, kindName: kind.kindName, span: node.span, optionSpans: node.optionSpans)
        check(kind, &c)
        diagnostics.add(contentsOf: c.diagnostics.diagnostics)
    }

    // MARK: data against the model

    mutating func checkData() {
        guard let data = spec.data, let model = spec.model else { return }
        let train = DataDescription.describe(data.train, modelInput: model.input)
        var parts = [("data", data.train, train)]
        if let test = data.test { parts.append(("test data", test, DataDescription.describe(test, modelInput: model.input))) }
        for (what, dataset, description) in parts {
            // Options in the schema's ranges that the source still cannot honour (the run would fail).
            if case .builtin(let source) = dataset.form, let problem = source.problem(modelInput: model.input) {
                error("E0403", problem, at: dataset.span)
                continue
            }
            guard let input = description.input else { continue }
            var matcher = ShapeMatcher()
            if !matcher.match(model.input, input) {
                var help = "write 'input: \(NNCSpec.describe(input))'"
                if case .builtin(let s) = dataset.form, s.hasImageOption {
                    help += " (or add 'image: true' to the source for [1, H, W] images)"
                }
                error("E0401", "the model's input is \(NNCSpec.describe(model.input)) but the \(what) gives examples of shape \(NNCSpec.describe(input))",
                      at: model.inputSpan, notes: [DiagnosticNote("the \(what) is defined at line \(dataset.span.start.line)", at: dataset.span)], help: help)
                return
            }
            // A size that varies from example to example (reber's string length) cannot be fixed by the model.
            if model.input.count == input.count, let i = input.indices.first(where: { model.input[$0].fixed != nil && input[$0].fixed == nil }) {
                var fixedInput = model.input
                fixedInput[i] = input[i]
                error("E0401", "the model's input fixes \(NNCSpec.describe(model.input)) but the \(what)'s examples vary in size \(NNCSpec.describe(input))",
                      at: model.inputSpan, notes: [DiagnosticNote("the \(what) is defined at line \(dataset.span.start.line)", at: dataset.span)],
                      help: "write 'input: \(NNCSpec.describe(fixedInput))'")
                return
            }
            checkTargets(description.targets, dataset: dataset, what: what)
            if let encoding = dataset.encoding, case .real = description.values {
                error("E0512", "'encoding: \(encoding.rawValue)' recodes binary inputs (0/1 ↔ −1/+1), but the \(what) gives real values",
                      at: dataset.span, help: "remove 'encoding', or use binary data (patterns, letters, bars_and_stripes, logic tables)")
            }
        }
        checkScale(data.train)
        if let (trainFraction, testFraction) = data.split, let count = train.count {
            // The runtime's split: part ends at round(cumulative fraction · count), the last at count when they sum to 1.
            let trainEnd = min(count, Int((trainFraction * Double(count)).rounded()))
            let testEnd = abs(trainFraction + testFraction - 1) <= 1e-9 ? count : min(count, Int(((trainFraction + testFraction) * Double(count)).rounded()))
            if trainEnd < 1 || testEnd <= trainEnd {
                error("E0111", "split {train: \(formatNumber(trainFraction)), test: \(formatNumber(testFraction))} of \(count) examples leaves the \(trainEnd < 1 ? "training" : "test") part empty",
                      at: data.span, help: "use more examples, or give the smaller part a larger fraction")
            }
        }
    }

    /// `normalize: {scale: K}` multiplies; where the source's range is known, warn when the
    /// scaled inputs land far outside [−10, 10] (the usual slip: the divisor written for K).
    mutating func checkScale(_ dataset: DatasetSpec) {
        guard case .scale(let k)? = dataset.normalize, let (name, largest) = Self.knownRange(dataset.form) else { return }
        let reach = largest * k
        guard reach > 10 else { return }
        diagnostics.add(.warning("W0502", "\(name) scaled by \(formatNumber(k)) reach \(formatNumber(reach)): 'scale' multiplies",
                                 at: dataset.normalizeSpan ?? dataset.span,
                                 help: "did you mean 'scale: \(formatNumber(1 / k))'? (or 'normalize: minmax' to map the range to 0..1)"))
    }

    /// The largest absolute input value of a source whose values are known without data.
    static func knownRange(_ form: DatasetForm) -> (String, Double)? {
        switch form {
        case .builtin(let source):
            switch source.describe(modelInput: []).values {
            case .binary: return ("binary inputs", 1)
            case .bounded(let largest, let what): return (what, largest)
            case .unbounded: return nil
            }
        case .inline(let inputs, _):
            let largest = inputs.joined().map(abs).max() ?? 0
            return largest > 0 ? ("the inline inputs", largest) : nil
        case .csv, .idx, .npy: return nil
        }
    }

    mutating func checkTargets(_ targets: DataDescription.Targets, dataset: DatasetSpec, what: String) {
        guard let outShape = output.shape else { return }
        let rule = spec.train?.rule
        if spec.train?.targetIsInput == true || rule == .pca { return }   // pca reconstructs its input
        if case .hopfield = opOf(output), rule == .hebbian || rule == nil { return }
        let units = outShape.last?.fixed
        let note = DiagnosticNote("the \(what) is defined at line \(dataset.span.start.line)", at: dataset.span)
        switch targets {
        case .classes(let k?):
            guard let units else { return }
            // One output unit can separate two classes (step, sigmoid, sign).
            if units != k && !(units == 1 && k == 2) {
                let layer = widthSetter()
                error("E0402", "the \(what) has \(k) classes but '\(layer.name)' gives \(units) output\(units == 1 ? "" : "s")",
                      at: layer.optionSpans["units"] ?? layer.span, notes: [note],
                      help: "give the last layer \(k) units (one per class)" + (k == 2 ? " or 1 unit for two classes" : ""))
            }
        case .vectors(let shape):
            var matcher = ShapeMatcher()
            if !matcher.match(outShape, shape) {
                error("E0402", "the \(what)'s targets have shape \(NNCSpec.describe(shape)) but '\(output.name)' gives \(NNCSpec.describe(outShape))",
                      at: output.span, notes: [note], help: "make the output shape match the targets")
            }
        case .none:
            guard let train = spec.train, train.rule.needsTargets else { return }
            error("E0404", "rule '\(train.rule.rawValue)' compares outputs with targets, but the \(what) has none",
                  at: train.spans["rule"] ?? train.span, notes: [note],
                  help: "give the data targets, or set 'target: input' for auto-association")
        case .classes(nil), .unknown:
            break
        }
    }

    /// The layer that decides the output's width: the output, or the last layer before
    /// a run of shape-preserving ones (activations, dropout, noise).
    func widthSetter() -> IRNode {
        var node = output
        while case .layer(let op) = node.op, let input = node.inputs.first, input > 0, op.kind.mapsValuesOnly {
            node = graph.nodes[input]
        }
        return node
    }

    func opOf(_ node: IRNode) -> LayerOp? { if case .layer(let op) = node.op { return op }; return nil }

    // MARK: training

    mutating func checkTrain(_ train: TrainSpec) {
        let ruleSpan = train.spans["rule"] ?? train.span
        let trainable = self.trainable
        if trainable.isEmpty && graph.layers.allSatisfy(\.valid) {
            error("E0505", "the model has no learnable parameters, so there is nothing to train", at: train.span,
                  help: "remove 'train', or add a layer with parameters")
            return
        }
        // Which layers the rule can train.
        for node in trainable {
            guard let op = opOf(node) else { continue }
            let able = op.kind.trainedBy
            guard able.contains(train.rule) else {
                error("E0501", "rule '\(train.rule.rawValue)' cannot train '\(node.name)' (\(op.kindName))", at: node.span,
                      notes: [DiagnosticNote("the rule is chosen here", at: ruleSpan)],
                      help: "rules that train '\(op.kindName)': \(able.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            checkLayerForRule(node, op, train)
        }
        if train.rule.trainsOneLayer && trainable.count > 1 {
            error("E0502", "rule '\(train.rule.rawValue)' trains a single layer, the model has \(trainable.count): \(trainable.map { "'\($0.name)'" }.joined(separator: ", "))",
                  at: ruleSpan, help: "train one layer with '\(train.rule.rawValue)', or use 'backprop' for a deeper model")
        }
        if train.rule == .backprop { checkGradientPath(train) }
        checkLoss(train)
        checkOptions(train)
    }

    mutating func checkLayerForRule(_ node: IRNode, _ op: LayerOp, _ train: TrainSpec) {
        report(node, op) { kind, c in kind.checkRule(train.rule, &c) }
    }

    /// Backprop needs a gradient through every layer between a trainable layer and the output.
    mutating func checkGradientPath(_ train: TrainSpec) {
        guard let firstTrainable = trainable.first?.id else { return }
        for node in graph.layers where node.id >= firstTrainable {
            guard let op = opOf(node) else { continue }
            if let blocker = op.kind.gradientBlocker {
                error("E0501", "rule 'backprop' cannot pass a gradient through '\(node.name)' (\(blocker) is flat almost everywhere)",
                      at: node.span, notes: [DiagnosticNote("the rule is chosen here", at: train.spans["rule"] ?? train.span)],
                      help: "use a differentiable activation (sigmoid, tanh, relu), or train a single threshold layer with 'perceptron'")
            }
        }
    }

    mutating func checkLoss(_ train: TrainSpec) {
        guard train.rule == .backprop || train.rule == .delta, let loss = train.loss, let act = finalActivation() else { return }
        let span = train.spans["loss"] ?? train.span
        let note = DiagnosticNote("the output comes from '\(output.name)' (line \(output.span.start.line))", at: output.span)
        let width = output.shape?.last?.fixed
        switch loss {
        case .crossEntropy:
            if width == 1 {
                error("E0508", "'cross_entropy' over a single output unit is 0 for any weights (the softmax of one value is 1), so nothing would be learned",
                      at: span, notes: [note],
                      help: "for two classes use 'loss: binary_cross_entropy' with one sigmoid unit, or give the output one unit per class; for a regression use 'mse'")
            } else if [.relu, .tanh, .arctan, .step, .sign].contains(act) {
                error("E0503", "'cross_entropy' needs class probabilities (softmax) or logits (linear), but the output activation is '\(act.rawValue)'",
                      at: span, notes: [note], help: "end the model with '- softmax' (or a linear dense layer)")
            } else if act == .sigmoid, (output.shape?.last?.fixed ?? 1) > 1 {
                diagnostics.add(.warning("W0301", "'cross_entropy' after sigmoid outputs; softmax is the usual pairing",
                                         at: span, notes: [note], help: "use '- softmax' or 'binary_cross_entropy'"))
            }
        case .binaryCrossEntropy:
            if ![.sigmoid, .softmax, .linear].contains(act) {
                error("E0503", "'binary_cross_entropy' needs outputs in (0, 1), but the output activation is '\(act.rawValue)'",
                      at: span, notes: [note], help: "use 'activation: sigmoid' on the last layer")
            } else if act == .softmax, let width, width > 1 {
                diagnostics.add(.warning("W0301", "'binary_cross_entropy' after a softmax over \(width) units treats coupled probabilities as \(width) independent ones",
                                         at: span, notes: [note], help: "use 'loss: cross_entropy' with softmax, or sigmoid outputs with 'binary_cross_entropy'"))
            }
        case .sse, .mse:
            if act == .softmax {
                diagnostics.add(.warning("W0301", "'\(loss.rawValue)' after softmax learns slowly; 'cross_entropy' is the usual pairing",
                                         at: span, notes: [note], help: "use 'loss: cross_entropy'"))
            }
        }
    }

    mutating func checkOptions(_ train: TrainSpec) {
        let rule = train.rule
        if let span = train.spans["rate"], !rule.isPerExample {
            error("E0504", "'rate' is the step of hebbian, perceptron and delta; rule '\(rule.rawValue)' does not use it",
                  at: span, help: rule == .backprop ? "set the learning rate with 'optimizer: {sgd: {lr: ...}}'" : "remove 'rate'")
        }
        if rule != .backprop {
            for key in ["optimizer", "schedule", "clip", "loss", "bptt"] where train.spans[key] != nil && !(key == "loss" && rule == .delta) {
                diagnostics.add(.warning("W0101", "'\(key)' has no effect with rule '\(rule.rawValue)'",
                                         at: train.spans[key] ?? train.span, help: "remove '\(key)'"))
            }
        }
        if rule.isClosedForm, let span = train.spans["epochs"] {
            diagnostics.add(.warning("W0101", "'epochs' has no effect: rule '\(rule.rawValue)' is solved in closed form",
                                     at: span, help: "remove 'epochs'"))
        }
        if let span = train.spans["bptt"], rule == .backprop,
           !graph.layers.contains(where: { if case .layer(.rnn) = $0.op { return true }; if case .layer(.lstm) = $0.op { return true }; return false }) {
            error("E0504", "'bptt' truncates backpropagation through time, but the model has no rnn or lstm layer",
                  at: span, help: "remove 'bptt'")
        }
        for node in graph.layers {
            guard case .layer(.dense(let o)) = node.op else { continue }
            if o.penalty.contractive > 0 && ![.sigmoid, .tanh].contains(o.activation) {
                error("E0504", "'contractive' penalty needs a dense layer with sigmoid or tanh; '\(node.name)' has '\(o.activation.rawValue)'",
                      at: node.optionSpans["penalty"] ?? node.span, help: "use 'activation: sigmoid' or 'tanh' on '\(node.name)'")
            }
            if !o.penalty.isEmpty && rule != .backprop {
                diagnostics.add(.warning("W0101", "'penalty' on '\(node.name)' has no effect with rule '\(rule.rawValue)'",
                                         at: node.optionSpans["penalty"] ?? node.span, help: "remove 'penalty' or use backprop"))
            }
        }
        if train.targetIsInput, let outShape = output.shape, let input = spec.model?.input {
            var matcher = ShapeMatcher()
            if !matcher.match(input, outShape) {
                error("E0504", "'target: input' needs the output to have the input's shape \(NNCSpec.describe(input)); '\(output.name)' gives \(NNCSpec.describe(outShape))",
                      at: train.spans["target"] ?? train.span,
                      notes: [DiagnosticNote("the output comes from '\(output.name)'", at: output.span)],
                      help: "end the model with a layer of \(NNCSpec.describe(input)) units")
            }
        }
    }

    /// Without `train`, weights must be given where they cannot be random.
    mutating func checkFixed() {
        for node in graph.layers {
            guard let op = opOf(node) else { continue }
            report(node, op) { kind, c in kind.checkUntrained(&c) }
        }
    }

    // MARK: evaluate

    mutating func checkEvaluate(_ e: EvaluateSpec) {
        if e.onTest == true, let data = spec.data, data.test == nil, data.split == nil {
            error("E0406", "'on: test' but the data has no test part", at: e.spans["on"] ?? e.span,
                  help: "add 'test:' or 'split:' to data, or evaluate 'on: train'")
        }
        guard let metrics = e.metrics, let list = e.spans["metrics"] else { return }
        let hasHopfield = graph.layers.contains { if case .layer(.hopfield) = $0.op { return true }; return false }
        if let data = spec.data, let model = spec.model {
            let onTest = e.onTest ?? (data.test != nil || data.split != nil)
            let part = onTest ? (data.test ?? data.train) : data.train
            let description = DataDescription.describe(part, modelInput: model.input)
            let judgedOnInput = spec.train?.targetIsInput == true || hasHopfield
            let unknown = description.targets == .unknown
            for metric in metrics where [.accuracy, .confusion, .errors].contains(metric) && !unknown
                && (judgedOnInput || !description.classCoded) {
                error("E0511", "metric '\(metric.rawValue)' counts predicted classes, but \(judgedOnInput ? "the network is judged on its input" : "the data's targets are not classes")",
                      at: list, help: "use 'mse' (or 'overlap' and 'recall' for associative recall)")
            }
            if metrics.contains(.longRangeAccuracy) {
                let embeddedReber: Bool = { if case .builtin(.reber(let r)) = part.form { return r.embedded }; return false }()
                if !embeddedReber {
                    error("E0511", "metric 'long_range_accuracy' scores the embedded Reber grammar's last symbol; the data is not 'source: reber' with 'embedded: true'",
                          at: list, help: "remove 'long_range_accuracy'")
                }
            }
        }
        for metric in metrics where (metric == .energy || metric == .sweeps) && !hasHopfield {
            error("E0504", "metric '\(metric.rawValue)' traces Hopfield updates, but the model has no hopfield layer", at: list,
                  help: "remove '\(metric.rawValue)'")
        }
    }
}
