import NNCIR
import NNCKernels
import NNCSpec

/// One unit of work of a plan: a layer, or several fused into one pass.
public struct Step {
    public let node: Int
    public let inputs: [Int]
    /// The node whose output the step produces (a fused group's last node).
    public var output: Int
    var kind: Kind
    /// The fusion rule that produced this step, if any (see `FusionRules`).
    public var rule: FusionRule?

    enum Kind {
        case dense(DenseStep)
        case conv(ConvStep)
        case pool(PoolStep)
        case activation(Activation)
        case dropout(rate: Float, mask: FloatBuffer)
        case noise(Noise, mask: FloatBuffer)
        case flatten
        case add
        case concat
        case threshold(ThresholdStep)
        case hopfield(HopfieldStep)
        case pca(PCAStep)
        case rnn(RNNStep)
        case lstm(LSTMStep)
        /// The training loss (`Plan.head`), the last step of `trainingSteps`: it reads the
        /// output (or its logits), writes the loss and the gradient backward starts from.
        case loss
    }

    struct DenseStep {
        var weight: ParameterStore.Entry
        var bias: ParameterStore.Entry?
        var inputSize: Int
        var outputSize: Int
        var activation: Activation
        /// Pre-activation gradient workspace [rows, out].
        var dPreactivation: FloatBuffer?
        var penalty: Penalty
        /// Contractive penalty: ‖W_j‖² per unit, and scratch.
        var rowNorms: FloatBuffer?
        var penaltyScratch: FloatBuffer?
        /// [rows · max(in, out)] for the products run with units as rows (`DenseTransposition`), else nil.
        var transposeScratch: FloatBuffer?
        /// Wᵀ packed for the GEMM once by `Plan.freezeWeights` (inference with fixed weights), else nil.
        var packedWeight: FloatBuffer?
        /// Set by `Plan.foldSGDIntoBackward`: while `Plan.sgdLearningRate` is set, backward
        /// applies the SGD step to W and b itself (`denseBackwardSGD`; [out] scratch for b's sums).
        var sgdBiasScratch: FloatBuffer?
        var foldsSGD = false
    }

    struct ConvStep {
        var geometry: Conv2DGeometry
        var weight: ParameterStore.Entry
        var bias: ParameterStore.Entry?
        var activation: Activation
        var workspace: FloatBuffer
        /// A pooling layer fused after it: (its node, the step).
        var pool: (node: Int, step: PoolStep)?
        /// Weight and bias packed for the direct kernel once by `Plan.freezeWeights`, else nil.
        var packedWeights: FloatBuffer? = nil
    }

    struct PoolStep {
        var geometry: Pool2DGeometry
        var isMax: Bool
        var indices: LabelBuffer?
    }

    struct ThresholdStep {
        var weight: ParameterStore.Entry
        var threshold: ParameterStore.Entry
        var inputSize: Int
        var units: Int
        var auto: Bool
        var tolerance: Float
        var bipolar: Bool
    }

    struct HopfieldStep {
        var weight: ParameterStore.Entry
        var units: Int
        var options: HopfieldOptions
        /// [batch]: the sweeps each example's recall took in the last forward pass (the `sweeps` metric).
        var sweeps: LabelBuffer
    }

    struct PCAStep {
        var components: ParameterStore.Entry
        var mean: ParameterStore.Entry
        var count: Int
        var features: Int
        var scratch: FloatBuffer
    }

    struct RNNStep {
        var shape: RNNShape
        var parameters: ParameterStore.Entry
        var parameterCount: Int
        var storage: FloatBuffer
        var workspace: FloatBuffer?
        /// The output block's activation, applied after the kernel (linear: none).
        var outputActivation: Activation
        /// Kernel output before the block's activation, when there is one.
        var raw: FloatBuffer?
        var dRaw: FloatBuffer?
        var hasBias: Bool
    }

    struct LSTMStep {
        var shape: LSTMShape
        var parameters: ParameterStore.Entry
        var parameterCount: Int
        var storage: FloatBuffer
        var workspace: FloatBuffer?
        /// W_xᵀ and W_hᵀ packed once for inference with frozen weights (`freezeWeights`).
        var packedWeights: FloatBuffer? = nil
    }
}

