/// The tables of spec v1 (see docs/spec.md). Names here are the contract.

public enum SpecSchema {
    public static let activations = ["linear", "relu", "sigmoid", "logistic", "tanh", "arctan", "softmax", "step", "sign"]
    public static let losses = ["sse", "mse", "cross_entropy", "binary_cross_entropy"]
    public static let rules = LearningRule.allCases.map(\.rawValue)
    public static let metrics = Metric.allCases.map(\.rawValue)

    public static let maxSize = 1 << 40
    static let twoInts = SchemaType.list(.positiveInt, minCount: 2, maxCount: 2)
    public static let numberMatrix = SchemaType.list(.list(.anyNumber, minCount: 1, maxCount: maxSize), minCount: 1, maxCount: maxSize)
    static let numberRows = SchemaType.anyOf([.list(.anyNumber, minCount: 1, maxCount: maxSize), numberMatrix])

    // MARK: model

    public static let initSchema = SchemaType.variant(VariantSchema(what: "initializer", cases: [
        VariantCase("xavier", nil, "Glorot uniform, U(±√(6/(fan_in+fan_out))); default for sigmoid/tanh/linear"),
        VariantCase("he", nil, "He normal, N(0, 2/fan_in); default for relu"),
        VariantCase("uniform", .positive, bare: false, "U(−a, a)"),
        VariantCase("normal", .positive, bare: false, "N(0, std²)"),
        VariantCase("zeros", nil, "all zero"),
    ]))

    /// Every layer kind's entry, from the kinds' own files (Layers/).
    public static var layerSchema: VariantSchema { LayerOp.schema }

    public static let modelSchema = ObjectSchema([
        Field("input", .shape, required: true, "input shape without the batch dimension"),
        Field("layers", .list(.variant(layerSchema), minCount: 0, maxCount: 100_000), required: true, "the layers in order"),
    ])

    // MARK: data

    /// Each built-in source's options, from its descriptor (DataSources/).
    public static let builtinSources = BuiltinSource.schema

    static let datasetForms = ["source", "inline", "csv", "idx", "npy"]

    static let datasetFields: [Field] = [
        Field("source", .keyword(builtinSources.map(\.value)), "a built-in data set"),
        Field("inline", .object(ObjectSchema([
            Field("inputs", numberMatrix, required: true, "one row per example"),
            Field("targets", numberRows, "one row (or one class index) per example"),
        ])), "literal examples"),
        Field("csv", .object(ObjectSchema([
            Field("path", .text, required: true, "file, relative to the spec"),
            Field("label", .anyOf([.keyword(["last", "first", "none"]), .count]), default: "last",
                  "the label column: class indices 0..K-1, or class names (the sorted names become the classes)"),
            Field("header", .bool, default: "false",
                  "the first row holds column names (a first row of text with numbers below it is an error until this is set)"),
            Field("classes", .positiveInt, "number of classes (default: largest label + 1)"),
        ])), "one example per row: numbers, and a label column of class indices or names"),
        Field("idx", .object(ObjectSchema([
            Field("images", .text, required: true, "IDX image file (uint8)"),
            Field("labels", .text, "IDX label file"),
        ])), "the MNIST IDX format"),
        Field("npy", .object(ObjectSchema([
            Field("inputs", .text, required: true, "NumPy array of inputs"),
            Field("targets", .text, "NumPy array of targets (class indices or vectors)"),
        ])), "NumPy .npy files"),
        Field("limit", .positiveInt, "keep the first N examples (before any shuffle)"),
        Field("shuffle", .bool, default: "false", "shuffle the examples (with the seed)"),
        Field("normalize", .anyOf([.keyword(["standardize", "minmax"]),
                                   .object(ObjectSchema([Field("scale", .positive, required: true, "multiply every input by K (as Caffe and Keras do): 0.0625 maps the digits' 0..16 to 0..1")]))]),
              "standardize, minmax or {scale: K} (statistics from the training part)"),
        Field("encoding", .keyword(["binary", "bipolar"]), "0/1 or −1/+1 for binary data"),
        Field("one_hot", .bool, default: "false", "class labels to one-hot vectors"),
    ]

    static let datasetSchema = ObjectSchema(datasetFields, exactlyOneOf: [datasetForms],
                                            discriminator: Discriminator(key: "source", extraFields: builtinSources))

    public static let dataSchema = ObjectSchema(datasetFields + [
        Field("train", .object(datasetSchema), "training examples"),
        Field("test", .object(datasetSchema), "test examples"),
        Field("split", .object(ObjectSchema([
            Field("train", .number(min: 0, max: 1, exclusiveMin: true), required: true, "fraction for training"),
            Field("test", .number(min: 0, max: 1, exclusiveMin: true), "fraction for testing"),
        ])), "split one data set by fractions (shuffled with the seed)"),
    ], exactlyOneOf: [datasetForms + ["train"]],
       discriminator: Discriminator(key: "source", extraFields: builtinSources))

    // MARK: train

    static let lrField = Field("lr", .positive, "learning rate")
    public static let optimizerSchema = SchemaType.variant(VariantSchema(what: "optimizer", cases: [
        VariantCase("sgd", .object(ObjectSchema([
            Field("lr", .positive, default: "0.01", "learning rate"),
            Field("momentum", .number(min: 0, max: 1, exclusiveMin: false), default: "0", "momentum (< 1)"),
            Field("nesterov", .bool, default: "false", "Nesterov momentum"),
        ])), "stochastic gradient descent"),
        VariantCase("adam", .object(ObjectSchema([
            Field("lr", .positive, default: "0.001", "learning rate"),
            Field("beta1", .number(min: 0, max: 1, exclusiveMin: false), default: "0.9", "first-moment decay (< 1)"),
            Field("beta2", .number(min: 0, max: 1, exclusiveMin: false), default: "0.999", "second-moment decay (< 1)"),
            Field("eps", .positive, default: "1e-8", "denominator guard"),
        ])), "Adam (Kingma & Ba 2015)"),
    ]))

