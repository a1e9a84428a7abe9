import NNCIR
import NNCSpec

/// Computes `AutoencoderOutputs` after training and evaluation: runs the
/// plan over the clean training and test inputs to read the codes, measures
/// the code on the evaluated part, and gathers the figures' data.
enum AutoencoderAnalysis {
    static let jacobianExamples = 1000

    /// - evaluated: the examples evaluation ran on (corrupted with `evaluate.corrupt`);
    ///   clean: the same examples before corruption.
    /// - Returns: nil when the model has no code layer.
    static func run(spec: Spec, graph: Graph, plan: Plan, data: PreparedData, evaluated: Dataset, clean: Dataset,
                    evaluatedOn: String) -> AutoencoderOutputs? {
        guard let layer = CodeLayer.find(in: graph, perExample: plan.perExample) else { return nil }
        let jacobian = EncoderJacobian(code: layer, graph: graph, parameters: plan.parameters, inputSize: plan.perExample[0])
        let onTest = evaluatedOn == "test"

        let train = read(plan, layer, data.train, jacobian: onTest ? nil : jacobian)
        var rows = rowsOf(train.codes, split: "train", data: data.train)
        var measured = train
        if let test = data.test {
            let t = read(plan, layer, test, jacobian: onTest ? jacobian : nil)
            rows += rowsOf(t.codes, split: "test", data: test)
            if onTest { measured = t }
        }
        let values = measured.codes.joined()
        let meanAbs = values.isEmpty ? 0 : values.reduce(0.0) { $0 + abs(Double($1)) } / Double(values.count)
        let meanJacobian = measured.jacobianNorms.map { $0.isEmpty ? 0 : $0.reduce(0, +) / Double($0.count) }

        var scatter = [codeScatter(layer, codes: measured.codes, trainCodes: train.codes, data: clean)]
        if !layer.isPCA { scatter.append(inputPCAScatter(train: data.train, shown: clean)) }

        return AutoencoderOutputs(layer: layer, codes: rows, evaluatedOn: evaluatedOn, meanAbsoluteCode: meanAbs,
                                  meanJacobianNorm: meanJacobian,
                                  examples: images(spec: spec, plan: plan, evaluated: evaluated, clean: clean),
                                  scatter: scatter)
    }

    /// Codes of every example of `data` (clean, evaluation mode), [count][width];
    /// with `jacobian`, also ‖∂h/∂x‖_F of the first `jacobianExamples` examples
    /// (each costs a product of the encoder's matrices: a sample is enough for a mean).
    static func read(_ plan: Plan, _ layer: CodeLayer, _ data: Dataset,
                     jacobian: EncoderJacobian?) -> (codes: [[Float]], jacobianNorms: [Double]?) {
        var codes: [[Float]] = []
        codes.reserveCapacity(data.count)
        var norms: [Double]? = jacobian == nil ? nil : []
        plan.forwardInBatches(data) { _, n in
            for row in 0..<n {
                codes.append(code(plan, layer, row: row))
                if let jacobian, codes.count <= jacobianExamples { norms?.append(jacobian.frobeniusNorm(plan: plan, row: row)) }
            }
        }
        return (codes, norms)
    }

    /// The code of row `row` of the plan's current batch.
    static func code(_ plan: Plan, _ layer: CodeLayer, row: Int) -> [Float] {
        let node = plan.graph.nodes[layer.node]
        if layer.isPCA, let input = node.inputs.first,
           let components = plan.parameters.entry(node: layer.node, role: .components),
           let mean = plan.parameters.entry(node: layer.node, role: .mean) {
            // c = C (x − μ), the projection the layer reconstructs from.
            let features = plan.perExample[input]
            let x = plan.values[input].pointer + row * features
            let c = plan.parameters.pointer(components), mu = plan.parameters.pointer(mean)
            return (0..<layer.width).map { r in
                var s: Float = 0
                for j in 0..<features { s += c[r * features + j] * (x[j] - mu[j]) }
                return s
            }
        }
        let y = plan.values[layer.node].pointer + row * layer.width
        return Array(UnsafeBufferPointer(start: y, count: layer.width))
    }

    static func rowsOf(_ codes: [[Float]], split: String, data: Dataset) -> [AutoencoderOutputs.CodeRow] {
        codes.enumerated().map { i, values in
            AutoencoderOutputs.CodeRow(split: split, index: i, label: label(data, i), values: values)
        }
    }

    static func label(_ data: Dataset, _ i: Int) -> Int? {
        if case .classes(let labels, _) = data.targets, labels.indices.contains(i) { return Int(labels[i]) }
        return nil
    }

    // MARK: scatter

