import NNCKernels

/// A seeded generator of small specs over the whole language: every layer kind,
/// option, activation, loss, rule and built-in source, with graphs (`from`, add,
/// concat). Not every spec it writes is valid — the property test keeps those
/// that check clean, which is the point: whatever the checker passes must run.
struct SpecGenerator {
    var rng: SeededRandom
    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    mutating func pick<T>(_ items: [T]) -> T { items[rng.int(below: items.count)] }
    mutating func chance(_ p: Double) -> Bool { rng.uniformDouble() < p }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + rng.int(below: range.count) }
    mutating func number(_ values: [String]) -> String { pick(values) }

    static let activations = ["linear", "relu", "sigmoid", "logistic", "tanh", "arctan", "softmax", "step", "sign"]
    static let smooth = ["linear", "relu", "sigmoid", "tanh", "arctan"]

    /// One spec, as YAML text.
    mutating func spec() -> String {
        switch int(0...5) {
        case 0, 1: return feedForward()
        case 2: return convolutional()
        case 3: return recurrent()
        case 4: return classic()
        default: return autoencoder()
        }
    }

    // MARK: parts

    mutating func initializer() -> String {
        pick(["", ", init: xavier", ", init: he", ", init: zeros", ", init: {uniform: 0.3}", ", init: {normal: 0.2}"])
    }

    mutating func dense(_ units: Int, activation: String? = nil, name: String? = nil, from: String? = nil) -> String {
        var s = "dense: {units: \(units), activation: \(activation ?? pick(Self.activations))"
        if chance(0.2) { s += ", bias: false" }
        s += initializer()
        if chance(0.15) { s += pick([", penalty: {l1: 0.001}", ", penalty: {l2: 0.01}", ", penalty: {contractive: 0.01}"]) }
        if let name { s += ", name: \(name)" }
        if let from { s += ", from: \(from)" }
        return s + "}"
    }

    mutating func shapeLayer() -> String {
        pick(["- \(pick(Self.activations))", "- dropout: {rate: \(number(["0", "0.2", "0.5"]))}",
              "- noise: {gaussian: 0.1}", "- noise: {mask: 0.2}", "- noise: {salt_pepper: 0.1}"])
    }

    mutating func train(loss: String? = nil, extra: String = "", gentle: Bool = false) -> String {
        var items = ["epochs: 1", "batch: \(int(1...8))"]
        if let loss { items.append("loss: \(loss)") }
        items.append("optimizer: " + (gentle ? pick(["sgd", "adam", "{sgd: {lr: 0.01, momentum: 0.5}}"])
            : pick(["sgd", "{sgd: {lr: 0.05, momentum: 0.9}}", "{sgd: {lr: 0.01, nesterov: true, momentum: 0.5}}", "adam", "{adam: {lr: 0.01}}"])))
        if chance(0.3) {
            items.append("schedule: " + pick(["constant", "{step: {every: 1, factor: 0.5}}", "{exponential: {decay: 0.9}}",
                                              "{cosine: {min_lr: 0.001}}", "{cyclic: {min_lr: 0.001, max_lr: 0.01, period: 2}}"]))
        }
        if chance(0.2) { items.append("clip: {norm: 1}") }
        if chance(0.1) { items.append("stop: " + pick(["{accuracy: 0.99}", "{loss: 0.001}", "{no_errors: true}"])) }
        if chance(0.2) { items.append("shuffle: false") }
        return "train: {\((items + (extra.isEmpty ? [] : [extra])).joined(separator: ", "))}"
    }

    mutating func evaluate(_ metrics: [String]) -> String {
        guard chance(0.7) else { return "" }
        var chosen = metrics.filter { _ in chance(0.5) }
        if chosen.isEmpty { chosen = [pick(metrics)] }
        return "evaluate: {metrics: [\(chosen.joined(separator: ", "))]\(chance(0.3) ? ", on: train" : "")}"
    }

    mutating func vectorData() -> (data: String, width: Int, classes: Int?) {
        switch int(0...6) {
        case 0: return ("{source: xor}", 2, 2)
        case 1:
            let bits = int(2...4)
            return ("{source: \(pick(["parity", "majority"])), bits: \(bits)}", bits, 2)
        case 2:
            let k = int(2...3), d = int(1...4)
            return ("{source: blobs, classes: \(k), dims: \(d), count: \(int(6...20)), spread: 0.3}", d, k)
        case 3:
            if chance(0.3) { return ("{source: iris, classes: [0, 2], normalize: minmax}", 4, 2) }
            return ("{source: iris, normalize: standardize, limit: \(int(10...30)), shuffle: true}", 4, 3)
        case 4: return ("{source: digits, limit: 20, normalize: {scale: 0.0625}}", 64, 10)
        case 5:
            let w = int(1...4), n = int(2...6)
            let rows = (0..<n).map { _ in "[" + (0..<w).map { _ in number(["0", "1", "-0.5", "2", "0.25"]) }.joined(separator: ", ") + "]" }
            let k = int(2...3)
            let labels = (0..<n).map { i in String(i % k) }
            return ("{inline: {inputs: [\(rows.joined(separator: ", "))], targets: [\(labels.joined(separator: ", "))]}}", w, k)
        default:
            return ("{source: random, count: 12, classes: 3}", int(1...5), 3)
        }
    }

    // MARK: kinds of network

    mutating func feedForward() -> String {
        let (flow, width, classes) = vectorData()
        let loss = pick([nil, "cross_entropy", "mse", "sse", "binary_cross_entropy"])
        let oneHot = loss != nil && loss != "cross_entropy" && chance(0.7)
        let data = oneHot ? Self.adding("one_hot: true", to: flow) : flow
        let dataSection: String
        switch int(0...6) {
        case 0, 1: dataSection = "data:\n  \(dataPart(data))\n  split: {train: 0.75, test: 0.25}"
        case 2: dataSection = "data:\n  train: \(data)\n  test: \(data)"   // explicit parts
        default: dataSection = "data:\n  \(dataPart(data))"
        }
        let outUnits = classes.map { chance(0.8) ? $0 : int(1...3) } ?? 1
        var layers: [String] = []
        var names: [String] = []
        for i in 0..<int(0...3) {
            let units = int(1...6)
            if chance(0.2), let previous = names.last, i > 0 {
                // A branch from the input merged with the previous layer.
                layers.append("- " + dense(units, activation: pick(Self.smooth), name: "branch\(i)", from: "input"))
                layers.append("- " + dense(units, activation: pick(Self.smooth), name: "side\(i)", from: previous))
                layers.append("- \(pick(["add", "concat"])): {from: [branch\(i), side\(i)], name: merge\(i)}")
                names.append("merge\(i)")
            } else {
                layers.append("- " + dense(units, name: "h\(i)"))
                names.append("h\(i)")
            }
            if chance(0.3) { layers.append(shapeLayer()) }
        }
        let head = pick(["softmax", "sigmoid", "linear", "tanh"])
        if head == "softmax" {
            layers.append("- " + dense(outUnits, activation: "linear"))
            layers.append("- softmax")
        } else {
            layers.append("- " + dense(outUnits, activation: head))
        }
        let fixedData = dataSection
        return """
            nnc: 1
            seed: \(int(0...1000))
            \(fixedData)
            model:
              input: [\(width)]
              layers:
            \(layers.map { "    " + $0 }.joined(separator: "\n"))
            \(train(loss: loss))
            \(evaluate(["accuracy", "loss", "mse", "confusion", "errors"]))
            """
    }

    /// A flow mapping with one more option: `{source: xor}` + `one_hot: true`.
    static func adding(_ option: String, to flow: String) -> String { String(flow.dropLast()) + ", \(option)}" }

    /// A flow mapping written as the data section's block keys.
    func dataPart(_ flow: String) -> String {
        let inner = flow.dropFirst().dropLast()
        // Split on top-level commas only.
        var parts: [String] = [], depth = 0, current = ""
        for c in inner {
            if c == "{" || c == "[" { depth += 1 }
            if c == "}" || c == "]" { depth -= 1 }
            if c == "," && depth == 0 { parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""; continue }
            current.append(c)
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts.joined(separator: "\n  ")
    }

    mutating func convolutional() -> String {
        let image = chance(0.5)
        let (data, c, h, w): (String, Int, Int, Int) = image
            ? ("source: digits\n  image: true\n  limit: 16\n  normalize: {scale: 0.0625}", 1, 8, 8)
            : ("source: bars_and_stripes\n  size: 4\n  image: true", 1, 4, 4)
        var layers: [String] = []
        for _ in 0..<int(1...2) {
            let k = int(1...3)
            var conv = "- conv2d: {filters: \(int(1...3)), kernel: \(chance(0.2) ? "[\(k), \(int(1...2))]" : String(k))"
            if chance(0.3) { conv += ", stride: \(int(1...2))" }
            conv += ", padding: \(pick(["valid", "same", "1", "[0, 1]"]))"
            conv += ", activation: \(pick(Self.activations))\(chance(0.2) ? ", bias: false" : "")\(initializer())}"
            layers.append(conv)
            if chance(0.4) { layers.append("- \(pick(Self.activations))") }
            if chance(0.6) { layers.append("- \(pick(["maxpool", "avgpool"])): {size: \(int(1...2))\(chance(0.3) ? ", stride: 1" : "")}") }
        }
        layers.append("- flatten")
        if chance(0.3) { layers.append("- dropout: {rate: 0.25}") }
        let classes = image ? 10 : 2
        layers.append("- dense: {units: \(classes)}")
        layers.append("- softmax")
        return """
            nnc: 1
            seed: \(int(0...1000))
            data:
              \(data)
            model:
              input: [\(c), \(h), \(w)]
              layers:
            \(layers.map { "    " + $0 }.joined(separator: "\n"))
            \(train(loss: "cross_entropy"))
            \(evaluate(["accuracy", "loss", "confusion"]))
            """
    }

    mutating func recurrent() -> String {
        let length = int(3...6)
        let (data, features, out, loss): (String, Int, String, String) = pick([
            ("source: sine\n  length: \(length)\n  count: 8", 1, "seq1", "mse"),
            ("source: adding\n  length: \(length)\n  count: 8", 2, "last1", "mse"),
            ("source: reber\n  count: 6", 7, "seq7", "cross_entropy"),
        ])
        var layers: [String] = []
        let last = out.hasPrefix("last")
        let width = Int(out.drop { !$0.isNumber }) ?? 1
        if chance(0.5) {
            var rnn = "- rnn: {units: \(int(1...5)), activation: \(pick(Self.activations))"
            if chance(0.3) { rnn += ", feedback: output" }
            if chance(0.5) || rnn.contains("feedback") {
                rnn += ", output: {units: \(width), activation: \(loss == "cross_entropy" ? "softmax" : pick(["linear", "tanh", "sigmoid", "step"]))}"
            }
            if chance(0.3) { rnn += ", leak: 0.5" }
            if chance(0.3) { rnn += ", skip: \(int(1...3))" }
            if last { rnn += ", return: last" }
            if chance(0.2) { rnn += ", bias: false" }
            layers.append(rnn + initializer() + "}")
            if !rnn.contains("output:") {
                layers.append("- dense: {units: \(width)\(loss == "cross_entropy" ? "" : ", activation: linear")}")
                if loss == "cross_entropy" { layers.append("- softmax") }
            }
        } else {
            layers.append("- lstm: {units: \(int(1...5))\(last ? ", return: last" : "")\(chance(0.3) ? ", forget_bias: 0.5" : "")}")
            layers.append("- dense: {units: \(width)}")
            if loss == "cross_entropy" { layers.append("- softmax") }
        }
        let bptt = chance(0.3) ? "bptt: {truncate: 2}" : ""
        return """
            nnc: 1
            seed: \(int(0...1000))
            data:
              \(data)
            model:
              input: [T, \(features)]
              layers:
            \(layers.map { "    " + $0 }.joined(separator: "\n"))
            \(train(loss: loss, extra: bptt, gentle: true))
            \(evaluate(["loss", "mse", "accuracy"]))
            """
    }

    mutating func classic() -> String {
        switch int(0...6) {
        case 0:
            let (data, width, classes) = vectorData()
            let units = classes == 2 && chance(0.5) ? 1 : (classes ?? 1)
            let rule = pick(["perceptron", "hebbian", "clipped_hebbian"])
            return """
                nnc: 1
                data: \(Self.adding("encoding: binary", to: data))
                model:
                  input: [\(width)]
                  layers:
                    - threshold: {units: \(units)\(chance(0.3) ? ", threshold: auto" : "")\(chance(0.3) ? ", output: bipolar" : "")}
                train: {rule: \(rule), epochs: \(int(1...3))\(chance(0.5) ? ", rate: normalized" : "")}
                \(evaluate(["accuracy", "errors", "overlap", "recall", "false_ones", "missing_ones"]))
                """
        case 1:
            let k = int(4...12)
            return """
                nnc: 1
                data: {source: patterns, count: \(int(1...3)), units: \(k), encoding: bipolar}
                model:
                  input: [\(k)]
                  layers:
                    - hopfield: {update: \(pick(["async", "sync"])), order: \(pick(["random", "sequential"])), max_sweeps: \(int(1...5))}
                train: {rule: hebbian}
                evaluate: {corrupt: {flip: 0.2}, metrics: [overlap, recall, energy, sweeps]}
                """
        case 2:
            let (data, width, _) = vectorData()
            let rule = pick(["delta", "least_squares", "hebbian"])
            return """
                nnc: 1
                data: \(Self.adding("one_hot: true", to: data))
                model:
                  input: [\(width)]
                  layers:
                    - dense: {units: \(int(1...3)), bias: false, activation: \(pick(["linear", "sign", "step"]))}
                train: {rule: \(rule)\(rule == "least_squares" ? "" : ", epochs: 2")}
                \(evaluate(["mse", "accuracy"]))
                """
        case 3:
            let f = int(2...6)
            return """
                nnc: 1
                data: {source: random, count: 10}
                model:
                  input: [\(f)]
                  layers:
                    - pca: {components: \(int(1...f))}
                train: {rule: pca\(chance(0.5) ? ", target: input" : "")}
                \(evaluate(["mse"]))
                """
        case 5:
            return """
                nnc: 1
                data: {source: letters, size: [5, 5], count: \(int(2...4)), encoding: bipolar}
                model:
                  input: [25]
                  layers:
                    - hopfield: {update: async, self_weight: \(number(["0", "0.5"]))}
                train: {rule: hebbian}
                evaluate: {corrupt: {flip: 0.1}, show: 2}
                """
        case 6:
            return """
                nnc: 1
                data: {source: xor}
                model:
                  input: [2]
                  layers:
                    - threshold: {units: 2, weights: [[1, 1], [-1, -1]], threshold: [0.5, -1.5]}
                    - threshold: {units: 1, weights: [[1, 1]], threshold: 1.5}
                """
        default:
            return """
                nnc: 1
                data: {source: and}
                model:
                  input: [2]
                  layers:
                    - threshold: {units: 1, weights: [[1, 1]], threshold: \(number(["0.5", "1.5", "2"]))}
                \(evaluate(["accuracy", "errors"]))
                """
        }
    }

    mutating func autoencoder() -> String {
        let (data, width): (String, Int) = pick([
            ("{source: digits, limit: 20, normalize: {scale: 0.0625}}", 64),
            ("{source: letters, size: [5, 4], count: 6}", 20),
            ("{source: bars_and_stripes, size: 3}", 9),
        ])
        var layers: [String] = []
        if chance(0.4) { layers.append(pick(["- noise: {gaussian: 0.1}", "- noise: {mask: 0.2}", "- noise: {salt_pepper: 0.1}"])) }
        layers.append("- " + dense(int(1...6), activation: pick(["sigmoid", "tanh", "relu"]), name: "code"))
        layers.append("- " + dense(width, activation: pick(["sigmoid", "linear"])))
        return """
            nnc: 1
            seed: \(int(0...1000))
            data: \(data)
            model:
              input: [\(width)]
              layers:
            \(layers.map { "    " + $0 }.joined(separator: "\n"))
            \(train(loss: pick(["mse", "sse", "binary_cross_entropy"]), extra: "target: input"))
            \(chance(0.3) ? "evaluate: {corrupt: {\(pick(["flip: 0.1", "mask: 0.2", "gaussian: 0.1"]))}, metrics: [mse, overlap, recall]}" : evaluate(["mse", "loss"]))
            """
    }
}
