/// Gradient clipping by global L2 norm (`train.clip: {norm: max}`), applied
/// after backward and before the optimizer update.

/// ‖g‖₂ over every buffer together, summed in Double (blocks of 64 floats
/// accumulate in eight Float lanes first). buffers: any shapes, flat.
public func globalL2Norm(_ buffers: [UnsafeMutableBufferPointer<Float>]) -> Double {
    var total = 0.0
    for buffer in buffers {
        guard let p = buffer.baseAddress else { continue }
        let count = buffer.count
        var i = 0
        while i + 64 <= count {
            var acc = Vec8.V()
            for k in stride(from: 0, to: 64, by: 8) {
                let v = Vec8.load(p + i + k)
                acc = acc.addingProduct(v, v)
            }
            total += Double(acc.sum())
            i += 64
        }
        while i < count { total += Double(p[i]) * Double(p[i]); i += 1 }
    }
    return total.squareRoot()
}

/// Scales every gradient in place by maxNorm / (norm + 1e-6) when the global
/// norm exceeds maxNorm (PyTorch's clip_grad_norm_), else leaves them alone.
/// Returns the norm before clipping (for logging).
@discardableResult
public func clipGlobalNorm(_ gradients: [UnsafeMutableBufferPointer<Float>], maxNorm: Double) -> Double {
    let norm = globalL2Norm(gradients)
    guard norm > maxNorm else { return norm }
    let scale = Float(maxNorm / (norm + 1e-6))
    for buffer in gradients {
        guard let p = buffer.baseAddress else { continue }
        scaleRow(p, by: scale, buffer.count)
    }
    return norm
}
