import NNCIR
import NNCKernels
import NNCSpec

/// The loss at the model's output: reads the output (or the logits before its
/// softmax/sigmoid), compares with the batch's targets, and writes the
/// gradient where backward starts.
///
/// Fusion rules (each checked against the unfused ops in the tests):
/// - `softmax+cross_entropy`: a softmax output (a `softmax` layer, or a dense
///   or rnn output block with softmax) and cross_entropy: one pass computes
///   the probabilities, the loss and d(logits) = (p − t)/rows.
/// - `sigmoid+binary_cross_entropy`: likewise for a sigmoid output.
/// A linear output with cross_entropy (or binary_cross_entropy) is taken as
/// logits. Everything else runs the loss on the output and lets the output
/// layer's backward apply its activation.
public final class LossHead: @unchecked Sendable {
    // @unchecked: buffers owned by the plan's run, used from one thread.
    public enum Targets: Sendable { case labels, vectors }
    enum Fusion { case none, softmax, sigmoid }

    public let loss: LossKind
    public let targetsMode: Targets
    let fusion: Fusion
    /// The node whose forward the head replaces in training (nil: none).
    public let fusedNode: Int?
    public let rule: FusionRule?
    let output: Int
    /// Output rows per example (T for a sequence output, else 1) and their width.
    public let rowsPerExample: Int
    public let width: Int
    /// Logits (fused or linear-output modes).
    let logits: FloatBuffer
    /// Where d(logits) goes (fused modes); the output's gradient otherwise.
    let dLogits: FloatBuffer?
    public let labels: LabelBuffer
    public let targets: FloatBuffer
    /// Per-row weights (sequence masks); nil: all rows count.
    public let rowWeights: FloatBuffer
    public var hasRowWeights = false
    // The plan owns its head (plan.head): unowned breaks the cycle that leaked both.
    unowned let plan: Plan

    init(plan: Plan, loss: LossKind, targetsMode: Targets, fusion: Fusion, fusedNode: Int?, rule: FusionRule?,
         logits: FloatBuffer, dLogits: FloatBuffer?) {
        self.plan = plan
        self.loss = loss
        self.targetsMode = targetsMode
        self.fusion = fusion
        self.fusedNode = fusedNode
        self.rule = rule
        self.output = plan.output
        self.width = plan.lastDim(plan.output)
        self.rowsPerExample = plan.rows(plan.output, 1)
        self.logits = logits
        self.dLogits = dLogits
        let rows = plan.batch * rowsPerExample
        labels = LabelBuffer(count: rows)
        targets = FloatBuffer(count: rows * width)
        rowWeights = FloatBuffer(count: rows)
    }

