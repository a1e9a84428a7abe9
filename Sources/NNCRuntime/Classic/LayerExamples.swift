import NNCIR
import NNCKernels
import NNCSpec

/// How a rule wants the targets of the layer it trains written.
enum TargetCoding {
    /// 0/1: binary threshold units and step outputs.
    case binary
    /// −1/+1: bipolar threshold units and sign outputs; also the linear part
    /// of an Adaline-style fit under step or sign (0 becomes −1, so the
    /// threshold at 0 separates the two values).
    case bipolar
    /// The data's values unchanged (linear outputs).
    case values
}

/// The trained layer's view of the training data: what reaches it, what it
/// should produce, and the rule's step size.
extension RuleContext {
    var examples: Dataset { data.train }
    /// The node whose output the trained layer reads.
    var inputNode: Int { layer.inputs.first ?? 0 }
    /// F: the values per example that reach the layer.
    var inputSize: Int { plan.perExample[inputNode] }
    /// The layer's output units.
    var units: Int { plan.perExample[layer.id] }
    var ruleName: String { train.rule.rawValue }

    /// The layer's parameter tensor `role` (weight, bias, threshold).
    func entry(_ role: ParameterRole) throws -> ParameterStore.Entry {
        guard let e = parameters.entry(node: layer.id, role: role) else {
            throw RunError.bug("'\(layer.name)' has no \(role.rawValue)")
        }
        return e
    }

    /// Classic rules train a layer on one vector per example.
    func requireVectorInput() throws {
        guard plan.rows(inputNode, 1) == 1 else {
            throw RunError.data("rule '\(ruleName)' trains '\(layer.name)' on one vector per example, but it reads a sequence")
        }
    }

    /// What reaches the trained layer for every training example: [count, F].
    /// The layer usually reads the model's input; otherwise the (parameter-free)
    /// layers before it are run forward.
    func layerInputs() -> [Float] {
        let data = examples
        if inputNode == 0 { return data.inputs }
        let f = inputSize
        var x = [Float](repeating: 0, count: data.count * f)
        var start = 0
        while start < data.count {
            let n = min(plan.batch, data.count - start)
            plan.loadInputs(data, Array(start..<(start + n))[...])
            plan.forward(n, training: false)
            let source = plan.values[inputNode].pointer
            for j in 0..<(n * f) { x[start * f + j] = source[j] }
            start += n
        }
        return x
    }

    /// The layer's output for training example `i` under the current weights:
    /// [units], valid until the next forward pass.
    func layerOutput(example i: Int) -> UnsafePointer<Float> {
        plan.loadInputs(examples, [i][...])
        plan.forward(1, training: false)
        return UnsafePointer(plan.values[layer.id].pointer)
    }

    /// The targets of the layer's units, [count, units], in `coding`; nil when
    /// the data has none (and the spec does not say `target: input`). Class s
    /// becomes δ(r, s) over one unit per class, or the label itself on one
    /// unit for two classes.
    func layerTargets(_ coding: TargetCoding) throws -> [Float]? {
        let data = examples
        let units = self.units
        guard plan.perExample[graph.output] == units else {
            throw RunError.data("rule '\(ruleName)' trains '\(layer.name)' (\(units) units) against the targets, but the layers after it change the output's width")
        }
        let off: Float = coding == .bipolar ? -1 : 0
        func coded(_ v: Float) -> Float {
            switch coding {
            case .binary: return v > 0 ? 1 : 0
            case .bipolar: return v > 0 ? 1 : -1
            case .values: return v
            }
        }
        if train.targetIsInput {
            guard data.inputSize == units else {
                throw RunError.data("'target: input' needs '\(layer.name)' to have \(data.inputSize) units, it has \(units)")
            }
            return data.inputs.map(coded)
        }
        switch data.targets {
        case .none:
            return nil
        case .classes(let labels, let k):
            var t = [Float](repeating: off, count: data.count * units)
            if units == k {
                for (i, label) in labels.enumerated() { t[i * units + Int(label)] = 1 }
            } else if units == 1 && k == 2 {
                for (i, label) in labels.enumerated() where label == 1 { t[i] = 1 }
            } else {
                throw RunError.data("'\(layer.name)' has \(units) units for \(k) classes: give it one unit per class (or one unit for two classes)")
            }
            return t
        case .vectors(let values, _):
            guard values.count == data.count * units else {
                throw RunError.data("the targets have \(values.count / data.count) values per example, '\(layer.name)' has \(units) units")
            }
            return values.map(coded)
        }
    }

    /// The step ε for one example: the spec's `rate`, 1/‖x‖ for `normalized`
    /// (‖x‖ of the augmented (1, x) when the rule also learns a bias or
    /// threshold), or `fallback` when the spec gives none. nil: no step
    /// (normalized with x = 0).
    func stepSize(_ x: UnsafePointer<Float>, _ f: Int, augmented: Bool, fallback: Float) -> Float? {
        switch train.rate {
        case .fixed(let e)?: return Float(e)
        case .normalized?:
            var sum: Double = augmented ? 1 : 0
            for j in 0..<f { sum += Double(x[j]) * Double(x[j]) }
            return sum > 0 ? Float(1 / sum.squareRoot()) : nil
        case nil: return fallback
        }
    }
}
