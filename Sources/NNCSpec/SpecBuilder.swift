/// Builds the typed `Spec` from a YAML root: validates each section against
/// `SpecSchema`, then reads the valid values into AST types and checks the
/// rules that tie options together within a section. Cross-section checks
/// (shapes, data against model, rules against layers) are the IR's job.

public struct SpecBuilder {
    var v = Validator()
    let file: String

    public init(file: String) { self.file = file }

    /// Returns the spec (nil when the root is not a mapping) and every diagnostic.
    public static func build(root: YAMLNode, file: String) -> (Spec?, [Diagnostic]) {
        var b = SpecBuilder(file: file)
        let spec = b.buildSpec(root)
        return (spec, b.v.diagnostics.diagnostics)
    }

    mutating func error(_ code: String, _ message: String, at span: SourceSpan,
                        notes: [DiagnosticNote] = [], help: String? = nil) {
        v.report(.error(code, message, at: span, notes: notes, help: help))
    }

    mutating func buildSpec(_ root: YAMLNode) -> Spec? {
        guard let pairs = root.mapping else {
            error("E0103", "a spec must be a mapping with keys nnc, model, ...; found \(root.kindDescription)", at: root.span,
                  help: "start the file with 'nnc: 1'")
            return nil
        }
        let schema = SpecSchema.root
        var spec = Spec(file: file, name: defaultName(file), description: nil, seed: 0,
                        data: nil, model: nil, train: nil, evaluate: nil, spans: [:], invalidSections: [])
        let present = Set(pairs.compactMap { $0.key.scalar })
        for pair in pairs {
            guard let key = pair.key.scalar else { continue }
            guard let field = schema.field(key) else {
                v.reportUnknownKey(key, at: pair.key.span, allowed: schema.fields.map(\.name), in: "the spec", schema: schema)
                continue
            }
            spec.spans[key] = pair.value.span
            let node = pair.value
            switch key {
            case "nnc":
                // Any whole number is a version (E0109 unless 1); anything else is the wrong type.
                if case .scalar(let text, .plain) = node.kind, case .value(let version) = Validator.parseInteger(text) {
                    if version != 1 {
                        error("E0109", "this nnc reads spec version 1, the file says \(version)", at: node.span, help: "write 'nnc: 1'")
                    }
                } else {
                    let quoted: Bool = { if case .scalar(_, .quoted) = node.kind { return true }; return false }()
                    error("E0103", "'nnc' must be the format version 1 (a number), found \(quoted ? "text " : "")\(node.kindDescription)",
                          at: node.span, help: quoted ? "remove the quotes: 'nnc: 1'" : "write 'nnc: 1'")
                }
            case "name":
                if let name = v.validate(node, as: field.type, what: "'name'")?.text {
                    if let p = SafeName.problem(name) { error(p.code, p.message, at: node.span, help: p.help) }
                    spec.name = name
                }
            case "description": spec.description = v.validate(node, as: field.type, what: "'description'")?.text
            case "seed": if let s = v.validate(node, as: field.type, what: "'seed'")?.integer { spec.seed = UInt64(s) }
            case "data":
                spec.data = buildData(node)
            case "model":
                spec.model = buildModel(node)
            case "train":
                if let value = v.validate(node, as: field.type, what: "'train'") { spec.train = buildTrain(value) }
                else { checkOptimizerAlone(in: node, type: field.type) }
            case "evaluate":
                if let value = v.validate(node, as: field.type, what: "'evaluate'") { spec.evaluate = buildEvaluate(value) }
            default:
                break
            }
            let sectionOK: Bool = switch key {
            case "data": spec.data != nil
            case "model": spec.model != nil
            case "train": spec.train != nil
            case "evaluate": spec.evaluate != nil
            default: true
            }
            if !sectionOK { spec.invalidSections.insert(key) }
        }
        for field in schema.fields where field.required && !present.contains(field.name) {
            error("E0102", "the spec needs '\(field.name)' (\(field.doc))", at: root.span,
                  help: field.name == "nnc" ? "add 'nnc: 1' as the first line" : "add a '\(field.name):' section")
            spec.invalidSections.insert(field.name)
        }
        return spec
    }