extension Plan {
    func makeStep(_ node: IRNode, training: Bool) throws -> Step {
        guard case .layer(let op) = node.op else { throw RunError.bug("input node in steps") }
        let n = batch
        let input = node.inputs.first ?? 0
        let inShape = graph.nodes[input].shape ?? []
        func entry(_ role: ParameterRole) throws -> ParameterStore.Entry {
            guard let e = parameters.entry(node: node.id, role: role) else { throw RunError.bug("\(node.name).\(role.rawValue) missing") }
            return e
        }
        let kind: Step.Kind
        switch op {
        case .dense(let o):
            let rows = rows(input, n)
            let needsBackward = training
            var step = Step.DenseStep(weight: try entry(.weight), bias: o.bias ? try entry(.bias) : nil,
                                      inputSize: lastDim(input), outputSize: o.units, activation: kernelActivation(o.activation),
                                      dPreactivation: needsBackward ? FloatBuffer(count: rows * o.units) : nil,
                                      penalty: o.penalty, rowNorms: nil, penaltyScratch: nil, packedWeight: nil)
            let transposition = DenseTransposition(batch: rows, inputSize: step.inputSize, outputSize: o.units)
            if transposition.scratchCount > 0 { step.transposeScratch = FloatBuffer(count: transposition.scratchCount) }
            if o.penalty.contractive > 0 {
                step.rowNorms = FloatBuffer(count: o.units)
                step.penaltyScratch = FloatBuffer(count: o.units)
            }
            kind = .dense(step)
        case .conv2d(let o):
            guard inShape.count == 3, let c = inShape[0].fixed, let h = inShape[1].fixed, let w = inShape[2].fixed,
                  let pad = o.resolvedPadding else { throw RunError.bug("conv input") }
            let g = Conv2DGeometry(batch: n, inChannels: c, inHeight: h, inWidth: w, outChannels: o.filters,
                                   kernelHeight: o.kernel.0, kernelWidth: o.kernel.1, strideH: o.stride.0, strideW: o.stride.1,
                                   padH: pad.0, padW: pad.1)
            kind = .conv(Step.ConvStep(geometry: g, weight: try entry(.weight), bias: o.bias ? try entry(.bias) : nil,
                                       activation: kernelActivation(o.activation),
                                       workspace: FloatBuffer(count: conv2dWorkspaceSize(geometry: g, threads: pool?.threadCount ?? 1)),
                                       pool: nil))
        case .pool(let o):
            guard inShape.count == 3, let c = inShape[0].fixed, let h = inShape[1].fixed, let w = inShape[2].fixed
            else { throw RunError.bug("pool input") }
            let g = Pool2DGeometry(batch: n, channels: c, inHeight: h, inWidth: w, windowHeight: o.size.0, windowWidth: o.size.1,
                                   strideH: o.stride.0, strideW: o.stride.1)
            kind = .pool(Step.PoolStep(geometry: g, isMax: o.isMax, indices: o.isMax ? LabelBuffer(count: n * perExample[node.id]) : nil))
        case .activation(let a): kind = .activation(kernelActivation(a))
        case .dropout(let rate): kind = .dropout(rate: Float(rate), mask: FloatBuffer(count: n * perExample[node.id]))
        case .noise(let noise):
            let k: Noise
            switch noise {
            case .gaussian(let s): k = .gaussian(std: Float(s))
            case .mask(let p): k = .mask(probability: Float(p))
            case .saltPepper(let p): k = .saltPepper(probability: Float(p))
            }
            kind = .noise(k, mask: FloatBuffer(count: n * perExample[node.id]))
        case .flatten: kind = .flatten
        case .add: kind = .add
        case .concat: kind = .concat
        case .threshold(let o):
            kind = .threshold(Step.ThresholdStep(weight: try entry(.weight), threshold: try entry(.threshold),
                                                 inputSize: lastDim(input), units: o.units, auto: o.threshold == .auto,
                                                 tolerance: Float(o.tolerance), bipolar: o.bipolar))
        case .hopfield(let o):
            kind = .hopfield(Step.HopfieldStep(weight: try entry(.weight), units: lastDim(input), options: o,
                                               sweeps: LabelBuffer(count: n)))
        case .pca(let c):
            kind = .pca(Step.PCAStep(components: try entry(.components), mean: try entry(.mean), count: c,
                                     features: lastDim(input), scratch: FloatBuffer(count: n * c)))
        case .rnn(let o):
            let steps = try sequenceSteps(inShape)
            let shape = ParameterStore.rnnShape(o, batch: n, steps: steps, inputSize: lastDim(input))
            let outAct = kernelActivation(o.output?.activation ?? .linear)
            let needsRaw = o.output != nil && outAct != .linear
            try checkKernelLayout(shape.parameterSlices, node)
            kind = .rnn(Step.RNNStep(shape: shape, parameters: try entry(.inputWeight), parameterCount: shape.parameterCount,
                                     storage: FloatBuffer(count: shape.storageCount),
                                     workspace: training ? FloatBuffer(count: shape.workspaceCount) : nil,
                                     outputActivation: needsRaw ? outAct : .linear,
                                     raw: needsRaw ? FloatBuffer(count: shape.outputCount) : nil,
                                     dRaw: needsRaw && training ? FloatBuffer(count: shape.outputCount) : nil,
                                     hasBias: o.bias))
        case .lstm(let o):
            let steps = try sequenceSteps(inShape)
            let shape = LSTMShape(batch: n, steps: steps, inputSize: lastDim(input), hiddenSize: o.units,
                                  returnSequence: o.returnSequence)
            try checkKernelLayout(shape.parameterSlices, node)
            kind = .lstm(Step.LSTMStep(shape: shape, parameters: try entry(.inputWeight), parameterCount: shape.parameterCount,
                                       storage: FloatBuffer(count: shape.storageCount),
                                       workspace: training ? FloatBuffer(count: shape.workspaceCount) : nil))
        }
        return Step(node: node.id, inputs: node.inputs, output: node.id, kind: kind, rule: nil)
    }