    public static let scheduleSchema = SchemaType.variant(VariantSchema(what: "schedule", cases: [
        VariantCase("constant", nil, "the optimizer's lr throughout"),
        VariantCase("step", .object(ObjectSchema([
            Field("every", .positiveInt, required: true, "epochs between steps"),
            Field("factor", .positive, required: true, "multiply lr by this"),
        ])), bare: false, "lr · factor^⌊epoch/every⌋"),
        VariantCase("exponential", .object(ObjectSchema([
            Field("decay", .positive, required: true, "lr · decay^epoch"),
        ])), bare: false, "exponential decay"),
        VariantCase("cosine", .object(ObjectSchema([
            Field("min_lr", .nonNegative, default: "0", "lowest rate"),
            Field("period", .positiveInt, "epochs per annealing cycle (default: all epochs)"),
        ])), "cosine annealing"),
        VariantCase("cyclic", .object(ObjectSchema([
            Field("min_lr", .nonNegative, required: true, "lowest rate"),
            Field("max_lr", .positive, required: true, "highest rate"),
            Field("period", .positiveInt, required: true, "epochs per triangle"),
        ])), bare: false, "triangular cyclic rate"),
    ]))

    /// Defaults that depend on the rule (the table's text above is written from these).
    public static let showDefault = 8
    public static func defaultEpochs(_ rule: LearningRule) -> Int { rule.isPerExample ? 100 : rule.isClosedForm ? 1 : 10 }
    public static func defaultBatch(_ rule: LearningRule) -> Int { rule == .backprop ? 32 : 1 }

    public static let trainSchema = ObjectSchema([
        Field("rule", .keyword(rules), default: "backprop", "learning rule"),
        Field("loss", .keyword(losses), "loss (default: cross_entropy after softmax, mse otherwise)"),
        Field("target", .keyword(["labels", "input"]), default: "labels", "targets from the data, or the input itself (autoencoders)"),
        Field("optimizer", optimizerSchema, default: "sgd", "optimizer for backprop"),
        Field("schedule", scheduleSchema, default: "constant", "learning-rate schedule per epoch"),
        Field("epochs", .integer(min: 1, max: 10_000_000),
              "passes over the data (default \(defaultEpochs(.backprop)); \(defaultEpochs(.perceptron)) for hebbian, perceptron, delta)"),
        Field("batch", .integer(min: 1, max: 1 << 24),
              "examples per step (default \(defaultBatch(.backprop)) for backprop, \(defaultBatch(.perceptron)) for per-example rules)"),
        Field("shuffle", .bool, default: "true", "reshuffle the training data each epoch"),
        Field("clip", .object(ObjectSchema([Field("norm", .positive, required: true, "largest global gradient norm")])),
              "gradient clipping"),
        Field("bptt", .object(ObjectSchema([Field("truncate", .positiveInt, required: true, "steps per truncated window")])),
              "truncated backpropagation through time (full BPTT when absent)"),
        Field("stop", .object(ObjectSchema([
            Field("accuracy", .probability, "stop when training accuracy reaches this"),
            Field("loss", .nonNegative, "stop when the training loss falls to this"),
            Field("no_errors", .bool, default: "false", "stop after an epoch without misclassification"),
            Field("patience", .integer(min: 1, max: 1_000_000),
                  "stop after this many epochs without a better `metric`, and keep the best epoch's weights"),
            Field("metric", .keyword(["test_loss", "loss", "test_accuracy", "accuracy"]),
                  "what `patience` watches (default: test_loss when the data has a test part, else loss)"),
        ])), "early stopping"),
        Field("rate", .anyOf([.positive, .keyword(["normalized"])]),
              default: "1 (perceptron), 1/F (hebbian), 0.1/R² (delta)",
              "ε of hebbian, perceptron and delta: a number, or normalized (ε = 1/‖x‖, x augmented with 1 when a bias is learned)"),
    ])

    // MARK: evaluate

    public static let evaluateSchema = ObjectSchema([
        Field("on", .keyword(["test", "train"]), "data to evaluate on (default: test when present)"),
        Field("metrics", .list(.keyword(metrics), minCount: 1, maxCount: 32), "metrics (default: those that fit the task)"),
        Field("corrupt", .object(ObjectSchema([
            Field("flip", .probability, "fraction of units flipped"),
            Field("mask", .probability, "fraction of units zeroed"),
            Field("gaussian", .nonNegative, "std of added noise"),
        ], exactlyOneOf: [["flip", "mask", "gaussian"]])), "degrade inputs before evaluation (associative recall)"),
        Field("show", .integer(min: 0, max: 10_000), default: String(showDefault), "examples drawn in the report"),
    ])

    // MARK: the file

    public static let root = ObjectSchema([
        Field("nnc", .integer(min: 1, max: 1), required: true, "format version: 1"),
        Field("name", .text, "name (default: the file's stem); it names files, so no path separator, no leading dot, no control characters, at most 100 characters"),
        Field("description", .text, "free text"),
        Field("seed", .integer(min: 0, max: Int.max), default: "0", "every random choice derives from it"),
        Field("data", .object(dataSchema), "where examples come from"),
        Field("model", .object(modelSchema), required: true, "the network"),
        Field("train", .object(trainSchema), "how it learns (absent: fixed weights)"),
        Field("evaluate", .object(evaluateSchema), "how it is judged"),
    ])
}