    func defaultName(_ path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        for ext in [".yaml", ".yml"] where base.hasSuffix(ext) { return String(base.dropLast(ext.count)) }
        return base
    }

    /// A path in the spec, relative to the spec file's folder.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        guard let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }

    // MARK: data

    mutating func buildData(_ node: YAMLNode) -> DataSpec? {
        guard let value = v.validate(node, as: .object(SpecSchema.dataSchema), what: "'data'") else { return nil }
        if let trainValue = value["train"] {
            for key in ["limit", "shuffle", "normalize", "encoding", "one_hot", "split"] where value.has(key) {
                error("E0110", "'\(key)' cannot stand beside 'train' in 'data'", at: value.keySpan(key) ?? value.span,
                      help: key == "normalize" || key == "split"
                        ? "put '\(key)' inside 'train:' (the test part is normalized with the training part's statistics)"
                        : "put '\(key)' inside 'train:' (and 'test:')")
                return nil
            }
            guard let train = dataset(trainValue) else { return nil }
            if let span = value["test"]?.keySpan("normalize") {
                error("E0509", "'normalize' on the test part would be ignored: the test part is normalized with the training part's statistics",
                      at: span, help: "remove it here, and write 'normalize' on the training part ('train:') only")
            }
            let test = value["test"].flatMap { dataset($0) }
            if value.has("test") && test == nil { return nil }
            return DataSpec(train: train, test: test, split: nil, span: value.span)
        }
        if value.has("test") {
            error("E0110", "'test' needs 'train' beside it; a single data set is split with 'split'",
                  at: value.keySpan("test") ?? value.span, help: "write 'data: {train: ..., test: ...}' or 'split: {train: 0.8, test: 0.2}'")
            return nil
        }
        guard let train = dataset(value) else { return nil }
        var split: (Double, Double)?
        if let s = value["split"] {
            let trainFraction = s["train"]?.number ?? 0.8
            let testFraction = s["test"]?.number ?? (1 - trainFraction)
            if trainFraction + testFraction > 1 + 1e-9 || testFraction <= 0 {
                error("E0111", "split fractions train \(formatNumber(trainFraction)) + test \(formatNumber(testFraction)) must leave a positive test part and add up to at most 1",
                      at: s.span, help: "e.g. split: {train: 0.8, test: 0.2}")
                return nil
            }
            split = (trainFraction, testFraction)
        }
        return DataSpec(train: train, test: nil, split: split, span: value.span)
    }

    mutating func dataset(_ value: Value) -> DatasetSpec? {
        var form: DatasetForm?
        if let source = value["source"]?.text {
            form = builtin(source, value)
        } else if let inline = value["inline"] {
            form = inlineData(inline)
        } else if let csv = value["csv"], let path = csv["path"]?.text {
            var label = CSVOptions.Label.last
            if let l = csv["label"] {
                switch l.kind {
                case .integer(let n): label = .column(n)
                case .text("first"): label = .first
                case .text("none"): label = .none
                default: label = .last
                }
            }
            form = .csv(CSVOptions(path: resolve(path), label: label, header: csv["header"]?.bool ?? false,
                                   classes: csv["classes"]?.integer))
        } else if let idx = value["idx"], let images = idx["images"]?.text {
            form = .idx(images: resolve(images), labels: idx["labels"]?.text.map(resolve))
        } else if let npy = value["npy"], let inputs = npy["inputs"]?.text {
            form = .npy(inputs: resolve(inputs), targets: npy["targets"]?.text.map(resolve))
        }
        guard let form else { return nil }
        var normalize: Normalization?
        if let n = value["normalize"] {
            switch n.kind {
            case .text("standardize"): normalize = .standardize
            case .text("minmax"): normalize = .minmax
            default: normalize = n["scale"]?.number.map(Normalization.scale)
            }
        }
        var spec = DatasetSpec(form: form, limit: value["limit"]?.integer, shuffle: value["shuffle"]?.bool ?? false,
                               normalize: normalize, encoding: value["encoding"]?.text.flatMap(Encoding.init(rawValue:)),
                               oneHot: value["one_hot"]?.bool ?? false, span: value.span,
                               normalizeSpan: value["normalize"]?.span)
        for (form, keys) in [("csv", ["path"]), ("idx", ["images", "labels"]), ("npy", ["inputs", "targets"])] {
            for key in keys { if let v = value[form]?[key], let path = v.text { spec.pathSpans[resolve(path)] = v.span } }
        }
        return spec
    }

