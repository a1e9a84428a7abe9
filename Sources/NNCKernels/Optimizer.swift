#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Optimizers (`train.optimizer`): in-place parameter updates from the
/// accumulated gradients, one call per parameter buffer per step.
///
/// The update reads the gradient and does not clear it: the runtime zeroes
/// gradients before the next backward (they accumulate, +=). The learning
/// rate is passed per call because the schedule changes it every epoch.
public enum Optimizer: Sendable, Equatable {
    /// SGD in PyTorch's formulation (dampening 0):
    /// v ← μ v + g; step = g + μ v (nesterov) or v (plain); p ← p − lr·step.
    /// With μ = 0: p ← p − lr·g, no state.
    case sgd(momentum: Float, nesterov: Bool)
    /// Adam (Kingma & Ba) with bias correction, as PyTorch computes it:
    /// m ← β1 m + (1 − β1) g; v ← β2 v + (1 − β2) g²;
    /// p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε).
    case adam(beta1: Float, beta2: Float, epsilon: Float)

    /// Floats of state per parameter buffer of `parameterCount` floats
    /// (sgd with momentum: the velocity; adam: m then v).
    public func stateCount(parameterCount: Int) -> Int {
        switch self {
        case .sgd(let momentum, _): momentum == 0 ? 0 : parameterCount
        case .adam: 2 * parameterCount
        }
    }

    /// One update of `parameters` in place.
    /// - parameters: [count]; state: [stateCount(parameterCount: count)], zero
    ///   before the first step; gradients: [count].
    /// - step: the 1-based number of this update (Adam's bias correction).
    public func update(
        parameters: UnsafeMutablePointer<Float>,
        state: UnsafeMutablePointer<Float>,
        gradients: UnsafePointer<Float>,
        count: Int,
        learningRate: Float,
        step: Int
    ) {
        switch self {
        case .sgd(let momentum, let nesterov):
            sgdUpdate(parameters: parameters, velocity: momentum == 0 ? nil : state, gradients: gradients,
                      count: count, learningRate: learningRate, momentum: momentum, nesterov: nesterov)
        case .adam(let beta1, let beta2, let epsilon):
            adamUpdate(parameters: parameters, firstMoment: state, secondMoment: state + count,
                       gradients: gradients, count: count, learningRate: learningRate,
                       beta1: beta1, beta2: beta2, epsilon: epsilon, step: step)
        }
    }
}

// MARK: - Fast kernels

/// SGD step. parameters, velocity (nil when momentum is 0), gradients: [count].
public func sgdUpdate(
    parameters: UnsafeMutablePointer<Float>,
    velocity: UnsafeMutablePointer<Float>?,
    gradients: UnsafePointer<Float>,
    count: Int,
    learningRate: Float, momentum: Float, nesterov: Bool
) {
    let lr = Vec8.V(repeating: learningRate), mu = Vec8.V(repeating: momentum)
    var i = 0
    guard let velocity else {
        while i + 8 <= count {
            Vec8.store(Vec8.load(parameters + i).addingProduct(-lr, Vec8.load(gradients + i)), parameters + i)
            i += 8
        }
        while i < count { parameters[i] -= learningRate * gradients[i]; i += 1 }
        return
    }
    while i + 8 <= count {
        let g = Vec8.load(gradients + i)
        let v = g.addingProduct(mu, Vec8.load(velocity + i))
        Vec8.store(v, velocity + i)
        let step = nesterov ? g.addingProduct(mu, v) : v
        Vec8.store(Vec8.load(parameters + i).addingProduct(-lr, step), parameters + i)
        i += 8
    }
    while i < count {
        let g = gradients[i]
        let v = g + momentum * velocity[i]
        velocity[i] = v
        parameters[i] -= learningRate * (nesterov ? g + momentum * v : v)
        i += 1
    }
}