    /// The codes in 2-D: as they are when the code has one or two units
    /// (one unit: y = 0), else their two leading principal components (fitted
    /// on the training codes).
    static func codeScatter(_ layer: CodeLayer, codes: [[Float]], trainCodes: [[Float]], data: Dataset) -> AutoencoderOutputs.Scatter {
        let kind = layer.isPCA ? "PCA" : "autoencoder"
        let title = "\(kind): code '\(layer.name)' (\(layer.width) \(layer.isPCA ? "components" : "units"))"
        func point(_ i: Int, _ x: Double, _ y: Double) -> AutoencoderOutputs.Scatter.Point {
            .init(x: x, y: y, label: label(data, i))
        }
        if layer.width <= 2 {
            let points = codes.enumerated().map { i, c in point(i, Double(c.first ?? 0), c.count > 1 ? Double(c[1]) : 0) }
            let names = layer.isPCA ? ["PC 1", "PC 2"] : ["code 1", layer.width > 1 ? "code 2" : "(one unit)"]
            return .init(title: title, xLabel: names[0], yLabel: names[1], points: points)
        }
        if layer.isPCA {
            // The components are already the principal axes, in order.
            let points = codes.enumerated().map { i, c in point(i, Double(c[0]), Double(c[1])) }
            return .init(title: title, xLabel: "PC 1", yLabel: "PC 2", points: points)
        }
        let flat = trainCodes.flatMap { $0 }
        let plane = flat.withUnsafeBufferPointer { PlaneProjection(rows: $0, count: trainCodes.count, features: layer.width) }
        let points = codes.enumerated().map { i, c in
            let p = c.withUnsafeBufferPointer { buffer in buffer.baseAddress.map(plane.project) ?? (x: 0, y: 0) }
            return point(i, p.x, p.y)
        }
        return .init(title: title, xLabel: "PC 1 of the codes", yLabel: "PC 2 of the codes", points: points)
    }

    /// PCA's view of the same examples: the inputs projected on the two
    /// leading principal components of the training inputs.
    static func inputPCAScatter(train: Dataset, shown: Dataset) -> AutoencoderOutputs.Scatter {
        let size = train.inputSize
        let plane = train.inputs.withUnsafeBufferPointer { PlaneProjection(rows: $0, count: train.count, features: size) }
        let points: [AutoencoderOutputs.Scatter.Point] = shown.inputs.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, shown.inputSize == size else { return [] }
            return (0..<shown.count).map { i in
                let p = plane.project(base + i * size)
                return .init(x: p.x, y: p.y, label: label(shown, i))
            }
        }
        return .init(title: "PCA of the inputs (2 components)", xLabel: "PC 1", yLabel: "PC 2", points: points)
    }

    // MARK: images

    /// Height and width when the examples are images: [1, H, W], [H, W], or
    /// [F] with F a square of at least 16 (the 8x8 digits are [64]).
    static func imageGeometry(_ shape: [Int]) -> (height: Int, width: Int)? {
        switch shape.count {
        case 3 where shape[0] == 1: return (shape[1], shape[2])
        case 2: return (shape[0], shape[1])
        case 1:
            let side = Int(Double(shape[0]).squareRoot().rounded())
            return side >= 4 && side * side == shape[0] ? (side, side) : nil
        default: return nil
        }
    }

    /// The first `evaluate.show` examples: original, corrupted (when the spec
    /// corrupts), reconstructed from what the model saw.
    static func images(spec: Spec, plan: Plan, evaluated: Dataset, clean: Dataset) -> AutoencoderOutputs.Images? {
        let show = min(spec.evaluate?.show ?? 8, evaluated.count)
        let size = evaluated.inputSize
        guard show > 0, let (h, w) = imageGeometry(evaluated.inputShape), plan.perExample[plan.output] == size,
              clean.inputSize == size, clean.count == evaluated.count else { return nil }
        func inputs(_ d: Dataset) -> [[Float]] { (0..<show).map { Array(d.inputs[($0 * size)..<(($0 + 1) * size)]) } }
        var reconstructed: [[Float]] = []
        let shown = evaluated.gathering(Array(0..<show))
        plan.forwardInBatches(shown) { _, n in
            let y = plan.values[plan.output].pointer
            for row in 0..<n { reconstructed.append(Array(UnsafeBufferPointer(start: y + row * size, count: size))) }
        }
        var rows = [AutoencoderOutputs.Images.Row(label: "original", images: inputs(clean))]
        if spec.evaluate?.corrupt != nil { rows.append(.init(label: "corrupted", images: inputs(evaluated))) }
        rows.append(.init(label: "reconstructed", images: reconstructed))
        return .init(height: h, width: w, rows: rows, classes: (0..<show).map { label(clean, $0) })
    }
}