    /// A built-in source's descriptor decodes it; its options' defaults are the schema table's.
    mutating func builtin(_ name: String, _ o: Value) -> DatasetForm? {
        do throws(SourceOptionError) {
            return try BuiltinSource.decode(name, o).map(DatasetForm.builtin)
        } catch {
            self.error("E0403", error.message, at: error.key.flatMap { o[$0]?.span } ?? o.span)
            return nil
        }
    }

    mutating func inlineData(_ value: Value) -> DatasetForm? {
        guard let rows = value["inputs"]?.list else { return nil }
        let inputs = rows.map { $0.list?.compactMap(\.number) ?? [] }
        let width = inputs.first?.count ?? 0
        for (i, row) in inputs.enumerated() where row.count != width {
            error("E0405", "inline input row \(i + 1) has \(row.count) values, the first row has \(width)", at: rows[i].span,
                  help: "give every example the same number of values")
            return nil
        }
        var targets: InlineTargets?
        if let t = value["targets"], let items = t.list {
            guard items.count == inputs.count else {
                error("E0405", "inline data has \(inputs.count) input rows but \(items.count) targets", at: t.span,
                      help: "give one target per input row")
                return nil
            }
            if items.allSatisfy({ $0.list == nil }) {
                var classes: [Int] = []
                for item in items {
                    guard let n = item.number, n >= 0, n == n.rounded(), n < 1e9 else {
                        error("E0405", "a single-number target is a class index (a whole number ≥ 0); found \(item.number.map(formatNumber) ?? "?")",
                              at: item.span, help: "write vector targets as lists, e.g. [0.5]")
                        return nil
                    }
                    classes.append(Int(n))
                }
                targets = .classes(classes)
            } else if items.allSatisfy({ $0.list != nil }) {
                let vectors = items.map { $0.list?.compactMap(\.number) ?? [] }
                let tw = vectors.first?.count ?? 0
                for (i, row) in vectors.enumerated() where row.count != tw || tw == 0 {
                    error("E0405", "inline target row \(i + 1) has \(row.count) values, the first has \(tw)", at: items[i].span)
                    return nil
                }
                targets = .vectors(vectors)
            } else {
                error("E0405", "inline targets mix lists and numbers", at: t.span,
                      help: "write all targets as class indices or all as lists")
                return nil
            }
        }
        return .inline(inputs: inputs, targets: targets)
    }

    // MARK: model

    mutating func buildModel(_ node: YAMLNode) -> ModelSpec? {
        // Layers are validated one by one, so that one bad layer does not hide the others.
        let schema = SpecSchema.modelSchema
        guard let pairs = node.mapping else {
            _ = v.typeError(node, .object(schema), "'model'")
            return nil
        }
        var input: Value?
        var layers: [LayerSpec?]?
        for pair in pairs {
            guard let key = pair.key.scalar else { continue }
            switch key {
            case "input":
                input = v.validate(pair.value, as: .shape, what: "'input'")
            case "layers":
                guard let items = pair.value.sequence else {
                    error("E0103", "'layers' must be a list of layers, found \(pair.value.kindDescription)", at: pair.value.span,
                          help: "write each layer on its own line starting with '- '")
                    continue
                }
                if items.isEmpty {
                    error("E0205", "the model has no layers", at: pair.value.span, help: "add at least one layer")
                    continue
                }
                layers = items.enumerated().map { layer($0.element, index: $0.offset) }
            default:
                v.reportUnknownKey(key, at: pair.key.span, allowed: schema.fields.map(\.name), in: "'model'", schema: schema)
            }
        }
        for field in schema.fields where !pairs.contains(where: { $0.key.scalar == field.name }) {
            error("E0102", "'model' needs '\(field.name)' (\(field.doc))", at: node.span,
                  help: field.name == "input" ? "add e.g. 'input: [64]'" : "add 'layers:' with a list of layers")
        }
        guard let input, let shape = input.shape, let layers else { return nil }
        return ModelSpec(input: shape, inputSpan: input.span, layers: layers, span: node.span)
    }