/// Adam step. parameters, firstMoment m, secondMoment v, gradients: [count];
/// step: 1-based (values below 1 count as 1).
public func adamUpdate(
    parameters: UnsafeMutablePointer<Float>,
    firstMoment: UnsafeMutablePointer<Float>,
    secondMoment: UnsafeMutablePointer<Float>,
    gradients: UnsafePointer<Float>,
    count: Int,
    learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, step: Int
) {
    let (stepSize, rootCorrection2) = adamCorrections(learningRate, beta1, beta2, step)
    let b1 = Vec8.V(repeating: beta1), c1 = Vec8.V(repeating: 1 - beta1)
    let b2 = Vec8.V(repeating: beta2), c2 = Vec8.V(repeating: 1 - beta2)
    let invRoot = Vec8.V(repeating: 1 / rootCorrection2), eps = Vec8.V(repeating: epsilon)
    let size = Vec8.V(repeating: stepSize)
    var i = 0
    while i + 8 <= count {
        let g = Vec8.load(gradients + i)
        let m = (c1 * g).addingProduct(b1, Vec8.load(firstMoment + i))
        let v = (c2 * g * g).addingProduct(b2, Vec8.load(secondMoment + i))
        Vec8.store(m, firstMoment + i)
        Vec8.store(v, secondMoment + i)
        let denominator = Vec8.squareRootOfMagnitude(v) * invRoot + eps   // v ≥ 0
        Vec8.store(Vec8.load(parameters + i) - size * m / denominator, parameters + i)
        i += 8
    }
    while i < count {
        let g = gradients[i]
        let m = beta1 * firstMoment[i] + (1 - beta1) * g
        let v = beta2 * secondMoment[i] + (1 - beta2) * g * g
        firstMoment[i] = m
        secondMoment[i] = v
        parameters[i] -= stepSize * m / (v.squareRoot() / rootCorrection2 + epsilon)
        i += 1
    }
}

/// (lr / (1 − β1^t), √(1 − β2^t)), computed in Double.
private func adamCorrections(_ lr: Float, _ beta1: Float, _ beta2: Float, _ step: Int) -> (Float, Float) {
    let t = Double(max(1, step))
    let correction1 = 1 - pow(Double(beta1), t), correction2 = 1 - pow(Double(beta2), t)
    return (Float(Double(lr) / correction1), Float(correction2.squareRoot()))
}

// MARK: - Naive references (test oracles), in Double

/// Reference of `sgdUpdate`.
public func sgdUpdateReference(
    parameters: UnsafeMutablePointer<Float>,
    velocity: UnsafeMutablePointer<Float>?,
    gradients: UnsafePointer<Float>,
    count: Int,
    learningRate: Float, momentum: Float, nesterov: Bool
) {
    let lr = Double(learningRate), mu = Double(momentum)
    for i in 0..<count {
        let g = Double(gradients[i])
        var step = g
        if let velocity {
            let v = mu * Double(velocity[i]) + g
            velocity[i] = Float(v)
            step = nesterov ? g + mu * v : v
        }
        parameters[i] = Float(Double(parameters[i]) - lr * step)
    }
}

/// Reference of `adamUpdate`, written as the paper does (m̂, v̂).
public func adamUpdateReference(
    parameters: UnsafeMutablePointer<Float>,
    firstMoment: UnsafeMutablePointer<Float>,
    secondMoment: UnsafeMutablePointer<Float>,
    gradients: UnsafePointer<Float>,
    count: Int,
    learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, step: Int
) {
    let b1 = Double(beta1), b2 = Double(beta2), t = Double(max(1, step))
    for i in 0..<count {
        let g = Double(gradients[i])
        let m = b1 * Double(firstMoment[i]) + (1 - b1) * g
        let v = b2 * Double(secondMoment[i]) + (1 - b2) * g * g
        firstMoment[i] = Float(m)
        secondMoment[i] = Float(v)
        let mHat = m / (1 - pow(b1, t)), vHat = v / (1 - pow(b2, t))
        parameters[i] = Float(Double(parameters[i]) - Double(learningRate) * mHat / (vHat.squareRoot() + Double(epsilon)))
    }
}