    /// A recurrent kernel reads its parameters as one flat block: it must be the layout the
    /// IR resolved (same tensors, shapes and order), which the store allocated contiguously.
    func checkKernelLayout(_ slices: [ParameterSlice], _ node: IRNode) throws {
        let kernel = slices.map { "\($0.name) \($0.shape)" }
        let ir = node.parameterLayout.map { "\($0.role.rawValue) \($0.shape)" }
        guard kernel == ir else { throw RunError.bug("\(node.name): kernel layout \(kernel) ≠ IR layout \(ir)") }
    }

    /// T of a sequence input [T, F]: fixed, or bound from the data.
    func sequenceSteps(_ shape: Shape) throws -> Int {
        guard let first = shape.first else { throw RunError.bug("sequence shape") }
        switch first {
        case .fixed(let t): return t
        case .symbol: guard let t = sequenceLength else { throw RunError.data("sequence length unknown") }; return t
        }
    }
}

extension Plan {
    /// Applies the fusion groups: the head step takes over the absorbed
    /// activation (and pooling) layers, whose own steps are dropped.
    func applyFusion(_ groups: [FusionGroup]) {
        for group in groups {
            guard let headIndex = steps.firstIndex(where: { $0.node == group.head }) else { continue }
            var head = steps[headIndex]
            var absorbed: Set<Int> = []
            if let act = group.activation, let actStep = steps.first(where: { $0.node == act }),
               case .activation(let a) = actStep.kind {
                switch head.kind {
                case .dense(var d): d.activation = a; head.kind = .dense(d)
                case .conv(var c): c.activation = a; head.kind = .conv(c)
                case .pool, .activation, .dropout, .noise, .flatten, .add, .concat, .threshold, .hopfield, .pca, .rnn, .lstm, .loss:
                    continue
                }
                absorbed.insert(act)
            }
            if let poolNode = group.pool, let poolStep = steps.first(where: { $0.node == poolNode }),
               case .pool(let p) = poolStep.kind, case .conv(var c) = head.kind {
                c.pool = (poolNode, p)
                head.kind = .conv(c)
                absorbed.insert(poolNode)
            }
            head.output = group.output
            head.rule = group.rule
            steps[headIndex] = head
            steps.removeAll { absorbed.contains($0.node) }
        }
    }
}
