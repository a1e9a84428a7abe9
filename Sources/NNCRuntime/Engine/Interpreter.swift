import NNCIR
import NNCKernels
import NNCSpec

/// Running a plan: forward in step order, backward in reverse. Parameter
/// gradients accumulate (+=) into `parameters.gradients`; the caller zeroes
/// them before each batch. Activation gradients are assigned, except where a
/// node fans out to several readers: each reader writes into a scratch
/// buffer that is then added in, in a fixed order (same bits every run).
extension Plan {
    /// Runs every step on the first `n` examples of the input buffer.
    /// Training runs `trainingSteps`: dropout and noise on, and the loss last
    /// (in `lastLoss`). Returns the sum of the layers' penalties Ω (0 outside training).
    /// An inference call is one step of its plan's `inferenceStepGovernor`.
    @discardableResult
    public func forward(_ n: Int, training: Bool) -> Double {
        let inferenceStep = training ? nil : pool.map { ($0, $0.beginStep(inferenceStepGovernor)) }
        var penalty = 0.0
        for step in training ? trainingSteps : steps {
            penalty += forward(step, n, training: training)
        }
        if let (pool, started) = inferenceStep { pool.endStep(&inferenceStepGovernor, started: started, work: n) }
        return penalty
    }

    func ptr(_ node: Int) -> UnsafeMutablePointer<Float> { values[node].pointer }