    /// The loss of the first `n` examples (mean over rows, or over weighted
    /// rows), writing d(loss) for backward when `training`.
    public func compute(_ n: Int, training: Bool) -> Double {
        let rows = n * rowsPerExample
        let weights: UnsafePointer<Float>? = hasRowWeights ? UnsafePointer(rowWeights.pointer) : nil
        var divisor: Double? = nil
        if hasRowWeights {
            var total = 0.0
            for r in 0..<rows { total += Double(rowWeights.pointer[r]) }
            divisor = max(total, 1)
        }
        let y = plan.values[output].pointer
        let dy = training ? plan.gradients[output]?.pointer : nil
        let probabilities: UnsafeMutablePointer<Float>? = fusedNode == nil ? nil : y
        // Evaluation runs the output's own activation; the fused formulas apply in training only,
        // except for a linear output, whose values are the logits in both.
        let useLogits = (training && fusion != .none) || (fusion != .none && fusedNode == nil)
        let dl = training ? dLogits?.pointer : nil
        switch (loss, useLogits ? fusion : .none) {
        case (.crossEntropy, .softmax):
            if targetsMode == .labels {
                return softmaxCrossEntropyLoss(dLogits: dl, probabilities: probabilities, logits: logits.pointer,
                                               labels: labels.pointer, rows: rows, width: width, rowWeights: weights, divisor: divisor)
            }
            return softmaxCrossEntropyLoss(dLogits: dl, probabilities: probabilities, logits: logits.pointer,
                                           targets: targets.pointer, rows: rows, width: width, rowWeights: weights, divisor: divisor)
        case (.binaryCrossEntropy, .sigmoid):
            return sigmoidBinaryCrossEntropyLoss(dLogits: dl, probabilities: probabilities, logits: logits.pointer,
                                                 targets: targets.pointer, rows: rows, width: width, rowWeights: weights, divisor: divisor)
        case (.crossEntropy, _):
            if targetsMode == .labels {
                return crossEntropyLoss(dInput: dy, probabilities: y, labels: labels.pointer, rows: rows, width: width,
                                        rowWeights: weights, divisor: divisor)
            }
            return crossEntropyLoss(dInput: dy, probabilities: y, targets: targets.pointer, rows: rows, width: width,
                                    rowWeights: weights, divisor: divisor)
        case (.binaryCrossEntropy, _):
            return binaryCrossEntropyLoss(dInput: dy, probabilities: y, targets: targets.pointer, rows: rows, width: width,
                                          rowWeights: weights, divisor: divisor)
        case (.sse, _):
            return sseLoss(dInput: dy, input: y, target: targets.pointer, rows: rows, width: width, rowWeights: weights, divisor: divisor)
        case (.mse, _):
            return mseLoss(dInput: dy, input: y, target: targets.pointer, rows: rows, width: width, rowWeights: weights, divisor: divisor)
        }
    }
}

extension Plan {
    /// Attaches the training loss, choosing the fused form where a rule applies.
    /// `labels`: the targets are class indices (cross_entropy only); otherwise vectors.
    /// `fuse: false` runs the loss on the output unfused (to test the fused rules against).
    public func attachLoss(_ loss: LossKind, labels useLabels: Bool, fuse: Bool = true) {
        let out = graph.nodes[output]
        let mode: LossHead.Targets = useLabels && loss == .crossEntropy ? .labels : .vectors
        let wanted: LossHead.Fusion = loss == .crossEntropy ? .softmax : loss == .binaryCrossEntropy ? .sigmoid : .none
        let wantedActivation: Activation = wanted == .softmax ? .softmax : .sigmoid
        let rule: FusionRule = wanted == .softmax ? .softmaxCrossEntropy : .sigmoidBinaryCrossEntropy
        func make(_ fusion: LossHead.Fusion, node: Int?, rule: FusionRule?, logits: FloatBuffer, dLogits: FloatBuffer?) {
            head = LossHead(plan: self, loss: loss, targetsMode: mode, fusion: fusion, fusedNode: node, rule: rule,
                            logits: logits, dLogits: dLogits)
        }
        guard fuse, wanted != .none, let step = steps.last(where: { $0.output == output }) else {
            make(.none, node: nil, rule: nil, logits: values[output], dLogits: nil)
            return
        }
        switch step.kind {
        case .activation(let a) where a == wantedActivation:
            if let logitsNode = out.inputs.first, logitsNode > 0, readers[logitsNode].count == 1, let g = gradients[logitsNode] {
                make(wanted, node: output, rule: rule, logits: values[logitsNode], dLogits: g)
                return
            }
        case .dense(let d) where d.activation == wantedActivation:
            if let dPre = d.dPreactivation {
                make(wanted, node: output, rule: rule, logits: FloatBuffer(count: batch * perExample[output]), dLogits: dPre)
                return
            }
        case .rnn(let r) where r.outputActivation == wantedActivation:
            if let raw = r.raw, let dRaw = r.dRaw {
                make(wanted, node: output, rule: rule, logits: raw, dLogits: dRaw)
                return
            }
        case .dense(let d) where d.activation == .linear:
            make(wanted, node: nil, rule: nil, logits: values[output], dLogits: gradients[output])
            return
        case .activation, .conv, .pool, .dropout, .noise, .flatten, .add, .concat, .threshold, .hopfield, .pca, .lstm, .dense, .rnn:
            break
        }
        make(.none, node: nil, rule: nil, logits: values[output], dLogits: nil)
    }
}