    mutating func layer(_ node: YAMLNode, index: Int) -> LayerSpec? {
        guard let value = v.validate(node, as: .variant(SpecSchema.layerSchema), what: "layer \(index + 1)"),
              let (kind, payload) = value.variant else { return nil }
        let o = payload ?? Value(kind: .object([]), span: value.span)
        var spans: [String: SourceSpan] = [:]
        for m in o.members ?? [] { spans[m.key] = m.value.span }
        let name = o["name"]?.text ?? "\(kind == "logistic" ? "sigmoid" : kind)\(index + 1)"
        var from: [(name: String, span: SourceSpan)]?
        if let f = o["from"] {
            if let t = f.text { from = [(t, f.span)] } else { from = f.list?.compactMap { item in item.text.map { ($0, item.span) } } }
        }
        var found = DiagnosticBag()
        let op = LayerOp.decode(kind: kind, o, &found)
        found.diagnostics.forEach { v.report($0) }
        guard let op else { return nil }
        return LayerSpec(name: name, from: from, op: op, span: value.span, index: index, optionSpans: spans)
    }

    // MARK: train and evaluate

    /// The optimizer of a valid `train.optimizer` value (nil: the default SGD), with
    /// its own checks: E0105 for momentum or betas of 1 or more, W0101 and W0501.
    mutating func buildOptimizer(_ o: Value?, at span: SourceSpan) -> OptimizerSpec? {
        // Left out: the train table's default optimizer, with its own defaults.
        guard let p = SchemaOptions(variant: o, of: SpecSchema.optimizerSchema,
                                    defaultCase: SpecSchema.trainSchema.field("optimizer")?.defaultValue, at: span),
              let lr = p.number("lr") else { return nil }
        let optimizer: OptimizerSpec
        if p.kind == "adam" {
            guard let beta1 = p.number("beta1"), let beta2 = p.number("beta2"), let eps = p.number("eps") else { return nil }
            optimizer = .adam(lr: lr, beta1: beta1, beta2: beta2, eps: eps)
        } else {
            guard let momentum = p.number("momentum"), let nesterov = p.bool("nesterov") else { return nil }
            optimizer = .sgd(lr: lr, momentum: momentum, nesterov: nesterov)
        }
        for key in ["momentum", "beta1", "beta2"] {
            if let x = p[key], let n = x.number, n >= 1 {
                error("E0105", "'\(key)' must be below 1, found \(formatNumber(n))", at: x.span)
                return nil
            }
        }
        if case .sgd(_, let momentum, true) = optimizer, momentum == 0 {
            v.report(.warning("W0101", "'nesterov' has no effect without momentum", at: p.value.keySpan("nesterov") ?? span,
                              help: "add 'momentum: 0.9' or remove 'nesterov'"))
        }
        if optimizer.learningRate > 10 {
            v.report(.warning("W0501", "learning rate \(formatNumber(optimizer.learningRate)) is unusually large; training will probably diverge",
                              at: span, help: "start below 1"))
        }
        return optimizer
    }

    /// When another key of `train` is wrong, the optimizer's own diagnostics do
    /// not depend on it: validate `optimizer` by itself (its errors, if any, were
    /// already reported) and, when valid, check it as `buildTrain` would.
    mutating func checkOptimizerAlone(in train: YAMLNode, type: SchemaType) {
        guard case .object(let schema) = type, let field = schema.field("optimizer"), let node = train["optimizer"] else { return }
        var alone = Validator()
        guard let value = alone.validate(node, as: field.type, what: "'optimizer'"), !alone.diagnostics.hasErrors else { return }
        _ = buildOptimizer(value, at: node.span)
    }