    func forward(_ step: Step, _ n: Int, training: Bool) -> Double {
        let node = step.node
        let input = step.inputs.first ?? 0
        let x = ptr(input), y = ptr(node)
        switch step.kind {
        case .dense(let d):
            let rows = rows(input, n)
            let w = parameters.pointer(d.weight), b = d.bias.map { parameters.pointer($0) }
            if !training && denseInferenceForward(d, input: x, output: y, rows: rows) { return 0 }
            denseForward(output: y, input: x, weight: w, bias: b, batch: rows, inputSize: d.inputSize,
                         outputSize: d.outputSize, activation: d.activation,
                         transposeScratch: d.transposeScratch?.pointer, pool: pool)
            guard training else { return 0 }
            var omega = 0.0
            let perBatch = Float(1) / Float(n)
            if d.penalty.l1 > 0 { omega += l1Penalty(values: y, count: rows * d.outputSize, lambda: Float(d.penalty.l1) * perBatch) }
            if d.penalty.l2 > 0 { omega += l2Penalty(values: w, count: d.weight.count, lambda: Float(d.penalty.l2)) }
            if d.penalty.contractive > 0, let norms = d.rowNorms {
                omega += contractivePenalty(rowNormsSquared: norms.pointer, hidden: y, weight: w, batch: rows,
                                            inputSize: d.inputSize, hiddenSize: d.outputSize, activation: d.activation,
                                            lambda: Float(d.penalty.contractive) * perBatch)
            }
            return omega
        case .conv(var c):
            c.geometry.batch = n
            if convFusedForward(step, c, input: x, n, training: training) { return 0 }
            conv2dForward(output: y, input: x, weight: parameters.pointer(c.weight), bias: c.bias.map { parameters.pointer($0) },
                          geometry: c.geometry, workspace: c.workspace.buffer, pool: pool)
            if case (let poolNode, var p)? = c.pool {
                p.geometry.batch = n
                let pooled = ptr(poolNode)
                if let indices = p.indices {
                    // Max pooling commutes with every (non-decreasing) activation: pool the
                    // pre-activations, then activate the 4× smaller result.
                    maxPool2dForward(output: pooled, indices: indices.pointer, input: y, geometry: p.geometry, pool: pool)
                    if c.activation != .linear {
                        activationForward(c.activation, output: pooled, input: pooled, rows: rows(poolNode, n), width: lastDim(poolNode))
                    }
                } else {
                    if c.activation != .linear {
                        activationForward(c.activation, output: y, input: y, rows: rows(node, n), width: lastDim(node))
                    }
                    avgPool2dForward(output: pooled, input: y, geometry: p.geometry, pool: pool)
                }
            } else if c.activation != .linear {
                activationForward(c.activation, output: y, input: y, rows: rows(node, n), width: lastDim(node))
            }
        case .pool(var p):
            p.geometry.batch = n
            if let indices = p.indices {
                maxPool2dForward(output: y, indices: indices.pointer, input: x, geometry: p.geometry, pool: pool)
            } else {
                avgPool2dForward(output: y, input: x, geometry: p.geometry, pool: pool)
            }
        case .activation(let a):
            activationForward(a, output: y, input: x, rows: rows(node, n), width: lastDim(node))
        case .dropout(let rate, let mask):
            let count = n * perExample[node]
            if training && rate > 0 {
                dropoutForward(output: y, mask: mask.pointer, input: x, count: count, rate: rate, random: &random)
            } else if x != y {
                y.update(from: x, count: count)
            }
        case .noise(let noise, let mask):
            let count = n * perExample[node]
            if training {
                noiseForward(output: y, mask: mask.pointer, input: x, count: count, noise: noise, random: &random)
            } else if x != y {
                y.update(from: x, count: count)
            }
        case .flatten:
            if x != y { y.update(from: x, count: n * perExample[node]) }
        case .add:
            let count = n * perExample[node]
            y.update(from: x, count: count)
            for other in step.inputs.dropFirst() {
                let z = ptr(other)
                for i in 0..<count { y[i] += z[i] }
            }
        case .concat:
            let outWidth = lastDim(node)
            let rowCount = rows(node, n)
            var column = 0
            for i in step.inputs {
                let width = lastDim(i), src = ptr(i)
                for r in 0..<rowCount { (y + r * outWidth + column).update(from: src + r * width, count: width) }
                column += width
            }
        case .threshold(let t):
            thresholdForward(t, output: y, input: x, n: n)
        case .hopfield(let h):
            hopfieldForward(h, output: y, input: x, n: n)
        case .pca(let p):
            pcaForward(p, output: y, input: x, n: n)
        case .rnn(var r):
            r.shape.batch = n
            let params = parameters.values.pointer + r.parameters.offset
            rnnForward(output: r.raw?.pointer ?? y, storage: r.storage.pointer, input: x, parameters: params,
                       lengths: hasLengths ? UnsafePointer(lengths.pointer) : nil, shape: r.shape, pool: pool)
            if let raw = r.raw {
                activationForward(r.outputActivation, output: y, input: raw.pointer, rows: rows(node, n), width: lastDim(node))
            }
        case .lstm(var l):
            l.shape.batch = n
            let params = parameters.values.pointer + l.parameters.offset
            lstmForward(output: y, storage: l.storage.pointer, input: x, parameters: params,
                        lengths: hasLengths ? UnsafePointer(lengths.pointer) : nil, shape: l.shape,
                        packedWeights: training ? nil : l.packedWeights.map { UnsafePointer($0.pointer) }, pool: pool)
        case .loss:
            lastLoss = head?.compute(n, training: training) ?? 0
        }
        return 0
    }

    /// Backward from the output gradient the loss step wrote, in reverse step order.
    public func backward(_ n: Int) {
        for (id, buffer) in gradients.enumerated() where readers[id].count > 1 {
            buffer?.zero(n * perExample[id])
        }
        for step in trainingSteps.reversed() {
            guard let dOut = gradients[step.output] else { continue }
            backward(step, n, dOut: dOut.pointer)
        }
    }

    /// Where a step writes the gradient for its input `i` (nil: not needed).
    private func inputGradient(_ i: Int) -> UnsafeMutablePointer<Float>? {
        guard let g = gradients[i] else { return nil }
        return readers[i].count > 1 ? scratchGradient[i]?.pointer : g.pointer
    }

