/// The tables of spec v1 (see docs/spec.md). Names here are the contract.

public enum SpecSchema {
    public static let activations = ["linear", "relu", "sigmoid", "logistic", "tanh", "arctan", "softmax", "step", "sign"]
    public static let losses = ["sse", "mse", "cross_entropy", "binary_cross_entropy"]
    public static let rules = ["backprop", "hebbian", "perceptron", "delta", "clipped_hebbian", "least_squares", "pca"]
    public static let metrics = Metric.allCases.map(\.rawValue)
    /// Layers that are a bare activation function.
    public static let activationLayers = ["relu", "sigmoid", "logistic", "tanh", "arctan", "softmax", "step", "sign"]

    static let maxSize = 1 << 40
    static let twoInts = SchemaType.list(.positiveInt, minCount: 2, maxCount: 2)
    static let intOrPair = SchemaType.anyOf([.positiveInt, twoInts])
    static let numberMatrix = SchemaType.list(.list(.anyNumber, minCount: 1, maxCount: maxSize), minCount: 1, maxCount: maxSize)
    static let numberRows = SchemaType.anyOf([.list(.anyNumber, minCount: 1, maxCount: maxSize), numberMatrix])

    // MARK: model

    public static let initSchema = SchemaType.variant(VariantSchema(what: "initializer", cases: [
        VariantCase("xavier", nil, "Glorot uniform, U(±√(6/(fan_in+fan_out))); default for sigmoid/tanh/linear"),
        VariantCase("he", nil, "He normal, N(0, 2/fan_in); default for relu"),
        VariantCase("uniform", .positive, bare: false, "U(−a, a)"),
        VariantCase("normal", .positive, bare: false, "N(0, std²)"),
        VariantCase("zeros", nil, "all zero"),
    ]))

    static let penaltySchema = SchemaType.object(ObjectSchema([
        Field("l1", .nonNegative, "λ of λ Σ|h_i| on the layer's output (sparse code)"),
        Field("l2", .nonNegative, "λ of λ Σ w² on the layer's weights (weight decay)"),
        Field("contractive", .nonNegative, "λ of λ ‖∂h/∂x‖²_F (dense layer with sigmoid or tanh)"),
    ]))

    static let activationField = Field("activation", .keyword(activations), default: "linear", "activation applied to the output")
    static let biasField = Field("bias", .bool, default: "true", "learn a bias per unit")
    static let initField = Field("init", initSchema, "initializer (default: he for relu, xavier otherwise)")
    static let returnField = Field("return", .keyword(["sequence", "last"]), default: "sequence",
                                   "the whole sequence [T, units] or the last step [units] (sequence-to-one)")

    static func layer(_ name: String, _ fields: [Field], exactlyOneOf: [[String]] = [], _ doc: String) -> VariantCase {
        let bare = !fields.contains { $0.required } && exactlyOneOf.isEmpty
        return VariantCase(name, .object(ObjectSchema(fields, exactlyOneOf: exactlyOneOf)), bare: bare, doc)
    }

