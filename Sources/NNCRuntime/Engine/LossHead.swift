import NNCIR
import NNCKernels
import NNCSpec

/// The loss at the model's output, run as the last training step (`Step.Kind.loss`):
/// reads the output (or the logits before its softmax/sigmoid), compares with the
/// batch's targets, and writes the gradient where backward starts.
///
/// Fusion rules (each checked against the unfused ops in the tests):
/// - `softmax+cross_entropy`: a softmax output (a `softmax` layer, or a dense
///   or rnn output block with softmax) and cross_entropy: one pass computes
///   the probabilities, the loss and d(logits) = (p − t)/rows.
/// - `sigmoid+binary_cross_entropy`: likewise for a sigmoid output.
/// A fused rule changes what training runs (`Plan.trainingSteps`): the softmax
/// layer's step is left out, or the dense/rnn output step keeps its logits
/// (activation linear). A linear output with cross_entropy (or binary_cross_entropy)
/// is taken as logits. Everything else runs the loss on the output and lets the
/// output layer's backward apply its activation.
public final class LossHead: @unchecked Sendable {
    // @unchecked: buffers owned by the plan's run, used from one thread.
    public enum Targets: Sendable { case labels, vectors }
    enum Fusion { case none, softmax, sigmoid }

    public let loss: LossKind
    public let targetsMode: Targets
    let fusion: Fusion
    /// The node whose activation the head computes in training (nil: none).
    public let fusedNode: Int?
    /// Whether the logits are the output's own values in training (a dense or rnn output
    /// step made linear), copied to `logits` before the probabilities overwrite them.
    let logitsInOutput: Bool
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
         logits: FloatBuffer, dLogits: FloatBuffer?, logitsInOutput: Bool) {
        self.logitsInOutput = logitsInOutput
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

    /// The loss of the first `n` examples (mean over rows, or over weighted rows).
    /// In training it runs as the loss step (once per forward: it writes the output's
    /// probabilities over its logits) and writes d(loss) for backward.
    func compute(_ n: Int, training: Bool) -> Double {
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
        if training && logitsInOutput { logits.pointer.update(from: y, count: rows * width) }
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
    /// Attaches the training loss, choosing the fused form where a rule applies, and
    /// makes `trainingSteps`: the steps (the fused output in its logits form) and the loss.
    /// `labels`: the targets are class indices (cross_entropy only); otherwise vectors.
    /// `fuse: false` runs the loss on the output unfused (to test the fused rules against).
    public func attachLoss(_ loss: LossKind, labels useLabels: Bool, fuse: Bool = true) {
        let out = graph.nodes[output]
        let mode: LossHead.Targets = useLabels && loss == .crossEntropy ? .labels : .vectors
        let wanted: LossHead.Fusion = loss == .crossEntropy ? .softmax : loss == .binaryCrossEntropy ? .sigmoid : .none
        let wantedActivation: Activation = wanted == .softmax ? .softmax : .sigmoid
        let rule: FusionRule = wanted == .softmax ? .softmaxCrossEntropy : .sigmoidBinaryCrossEntropy
        var training = steps
        var logitsNode = output
        func make(_ fusion: LossHead.Fusion, fused: Bool, logits: FloatBuffer, dLogits: FloatBuffer?, inOutput: Bool = false) {
            head = LossHead(plan: self, loss: loss, targetsMode: mode, fusion: fusion, fusedNode: fused ? output : nil,
                            rule: fused ? rule : nil, logits: logits, dLogits: dLogits, logitsInOutput: inOutput)
        }
        make(.none, fused: false, logits: values[output], dLogits: nil)
        if fuse, wanted != .none, let index = steps.lastIndex(where: { $0.output == output }) {
            switch steps[index].kind {
            case .activation(let a) where a == wantedActivation:
                // The softmax layer's step is left out: the head reads its input.
                if let input = out.inputs.first, input > 0, readers[input].count == 1, let g = gradients[input] {
                    make(wanted, fused: true, logits: values[input], dLogits: g)
                    training.remove(at: index)
                    logitsNode = input
                }
            case .dense(var d) where d.activation == wantedActivation && d.penalty.l1 == 0 && d.penalty.contractive == 0:
                // (Penalties on the output need its activated values in the forward pass: unfused.)
                if d.dPreactivation != nil, let g = gradients[output] {
                    make(wanted, fused: true, logits: FloatBuffer(count: batch * perExample[output]), dLogits: g, inOutput: true)
                    d.activation = .linear
                    training[index].kind = .dense(d)
                }
            case .rnn(var r) where r.outputActivation == wantedActivation:
                if r.raw != nil, let g = gradients[output] {
                    make(wanted, fused: true, logits: FloatBuffer(count: batch * perExample[output]), dLogits: g, inOutput: true)
                    r.outputActivation = .linear
                    r.raw = nil
                    r.dRaw = nil
                    training[index].kind = .rnn(r)
                }
            case .dense(let d) where d.activation == .linear:
                make(wanted, fused: false, logits: values[output], dLogits: gradients[output])
            case .activation, .conv, .pool, .dropout, .noise, .flatten, .add, .concat, .threshold, .hopfield, .pca, .lstm,
                 .dense, .rnn, .loss:
                break
            }
        }
        trainingSteps = training + [Step(node: output, inputs: [logitsNode], output: output, kind: .loss, rule: head?.rule)]
    }
}