    mutating func buildTrain(_ t: Value) -> TrainSpec? {
        var spans: [String: SourceSpan] = [:]
        for m in t.members ?? [] { spans[m.key] = m.value.span }
        let o = SchemaOptions(t, SpecSchema.trainSchema)
        guard let rule = o.text("rule").flatMap(LearningRule.init(rawValue:)), let shuffle = o.bool("shuffle"),
              let targetName = o.text("target") else { return nil }
        guard let optimizer = buildOptimizer(t["optimizer"], at: spans["optimizer"] ?? t.span) else { return nil }
        guard let p = SchemaOptions(variant: t["schedule"], of: SpecSchema.scheduleSchema,
                                    defaultCase: SpecSchema.trainSchema.field("schedule")?.defaultValue, at: t.span) else { return nil }
        let schedule: ScheduleSpec
        switch p.kind {
        case "step":
            guard let every = p.int("every"), let factor = p.number("factor") else { return nil }
            schedule = .step(every: every, factor: factor)
        case "exponential":
            guard let decay = p.number("decay") else { return nil }
            schedule = .exponential(decay: decay)
        case "cosine":
            guard let minLR = p.number("min_lr") else { return nil }
            schedule = .cosine(minLR: minLR, period: p.int("period"))
        case "cyclic":
            guard let lo = p.number("min_lr"), let hi = p.number("max_lr"), let period = p.int("period") else { return nil }
            if lo > hi {
                error("E0110", "cyclic 'min_lr' \(formatNumber(lo)) is above 'max_lr' \(formatNumber(hi))", at: p.span)
                return nil
            }
            schedule = .cyclic(minLR: lo, maxLR: hi, period: period)
        default: schedule = .constant
        }
        var stop = StopSpec()
        if let s = o.object("stop") {
            guard let noErrors = s.bool("no_errors") else { return nil }
            stop.accuracy = s.number("accuracy")
            stop.loss = s.number("loss")
            stop.noErrors = noErrors
            stop.patience = s.int("patience")
            stop.metric = s.text("metric")
        }
        var rate: RateSpec?
        if let r = t["rate"] { rate = r.text == "normalized" ? .normalized : r.number.map(RateSpec.fixed) }
        // A pca layer reconstructs its input: that is its target whatever `target` says.
        if rule == .pca, t["target"]?.text == "labels" {
            error("E0510", "rule 'pca' fits and judges the reconstruction of the input, so 'target: labels' cannot apply",
                  at: t["target"]?.span ?? t.span, help: "write 'target: input', or leave 'target' out")
        }
        return TrainSpec(rule: rule, loss: t["loss"]?.text.flatMap(LossKind.init(rawValue:)),
                         targetIsInput: targetName == "input" || rule == .pca, optimizer: optimizer, schedule: schedule,
                         epochs: t["epochs"]?.integer, batch: t["batch"]?.integer, shuffle: shuffle,
                         clipNorm: t["clip"]?["norm"]?.number, bpttTruncate: t["bptt"]?["truncate"]?.integer,
                         stop: stop, rate: rate, spans: spans, span: t.span)
    }

    mutating func buildEvaluate(_ e: Value) -> EvaluateSpec? {
        var spans: [String: SourceSpan] = [:]
        for m in e.members ?? [] { spans[m.key] = m.value.span }
        var corrupt: Corruption?
        if let c = e["corrupt"] {
            if let f = c["flip"]?.number { corrupt = .flip(f) }
            else if let m = c["mask"]?.number { corrupt = .mask(m) }
            else if let g = c["gaussian"]?.number { corrupt = .gaussian(g) }
        }
        let metrics = e["metrics"]?.list?.compactMap { $0.text.flatMap(Metric.init(rawValue:)) }
        if let metrics, let list = e["metrics"]?.list {
            var seen: [Metric: SourceSpan] = [:]
            for (m, item) in zip(metrics, list) {
                if let first = seen[m] {
                    error("E0110", "metric '\(m.rawValue)' is listed twice", at: item.span,
                          notes: [DiagnosticNote("first listed here", at: first)], help: "remove one")
                    return nil
                }
                seen[m] = item.span
            }
        }
        return EvaluateSpec(onTest: e["on"]?.text.map { $0 == "test" }, metrics: metrics, corrupt: corrupt,
                            show: e["show"]?.integer ?? SpecSchema.showDefault, spans: spans, span: e.span)
    }
}
