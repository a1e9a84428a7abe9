import NNCKernels

/// Inference-only forms of steps: what a pass without backward can skip.
extension Plan {
    /// A conv step (with its fused activation and max pool) in one kernel call
    /// when not training: no pooling indices, the epilogue applied while the
    /// result is in cache, the same values as the training-mode kernels.
    /// False when the kernel does not take this shape (the caller runs the
    /// separate kernels). c.geometry.batch is already n.
    func convInferenceForward(_ step: Step, _ c: Step.ConvStep, input x: UnsafePointer<Float>, _ n: Int) -> Bool {
        var output = ptr(step.node)
        var maxPool: Pool2DGeometry?
        if case (let poolNode, var p)? = c.pool {
            guard p.isMax else { return false }   // average pooling runs after the activation: separate kernels
            p.geometry.batch = n
            maxPool = p.geometry
            output = ptr(poolNode)
        }
        return conv2dInferenceForward(output: output, input: x, weight: parameters.pointer(c.weight),
                                      bias: c.bias.map { UnsafePointer(parameters.pointer($0)) }, geometry: c.geometry,
                                      activation: c.activation, maxPool: maxPool, workspace: c.workspace.buffer, pool: pool)
    }
}
