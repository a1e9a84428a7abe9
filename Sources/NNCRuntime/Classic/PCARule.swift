import NNCIR
import NNCKernels
import NNCSpec

/// `rule: pca`: fits the model's `pca` layer in closed form. The layer's
/// input over the training data ([N, F]) is centred on its mean μ, the
/// covariance (1/N) Σ (x − μ)(x − μ)ᵀ is diagonalised, and the leading
/// `components` eigenvectors become the rows of `components` [c, F], μ the
/// `mean` [F]. The one history record holds the training reconstruction
/// `mse` (per element, as the `mse` metric), `explained_variance` (the kept
/// fraction) and every `eigenvalue` (descending): on the training data,
/// mse · F = Σ of the discarded eigenvalues.
enum PCARule {
    static func train(_ c: RuleContext) throws -> ClassicTraining.Outcome {
        guard case .layer(.pca(let count)) = c.layer.op, let inputNode = c.layer.inputs.first else {
            throw RunError.bug("rule pca without a pca layer")
        }
        guard let componentsEntry = c.parameters.entry(node: c.layer.id, role: .components),
              let meanEntry = c.parameters.entry(node: c.layer.id, role: .mean) else {
            throw RunError.bug("\(c.layer.name): pca parameters missing")
        }
        let plan = c.plan
        let features = plan.perExample[inputNode]
        guard count <= features else {
            throw RunError.data("'\(c.layer.name)' keeps \(count) components of \(features)-dimensional inputs: at most \(features)")
        }
        let inputs = layerInputs(plan, node: inputNode, data: c.data.train)
        let fit = inputs.withUnsafeBufferPointer { PrincipalComponents(rows: $0, count: c.data.train.count, features: features) }

        let components = plan.parameters.pointer(componentsEntry), mean = plan.parameters.pointer(meanEntry)
        for r in 0..<count {
            for j in 0..<features { components[r * features + j] = Float(fit.vectors[r * features + j]) }
        }
        for j in 0..<features { mean[j] = Float(fit.mean[j]) }

        // The training reconstruction error of the layer, measured through the plan (what evaluation sees).
        var squared = 0.0
        plan.forwardInBatches(c.data.train) { indices, n in
            guard let first = indices.first else { return }
            let y = plan.values[c.layer.id].pointer
            for i in 0..<(n * features) {
                let d = Double(y[i]) - Double(inputs[first * features + i])
                squared += d * d
            }
        }
        let mse = squared / Double(c.data.train.count * features)
        let explained = fit.explainedFraction(count)
        var metrics: MetricList = []
        metrics.append((name: "mse", value: .number(mse)))
        metrics.append((name: "explained_variance", value: .number(explained)))
        metrics.append((name: "eigenvalues", value: .numbers(fit.eigenvalues)))
        let record = EpochRecord(epoch: 1, metrics: metrics)
        c.events(.epoch(record, epochs: 1))

        var note = "PCA: \(count) of \(features) components keep \(percent(explained)) of the training data's variance"
        note += " (eigenvalues \(fit.eigenvalues.prefix(min(count, 8)).map(formatMetric).joined(separator: ", "))"
        note += count > 8 ? ", ...)" : ")"
        note += "; the discarded eigenvalues sum to \(formatMetric(fit.discardedVariance(count)))"
        note += " = training mse \(formatMetric(mse)) × \(features)"
        return ClassicTraining.Outcome(history: [record], notes: [note])
    }

    /// The pca layer's input for every training example, [N, F] row-major.
    static func layerInputs(_ plan: Plan, node: Int, data: Dataset) -> [Float] {
        let width = plan.perExample[node]
        var rows = [Float](repeating: 0, count: data.count * width)
        plan.forwardInBatches(data) { indices, n in
            guard let first = indices.first else { return }
            let source = plan.values[node].pointer
            rows.withUnsafeMutableBufferPointer { dst in
                guard let base = dst.baseAddress else { return }
                (base + first * width).update(from: source, count: n * width)
            }
        }
        return rows
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f%%", 100 * x) }
}