    /// Adds a reader's scratch contribution into a fanned-out node's gradient.
    private func finishInputGradient(_ i: Int, _ n: Int) {
        guard readers[i].count > 1, let g = gradients[i], let s = scratchGradient[i] else { return }
        let count = n * perExample[i]
        let dst = g.pointer, src = s.pointer
        for k in 0..<count { dst[k] += src[k] }
    }

    func backward(_ step: Step, _ n: Int, dOut: UnsafeMutablePointer<Float>) {
        let node = step.node
        let input = step.inputs.first ?? 0
        let x = ptr(input), y = ptr(node)
        let dx = inputGradient(input)
        switch step.kind {
        case .dense(let d):
            guard let dPre = d.dPreactivation?.pointer else { return }
            let rows = rows(input, n)
            let w = parameters.pointer(d.weight), dw = parameters.gradient(d.weight)
            let db = d.bias.map { parameters.gradient($0) }
            let perBatch = Float(1) / Float(n)
            if d.penalty.l1 > 0 {
                l1PenaltyBackward(dValues: dOut, values: y, count: rows * d.outputSize, lambda: Float(d.penalty.l1) * perBatch)
            }
            activationBackward(d.activation, dInput: dPre, dOutput: dOut, output: y, rows: rows, width: d.outputSize)
            if d.penalty.contractive > 0, let norms = d.rowNorms, let scratch = d.penaltyScratch {
                contractivePenaltyBackward(dPreactivation: dPre, dWeight: dw, workspace: scratch.pointer,
                                           rowNormsSquared: norms.pointer, hidden: y, weight: w, batch: rows,
                                           inputSize: d.inputSize, hiddenSize: d.outputSize, activation: d.activation,
                                           lambda: Float(d.penalty.contractive) * perBatch)
            }
            if d.foldsSGD, let lr = sgdLearningRate {
                // The trainer's SGD step for this layer, done here (no gradient kept).
                denseBackwardSGD(dInput: dx, weight: w, bias: d.bias.map { parameters.pointer($0) },
                                 biasScratch: d.sgdBiasScratch?.pointer, dPreactivation: dPre, input: x,
                                 batch: rows, inputSize: d.inputSize, outputSize: d.outputSize, learningRate: lr,
                                 transposeScratch: d.transposeScratch?.pointer, pool: pool)
            } else {
                if d.penalty.l2 > 0 { l2PenaltyBackward(dValues: dw, values: w, count: d.weight.count, lambda: Float(d.penalty.l2)) }
                denseBackwardLinear(dInput: dx, dWeight: dw, dBias: db, dPreactivation: dPre, input: x, weight: w,
                                    batch: rows, inputSize: d.inputSize, outputSize: d.outputSize,
                                    transposeScratch: d.transposeScratch?.pointer, pool: pool)
            }
        case .conv(var c):
            c.geometry.batch = n
            if case (let poolNode, var p)? = c.pool {
                // dOut is the pooled output's gradient; bring it back to the conv output.
                p.geometry.batch = n
                guard let dConv = gradients[node]?.pointer else { return }
                if let indices = p.indices {
                    if c.activation != .linear {
                        activationBackward(c.activation, dInput: dOut, dOutput: dOut, output: ptr(poolNode),
                                           rows: rows(poolNode, n), width: lastDim(poolNode))
                    }
                    maxPool2dBackward(dInput: dConv, dOutput: dOut, indices: indices.pointer, geometry: p.geometry, pool: pool)
                } else {
                    avgPool2dBackward(dInput: dConv, dOutput: dOut, geometry: p.geometry, pool: pool)
                    if c.activation != .linear {
                        activationBackward(c.activation, dInput: dConv, dOutput: dConv, output: y, rows: rows(node, n), width: lastDim(node))
                    }
                }
                conv2dBackward(dInput: dx, dWeight: parameters.gradient(c.weight), dBias: c.bias.map { parameters.gradient($0) },
                               dOutput: dConv, input: x, weight: parameters.pointer(c.weight), geometry: c.geometry,
                               workspace: c.workspace.buffer, pool: pool)
                break
            }
            if c.activation != .linear {
                activationBackward(c.activation, dInput: dOut, dOutput: dOut, output: y, rows: rows(node, n), width: lastDim(node))
            }
            conv2dBackward(dInput: dx, dWeight: parameters.gradient(c.weight), dBias: c.bias.map { parameters.gradient($0) },
                           dOutput: dOut, input: x, weight: parameters.pointer(c.weight), geometry: c.geometry,
                           workspace: c.workspace.buffer, pool: pool)
        case .pool(var p):
            p.geometry.batch = n
            guard let dx else { return }
            if let indices = p.indices {
                maxPool2dBackward(dInput: dx, dOutput: dOut, indices: indices.pointer, geometry: p.geometry, pool: pool)
            } else {
                avgPool2dBackward(dInput: dx, dOutput: dOut, geometry: p.geometry, pool: pool)
            }
        case .activation(let a):
            guard let dx else { return }
            activationBackward(a, dInput: dx, dOutput: dOut, output: y, rows: rows(node, n), width: lastDim(node))
        case .dropout(_, let mask), .noise(_, let mask):
            guard let dx else { return }
            dropoutBackward(dInput: dx, dOutput: dOut, mask: mask.pointer, count: n * perExample[node])
        case .flatten:
            if let dx, dx != dOut { dx.update(from: dOut, count: n * perExample[node]) }
        case .add:
            for i in step.inputs {
                guard let target = inputGradient(i) else { continue }
                target.update(from: dOut, count: n * perExample[node])
                finishInputGradient(i, n)
            }
            return
        case .concat:
            let outWidth = lastDim(node), rowCount = rows(node, n)
            var column = 0
            for i in step.inputs {
                let width = lastDim(i)
                if let target = inputGradient(i) {
                    for r in 0..<rowCount { (target + r * width).update(from: dOut + r * outWidth + column, count: width) }
                    finishInputGradient(i, n)
                }
                column += width
            }
            return
        case .threshold, .hopfield, .pca:
            // Trained by their own rules; no gradient passes through (the checker forbids backprop here).
            dx?.update(repeating: 0, count: n * perExample[input])
        case .rnn(var r):
            r.shape.batch = n
            guard let workspace = r.workspace else { return }
            var dKernelOut = dOut
            if let dRaw = r.dRaw {
                activationBackward(r.outputActivation, dInput: dRaw.pointer, dOutput: dOut, output: y,
                                   rows: rows(node, n), width: lastDim(node))
                dKernelOut = dRaw.pointer
            }
            let params = parameters.values.pointer + r.parameters.offset
            let dParams = parameters.gradients.pointer + r.parameters.offset
            rnnBackward(dInput: dx, dParameters: dParams, workspace: workspace.pointer, dOutput: dKernelOut,
                        storage: r.storage.pointer, parameters: params, lengths: hasLengths ? UnsafePointer(lengths.pointer) : nil,
                        shape: r.shape, truncation: truncation, pool: pool)
            if !r.hasBias {
                // `bias: false`: the kernel's bias slots stay at zero.
                (dParams + r.shape.biasOffset).update(repeating: 0, count: r.shape.hiddenSize)
                if r.shape.outputSize > 0 { (dParams + r.shape.outputBiasOffset).update(repeating: 0, count: r.shape.outputSize) }
            }
        case .lstm(var l):
            l.shape.batch = n
            guard let workspace = l.workspace else { return }
            let params = parameters.values.pointer + l.parameters.offset
            let dParams = parameters.gradients.pointer + l.parameters.offset
            lstmBackward(dInput: dx, dParameters: dParams, workspace: workspace.pointer, dOutput: dOut,
                         storage: l.storage.pointer, parameters: params, lengths: hasLengths ? UnsafePointer(lengths.pointer) : nil,
                         shape: l.shape, truncation: truncation, pool: pool)
        case .loss:
            return   // its forward wrote the output's gradient
        }
        finishInputGradient(input, n)
    }
}
