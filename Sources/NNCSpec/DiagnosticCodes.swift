/// Every diagnostic code nnc can emit, with the long explanation `nnc explain`
/// prints. docs/diagnostics.md is generated from this table (a test keeps the
/// two in step). Codes never change meaning; retired codes stay reserved.
///
/// Ranges: E00xx file and YAML, E01xx spec structure, E02xx model graph,
/// E03xx shapes, E04xx data, E05xx learning rules and training, E08xx model files; W for warnings.

public struct DiagnosticCode: Sendable, Hashable {
    public let code: String
    public let title: String
    public let explanation: String
    /// A small spec fragment that triggers it.
    public let example: String
    public let fix: String
}

public enum DiagnosticCodes {
    public static func lookup(_ code: String) -> DiagnosticCode? {
        let wanted = code.uppercased()
        return all.first { $0.code == wanted }
    }

    public static let all: [DiagnosticCode] = [
        // MARK: E00xx — the file and its YAML
        .init(code: "E0001", title: "file cannot be read",
              explanation: "The spec file does not exist, is a directory, or cannot be opened.",
              example: "nnc check missing.yaml",
              fix: "Check the path; folders are searched for *.yaml and *.yml files."),
        .init(code: "E0002", title: "invalid UTF-8",
              explanation: "A spec must be UTF-8 text. The byte at the reported position is not valid UTF-8 (or the file is binary).",
              example: "a file saved as Latin-1 with 'é' in a description",
              fix: "Re-save the file as UTF-8."),
        .init(code: "E0003", title: "YAML syntax error",
              explanation: "libyaml could not parse the file: a bad indentation, an unclosed bracket or quote, a tab used for indentation, and the like.",
              example: "model: {input: [64]\n",
              fix: "Fix the YAML at the reported line; the message says what the parser expected."),
        .init(code: "E0004", title: "empty spec",
              explanation: "The file has no YAML document, or its document is empty.",
              example: "# only a comment",
              fix: "Write at least `nnc: 1` and a `model:` section."),
        .init(code: "E0005", title: "duplicate key",
              explanation: "A mapping has the same key twice. YAML parsers disagree on which value wins, so nnc rejects it.",
              example: "dense: {units: 10, units: 20}",
              fix: "Remove one of the two entries."),
        .init(code: "E0006", title: "alias expansion too large",
              explanation: "Anchors and aliases would expand into more nodes than nnc allows (a 'billion laughs' document). The budget protects the checker from exponential blow-up.",
              example: "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]  # ... doubling each level",
              fix: "Write the repeated parts out, or use fewer nested aliases."),
        .init(code: "E0007", title: "nesting too deep",
              explanation: "The document nests mappings and lists deeper than nnc allows.",
              example: "[[[[[[[[ ... ]]]]]]]]",
              fix: "A spec never needs deep nesting; flatten the structure."),
        .init(code: "E0008", title: "several documents in one file",
              explanation: "A spec file holds exactly one YAML document; a second `---` document was found.",
              example: "nnc: 1\n---\nnnc: 1",
              fix: "Split the documents into separate files."),
        .init(code: "E0009", title: "unsupported YAML feature",
              explanation: "The document uses a YAML feature a spec cannot use: a complex (non-scalar) mapping key, an undefined alias, or an unknown tag.",
              example: "? [a, b]\n: 1",
              fix: "Use plain scalar keys and the standard tags only."),
        .init(code: "E0010", title: "file too large",
              explanation: "The spec file is larger than nnc reads (16 MiB). Specs are small; data belongs in data files.",
              example: "a spec with a million inline examples",
              fix: "Move the data into a csv or npy file and reference it with `csv:` or `npy:`."),

        // MARK: E01xx — spec structure
        .init(code: "E0101", title: "unknown key",
              explanation: "The key is not part of the spec language at this place. nnc never ignores keys silently: a misspelt option would otherwise take its default without notice.",
              example: "dense: {unit: 10}",
              fix: "Use one of the allowed keys listed in the message (the closest one is suggested)."),
        .init(code: "E0102", title: "missing required key",
              explanation: "A required key is absent.",
              example: "dense: {activation: relu}   # no units",
              fix: "Add the key named in the message."),
        .init(code: "E0103", title: "wrong type",
              explanation: "The value has the wrong type: a list where a mapping is expected, text where a number is expected, and so on.",
              example: "dense: {units: ten}",
              fix: "Write a value of the type the message names."),
        .init(code: "E0104", title: "unknown value",
              explanation: "The value is not one of the allowed names (an activation, a loss, a rule, a layer kind, ...).",
              example: "dense: {units: 10, activation: rleu}",
              fix: "Use one of the allowed values listed in the message (the closest one is suggested)."),
        .init(code: "E0105", title: "number out of range",
              explanation: "The number is outside the range allowed here: sizes must be positive, probabilities and rates within [0, 1], and every size small enough to fit in memory.",
              example: "dropout: {rate: 1.5}",
              fix: "Use a value within the range the message gives."),
        .init(code: "E0106", title: "integer expected",
              explanation: "A count or a size must be a whole number.",
              example: "dense: {units: 2.5}",
              fix: "Write a whole number."),
        .init(code: "E0107", title: "invalid shape",
              explanation: "A shape is a list of dimensions, each a positive integer or a symbolic name (a letter followed by letters, digits or '_').",
              example: "input: [0, 8, 8]",
              fix: "Write every dimension as a positive integer or a name such as T."),
        .init(code: "E0108", title: "exactly one of several keys",
              explanation: "The place takes exactly one of several alternatives (a dataset is one of source, inline, csv, idx, npy; an optimizer is sgd or adam; ...), and none or more than one was given.",
              example: "train: {source: digits, csv: {path: d.csv}}",
              fix: "Keep exactly one of the alternatives listed in the message."),
        .init(code: "E0109", title: "unsupported format version",
              explanation: "The `nnc:` key gives the spec language version; this nnc reads version 1.",
              example: "nnc: 2",
              fix: "Write `nnc: 1` (and only the features of spec v1)."),
        .init(code: "E0110", title: "option not valid in this combination",
              explanation: "The option is known but does not apply here, or conflicts with another option (for example `stride` on `flatten`, `momentum` on `adam`, or `split` next to `train`).",
              example: "data: {source: digits, split: {train: 0.8, test: 0.2}, test: {source: iris}}",
              fix: "Remove the option, or change the other option it conflicts with."),
        .init(code: "E0111", title: "fractions do not add up",
              explanation: "The fractions of a `split` must each be in (0, 1] and add up to at most 1.",
              example: "split: {train: 0.8, test: 0.5}",
              fix: "Choose fractions whose sum is at most 1."),

        // MARK: E02xx — the model graph
        .init(code: "E0201", title: "unknown layer in 'from'",
              explanation: "`from` names a layer that does not exist (or is not defined before this one). `input` names the model's input.",
              example: "- add: {from: [dense1, dense9]}",
              fix: "Name a layer defined earlier in `layers`, or `input`."),
        .init(code: "E0202", title: "duplicate layer name",
              explanation: "Two layers have the same `name`. Names must be unique so that `from` is unambiguous.",
              example: "- dense: {units: 8, name: h}\n- dense: {units: 8, name: h}",
              fix: "Rename one of the layers."),
        .init(code: "E0203", title: "layer refers to itself or a later layer",
              explanation: "Layers are evaluated in order; `from` may only name earlier layers (recurrence is expressed with `rnn` or `lstm`, not with cycles).",
              example: "- dense: {units: 8, name: a, from: b}\n- dense: {units: 8, name: b}",
              fix: "Reorder the layers so that every layer comes after the ones it reads."),
        .init(code: "E0204", title: "wrong number of inputs",
              explanation: "`add` and `concat` merge two or more layers; every other layer reads exactly one.",
              example: "- add: {from: [h1]}",
              fix: "Give `add`/`concat` a list of at least two layers, and other layers a single `from`."),
        .init(code: "E0205", title: "layers produce no output",
              explanation: "`layers` is empty: the model has no layers.",
              example: "model: {input: [4], layers: []}",
              fix: "Add at least one layer."),

        // MARK: E03xx — shapes
        .init(code: "E0301", title: "vector input expected",
              explanation: "The layer works on a vector `[F]` (or, for `dense`, a sequence of vectors `[T, F]`) but receives a tensor of higher rank.",
              example: "- conv2d: {filters: 8, kernel: 3}\n- dense: {units: 10}",
              fix: "Insert `- flatten` before the layer."),
        .init(code: "E0302", title: "image input expected",
              explanation: "`conv2d`, `maxpool` and `avgpool` work on images `[C, H, W]`.",
              example: "model: {input: [64], layers: [{conv2d: {filters: 4, kernel: 3}}]}",
              fix: "Give the input as [channels, height, width] (for digits: `image: true` and `input: [1, 8, 8]`)."),
        .init(code: "E0303", title: "sequence input expected",
              explanation: "`rnn` and `lstm` work on sequences `[T, F]`.",
              example: "model: {input: [8], layers: [{lstm: {units: 4}}]}",
              fix: "Give the input as [T, features], e.g. [T, 8] with a symbolic length T."),
        .init(code: "E0304", title: "output size is not positive",
              explanation: "The window (kernel or pool size) does not fit: the computed output height or width is zero or negative. The message shows the arithmetic.",
              example: "input: [1, 8, 8]\n- conv2d: {filters: 4, kernel: 9}",
              fix: "Use a smaller kernel or pool size, more padding, or a smaller stride."),
        .init(code: "E0305", title: "merged shapes differ",
              explanation: "`add` needs inputs of equal shape; `concat` needs inputs that agree on every axis but the last.",
              example: "- add: {from: [a, b]}   # a: [8], b: [4]",
              fix: "Make the merged layers produce matching shapes."),
        .init(code: "E0306", title: "given weights have the wrong shape",
              explanation: "Fixed `weights` of a `threshold` layer are a matrix [units][inputs]; a `threshold` list has one value per unit.",
              example: "threshold: {units: 1, weights: [[1, 1, 1]]}   # on a [2] input",
              fix: "Give one row per unit and one column per input."),
        .init(code: "E0307", title: "model too large",
              explanation: "A size in the model overflows, or the parameters and activations would need more memory than a machine has (the limit is 2^34 floats, 64 GiB).",
              example: "dense: {units: 100000000000}",
              fix: "Use smaller layers."),
        .init(code: "E0308", title: "symbolic dimension where a fixed size is needed",
              explanation: "The layer needs the size of this dimension to create its weights, but it is a symbolic name fixed only when data arrives.",
              example: "input: [T]\n- dense: {units: 4}",
              fix: "Give the dimension a number, or apply the layer where the size is known (e.g. a sequence [T, F] with F fixed)."),
        .init(code: "E0309", title: "layer needs fixed-size input",
              explanation: "The layer's input must have a fixed size on this axis (for example `flatten` of a sequence of symbolic length).",
              example: "input: [T, 4]\n- flatten",
              fix: "Use `return: last` on the recurrent layer, or fix the sequence length."),
        .init(code: "E0310", title: "option does not fit the layer's input",
              explanation: "An option of the layer contradicts its input: a `skip` longer than a fixed sequence, a `pca` with more components than features, and so on.",
              example: "input: [4]\n- pca: {components: 8}",
              fix: "Choose a value the input allows (the message gives the limit)."),

        // MARK: E04xx — data
        .init(code: "E0401", title: "data does not match the model's input",
              explanation: "The examples of the dataset have a different shape than `model.input`.",
              example: "data: {source: iris}\nmodel: {input: [64], ...}",
              fix: "Make `model.input` the shape of the data (the message gives it)."),
        .init(code: "E0402", title: "targets do not match the model's output",
              explanation: "The dataset's targets (class labels, one-hot vectors, vectors per step) do not fit the model's output shape and loss.",
              example: "data: {source: digits}   # 10 classes\n- dense: {units: 3}",
              fix: "Give the last layer as many units as the targets need (the message gives the number)."),
        .init(code: "E0403", title: "data option not valid for this source",
              explanation: "The option does not apply to this built-in source, or its value is outside what the source allows.",
              example: "source: xor, bits: 4",
              fix: "Use the options the message lists for this source."),
        .init(code: "E0404", title: "no targets for a supervised loss",
              explanation: "The loss compares outputs with targets, but the dataset has none (and `target: input` is not set).",
              example: "inline: {inputs: [[1, 0]]}   # no targets, loss: mse",
              fix: "Give targets, or set `train: {target: input}` for auto-association."),
        .init(code: "E0405", title: "inline data is inconsistent",
              explanation: "Inline inputs (or targets) have rows of different lengths, or a different number of targets than inputs.",
              example: "inline: {inputs: [[0, 1], [1]], targets: [[1], [0]]}",
              fix: "Give every example the same number of values, and one target row per input row."),
        .init(code: "E0406", title: "no test data",
              explanation: "`evaluate: {on: test}` was asked for, but `data` has no test set.",
              example: "evaluate: {on: test}   # data has only train",
              fix: "Add `data.test` or a `split`, or evaluate `on: train`."),

        // MARK: E05xx — learning rules and training
        .init(code: "E0501", title: "rule cannot train this layer",
              explanation: "The learning rule cannot train the layer: `backprop` needs differentiable layers (no `threshold`, `step`, `sign` or `hopfield` in the path of the gradient); `hebbian` trains `dense` without bias, `threshold` and `hopfield` only; and so on.",
              example: "- threshold: {units: 1}\ntrain: {rule: backprop}",
              fix: "Use a rule that trains this kind of layer (the message lists them), or change the layer."),
        .init(code: "E0502", title: "rule needs exactly one trainable layer",
              explanation: "`perceptron`, `delta`, `clipped_hebbian`, `least_squares` and `pca` train a single layer; the model has none or several layers with parameters to learn.",
              example: "two dense layers with rule: perceptron",
              fix: "Train a single layer with this rule, or use `backprop` for a deeper model."),
        .init(code: "E0503", title: "loss does not fit the output",
              explanation: "`cross_entropy` expects class probabilities (a softmax output, or logits it applies softmax to); `binary_cross_entropy` expects outputs in (0, 1), e.g. from a sigmoid.",
              example: "- dense: {units: 10, activation: relu}\nloss: binary_cross_entropy",
              fix: "End the model with the activation the loss expects, or choose another loss."),
        .init(code: "E0504", title: "option needs a different setting",
              explanation: "The option requires another part of the spec to be set in a certain way: `rate` applies to hebbian/perceptron/delta only, `bptt` needs a recurrent layer, `penalty: contractive` needs a dense sigmoid or tanh layer, `target: input` needs the output shape to equal the input shape.",
              example: "penalty: {contractive: 0.1}   # on a relu layer",
              fix: "Change the option or the part it depends on, as the message says."),
        .init(code: "E0505", title: "nothing to train",
              explanation: "A `train` section is given but the model has no learnable parameters.",
              example: "model: {input: [4], layers: [flatten]}\ntrain: {epochs: 5}",
              fix: "Remove `train`, or add a layer with parameters."),
        .init(code: "E0506", title: "weights required without training",
              explanation: "Without a `train` section a `threshold` layer keeps its given weights; it needs `weights` and a numeric `threshold`.",
              example: "- threshold: {units: 1}   # and no train section",
              fix: "Give `weights` and `threshold`, or add a `train` section with a rule that learns them."),

        // MARK: E08xx — model files (nnc run --init)
        .init(code: "E0801", title: "model file does not name the spec's parameters",
              explanation: "`nnc run --init MODEL` copies the model file's tensors into the spec's parameters by name (`layer.role`, e.g. `dense1.weight`). The file lacks a tensor the spec's layer needs, or holds a tensor no layer of the spec has (a renamed or removed layer).",
              example: "nnc run spec.yaml --init other/model.safetensors   # trained with other layer names",
              fix: "Name the layers as in the spec the model was trained with (its spec_yaml metadata), or start without --init."),
        .init(code: "E0802", title: "model file tensor does not fit",
              explanation: "A tensor of the `--init` model file has another shape than the parameter of the same name in this spec (for example a dense layer with another number of units, or another input size), or holds values that are not finite (NaN, infinity).",
              example: "- dense: {units: 64}   # the model file's dense1.weight is [32, 64]",
              fix: "Give the layer the size it had when the model was trained, or start without --init."),

        // MARK: Warnings
        .init(code: "W0101", title: "option has no effect",
              explanation: "The option is valid but changes nothing here (for example `momentum` with `rule: hebbian`, `batch` with a closed-form rule, or `shuffle` on data that is split by index).",
              example: "train: {rule: least_squares, epochs: 10}",
              fix: "Remove the option."),
        .init(code: "W0201", title: "layer output unused",
              explanation: "No later layer reads this layer's output and it is not the last layer, so it does nothing.",
              example: "- dense: {units: 4, name: side, from: input}\n- dense: {units: 2, from: dense1}",
              fix: "Remove the layer or read it with `from`."),
        .init(code: "W0301", title: "activation and loss are a poor match",
              explanation: "The output activation and the loss work against each other (e.g. softmax with sse, or a linear output with binary_cross_entropy logits), which slows or stalls learning.",
              example: "- softmax\ntrain: {loss: sse}",
              fix: "Use cross_entropy after softmax, or remove the softmax for a regression loss."),
        .init(code: "W0501", title: "learning rate unusually large",
              explanation: "The learning rate is above 10; training will probably diverge.",
              example: "optimizer: {sgd: {lr: 100}}",
              fix: "Use a learning rate below 1 to start with."),
    ]
}

extension DiagnosticCodes {
    /// The long text `nnc explain` prints (and docs/diagnostics.md repeats).
    public static func explanation(_ c: DiagnosticCode) -> String {
        let example = c.example.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
        return """
        \(c.code): \(c.title)

        \(c.explanation)

        Example:

        \(example)

        Fix: \(c.fix)
        """
    }
}
