import NNCIR
import NNCKernels
import NNCSpec

/// A compiled network for one batch size and sequence length: every buffer
/// allocated once, a list of (fused) steps to run forward and backward. A
/// training step after `init` allocates nothing.
///
/// Buffers are batch-major ([N, ...per example]); a step that gets fewer
/// examples than the plan's batch (the last batch of an epoch) runs on the
/// first `n` rows.
public final class Plan: @unchecked Sendable {
    // @unchecked: one run drives a plan from one thread; kernels split work
    // over the pool on disjoint ranges of its buffers.
    public let graph: Graph
    public let parameters: ParameterStore
    public let batch: Int
    /// The sequence length T bound for this plan (symbolic dims), or nil.
    public let sequenceLength: Int?
    public let pool: ThreadPool?
    /// Floats per example of each node's output.
    public let perExample: [Int]
    /// Each node's output, by node id (flatten shares its input's buffer).
    public private(set) var values: [FloatBuffer]
    /// Each node's output gradient (nil: no gradient flows there).
    public private(set) var gradients: [FloatBuffer?]
    /// Per-example valid sequence lengths for recurrent layers ([batch]).
    public let lengths: LabelBuffer
    public var hasLengths = false
    /// The (fused) steps in execution order: what inference and evaluation run.
    public internal(set) var steps: [Step]
    /// What training runs: `steps` with the output's activation left to the loss where a
    /// fusion rule computes them together, and the loss as the last step (`attachLoss`).
    public internal(set) var trainingSteps: [Step] = []
    /// The loss the last training forward computed (mean over the batch's rows).
    public internal(set) var lastLoss = 0.0
    /// While set (by the trainer, around one backward pass), dense steps marked by
    /// `foldSGDIntoBackward` apply the plain SGD step with this rate themselves.
    var sgdLearningRate: Float?
    /// Whether a training step (`BackpropTrainer.step`) and an inference call
    /// (`forward(_:training: false)`) share their jobs over the pool: each kind timed both ways.
    var trainingStepGovernor = StepGovernor(), inferenceStepGovernor = StepGovernor()
    /// Readers of each node, to accumulate gradients where a node fans out.
    let readers: [[Int]]
    let scratchGradient: [FloatBuffer?]
    /// Dropout and noise masks come from here.
    public var random: SeededRandom
    /// Backpropagation through time truncation (0: full).
    public var truncation = 0
    /// The loss attached for training, if any.
    public internal(set) var head: LossHead?

    public var output: Int { graph.output }

    /// - Parameters:
    ///   - bindings: values of symbolic dimensions (e.g. T).
    ///   - training: allocate gradients and backward workspaces.
    ///   - fuse: apply the fusion pass (off only to test fused against unfused steps).
    public init(graph: Graph, parameters: ParameterStore, batch: Int, bindings: [String: Int],
                training: Bool, pool: ThreadPool?, random: SeededRandom, fuse: Bool = true) throws {
        self.graph = graph
        self.parameters = parameters
        self.batch = max(1, batch)
        self.pool = pool
        self.random = random
        self.sequenceLength = bindings.values.first
        let n = self.batch
        perExample = try Self.floatsPerExample(graph, bindings: bindings)
        var readers = Array(repeating: [Int](), count: graph.nodes.count)
        for node in graph.nodes { for i in node.inputs { readers[i].append(node.id) } }
        self.readers = readers

        // Which nodes need gradients: those downstream of (or at) a layer with parameters.
        var needs = Array(repeating: false, count: graph.nodes.count)
        if training {
            for node in graph.nodes where node.id > 0 {
                needs[node.id] = !node.parameterLayout.isEmpty
                    || node.inputs.contains { needs[$0] }
            }
        }
        // Buffers: one per node; flatten shares its input's when it is that input's only reader.
        var values: [FloatBuffer] = []
        var gradients: [FloatBuffer?] = []
        var scratch: [FloatBuffer?] = []
        for node in graph.nodes {
            let count = n * perExample[node.id]
            if case .layer(.flatten) = node.op, let i = node.inputs.first, readers[i].count == 1 {
                values.append(values[i])
                gradients.append(gradients[i])
            } else {
                values.append(FloatBuffer(count: count))
                gradients.append(needs[node.id] ? FloatBuffer(count: count) : nil)
            }
            scratch.append(needs[node.id] && readers[node.id].count > 1 ? FloatBuffer(count: count) : nil)
        }
        // A fused head writes straight into its absorbed activation's buffers.
        let groups = fuse ? Fusion.groups(graph) : []
        for group in groups {
            if let act = group.activation {
                values[group.head] = values[act]
                gradients[group.head] = gradients[act]
            }
        }
        self.values = values
        self.gradients = gradients
        self.scratchGradient = scratch
        lengths = LabelBuffer(count: n)
        steps = []
        steps = try graph.nodes.dropFirst().map { try makeStep($0, training: training) }
        applyFusion(groups)
        trainingSteps = steps
    }