    public static let layerSchema = VariantSchema(what: "layer", cases: [
        layer("dense", [
            Field("units", .positiveInt, required: true, "output size"),
            activationField, biasField, initField,
            Field("penalty", penaltySchema, "regularization penalty"),
        ], "fully connected: [F] -> [units]; on [T, F] applied at each step"),
        layer("threshold", [
            Field("units", .positiveInt, required: true, "number of threshold units"),
            Field("weights", numberMatrix, "fixed or starting weights, [units][inputs]"),
            Field("threshold", .anyOf([.anyNumber, .list(.anyNumber, minCount: 1, maxCount: maxSize), .keyword(["auto"])]),
                  "s in y = Θ(Σ w·x − s): a number, one per unit, or auto (s = l − ½, l active inputs)"),
            Field("tolerance", .nonNegative, default: "0", "how far `threshold: auto` is lowered"),
            Field("output", .keyword(["binary", "bipolar"]), default: "binary", "0/1 or −1/+1 outputs"),
        ], "McCulloch–Pitts / perceptron units: y = Θ(Σ w·x − s)"),
        layer("hopfield", [
            Field("update", .keyword(["async", "sync"]), default: "async", "asynchronous (one unit at a time) or synchronous updates"),
            Field("order", .keyword(["random", "sequential"]), default: "random", "unit order of asynchronous sweeps"),
            Field("max_sweeps", .integer(min: 1, max: 1_000_000), default: "100", "stop after this many sweeps"),
            Field("self_weight", .anyNumber, default: "0", "the diagonal w_ii"),
        ], "Hopfield network: z_i = sign(Σ_j w_ji z_j) until stable"),
        layer("conv2d", [
            Field("filters", .positiveInt, required: true, "output channels"),
            Field("kernel", intOrPair, required: true, "kernel size n or [h, w]"),
            Field("stride", intOrPair, default: "1", "stride n or [h, w]"),
            Field("padding", .anyOf([.keyword(["valid", "same"]), .count, .list(.count, minCount: 2, maxCount: 2)]),
                  default: "valid", "valid, same, n or [h, w] zeros on each side"),
            activationField, biasField, initField,
        ], "2-D cross-correlation: [C, H, W] -> [filters, H', W']"),
        layer("maxpool", [
            Field("size", intOrPair, required: true, "window n or [h, w]"),
            Field("stride", intOrPair, "stride (default: size)"),
        ], "max pooling: [C, H, W] -> [C, ⌊(H − size)/stride⌋ + 1, ...]"),
        layer("avgpool", [
            Field("size", intOrPair, required: true, "window n or [h, w]"),
            Field("stride", intOrPair, "stride (default: size)"),
        ], "average pooling"),
        layer("flatten", [], "any shape -> [product]"),
        layer("relu", [], "max(0, x)"),
        layer("sigmoid", [], "1/(1 + e^−x)"),
        layer("logistic", [], "alias of sigmoid"),
        layer("tanh", [], "hyperbolic tangent"),
        layer("arctan", [], "arc tangent"),
        layer("softmax", [], "exp(x_i)/Σ exp(x_j) over the last axis"),
        layer("step", [], "Heaviside step: 1 if x ≥ 0 else 0"),
        layer("sign", [], "1 if x ≥ 0 else −1"),
        layer("dropout", [
            Field("rate", .number(min: 0, max: 1, exclusiveMin: false), required: true, "fraction of units zeroed in training (< 1)"),
        ], "inverted dropout, training only"),
        layer("noise", [
            Field("gaussian", .nonNegative, "std of added Gaussian noise"),
            Field("mask", .probability, "probability of zeroing each unit"),
            Field("salt_pepper", .probability, "probability of setting a unit to 0 or 1"),
        ], exactlyOneOf: [["gaussian", "mask", "salt_pepper"]], "input corruption during training only (denoising)"),
        layer("rnn", [
            Field("units", .positiveInt, required: true, "hidden units"),
            Field("activation", .keyword(activations), default: "tanh", "hidden activation"),
            Field("feedback", .keyword(["hidden", "output"]), default: "hidden", "feed h(t−1) (Elman) or o(t−1) back"),
            Field("output", .object(ObjectSchema([
                Field("units", .positiveInt, required: true, "output units"),
                Field("activation", .keyword(activations), default: "softmax", "activation of o(t)"),
            ])), "output block o(t) = c + V h(t)"),
            returnField,
            Field("leak", .number(min: 0, max: 1, exclusiveMin: false), default: "0", "α of leaky units h(t) = α h(t−1) + (1 − α) tanh(a(t)), < 1"),
            Field("skip", .positiveInt, "add connections from h(t − skip)"),
            biasField, initField,
        ], "simple recurrent layer: [T, F] -> [T, units] or [units]"),
        layer("lstm", [
            Field("units", .positiveInt, required: true, "hidden units"),
            returnField,
            Field("forget_bias", .anyNumber, default: "1.0", "initial forget-gate bias"),
            initField,
        ], "long short-term memory: [T, F] -> [T, units] or [units]"),
        layer("pca", [
            Field("components", .positiveInt, required: true, "principal components kept"),
        ], "project onto the leading components and reconstruct: [F] -> [F]"),
        layer("add", [], "elementwise sum of the `from` layers (equal shapes)"),
        layer("concat", [], "concatenation of the `from` layers along the last axis"),
    ], commonFields: [
        Field("name", .text, "the layer's name (default: kind plus its index, e.g. dense1)"),
        Field("from", .anyOf([.text, .list(.text, minCount: 1, maxCount: 1024)]),
              "the layer(s) it reads (default: the previous layer; `input` is the model's input)"),
    ])

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
            Field("no_errors", .bool, "stop after an epoch without misclassification"),
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