    /// Floats of each node's output for one example, symbolic dimensions bound.
    static func floatsPerExample(_ graph: Graph, bindings: [String: Int]) throws -> [Int] {
        try graph.nodes.map { node in
            guard let shape = node.shape else { throw RunError.bug("a layer has no shape") }
            var total = 1
            for d in shape {
                let v: Int
                switch d {
                case .fixed(let x): v = x
                case .symbol(let s):
                    guard let b = bindings[s] else { throw RunError.data("the size of '\(s)' is not known from the data") }
                    v = b
                }
                let (r, o) = total.multipliedReportingOverflow(by: v)
                guard !o else { throw RunError.data("a layer's size overflows") }
                total = r
            }
            return total
        }
    }

    /// A generous estimate of the bytes a plan and its parameters take: every
    /// output with its gradient and a scratch copy, parameters with gradients
    /// and two optimizer states, and recurrent storage. Checked against the
    /// machine's memory before anything is allocated.
    public static func estimatedBytes(graph: Graph, batch: Int, bindings: [String: Int], training: Bool) throws -> Double {
        let activations = try floatsPerExample(graph, bindings: bindings).reduce(0.0) { $0 + Double($1) }
        var recurrent = 0.0
        for node in graph.nodes {
            guard case .layer(let op) = node.op, let shape = graph.nodes[node.inputs.first ?? 0].shape,
                  let first = shape.first, let features = shape.last?.fixed else { continue }
            let steps = Double(first.fixed ?? bindings.values.first ?? 1)
            switch op {
            case .rnn(let o): recurrent += steps * Double(features + 3 * o.units + 2 * (o.output?.units ?? 0))
            case .lstm(let o): recurrent += steps * Double(2 * features + 10 * o.units)
            case .dense, .threshold, .hopfield, .conv2d, .pool, .flatten, .activation, .dropout, .noise, .pca, .add, .concat: break
            }
        }
        let parameters = Double(graph.totalParameters)
        let perExample = activations * (training ? 3 : 1) + recurrent * (training ? 2 : 1)
        return 4 * (Double(max(1, batch)) * perExample + parameters * (training ? 4 : 1))
    }

    public func value(_ node: Int) -> FloatBuffer { values[node] }
    public func gradient(_ node: Int) -> FloatBuffer? { gradients[node] }

    /// Rows of node `id`'s output for n examples when viewed as [rows, lastDim].
    func rows(_ id: Int, _ n: Int) -> Int {
        let width = lastDim(id)
        return width == 0 ? 0 : n * perExample[id] / width
    }

    func lastDim(_ id: Int) -> Int {
        switch graph.nodes[id].shape?.last {
        case .fixed(let x)?: return x
        case .symbol?: return sequenceLength ?? 1
        case nil: return 1
        }
    }
}

public enum RunError: Error, CustomStringConvertible, Sendable {
    case data(String)
    case diverged(String)
    case interrupted
    case bug(String)

    public var description: String {
        switch self {
        case .data(let m): return m
        case .diverged(let m): return m
        case .interrupted: return "interrupted"
        case .bug(let m): return "internal error: \(m)"
        }
    }
}
