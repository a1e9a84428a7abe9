import NNCKernels
import NNCSpec

/// The spec's names for kernel choices.
func kernelActivation(_ a: ActivationKind) -> Activation {
    switch a {
    case .linear: return .linear
    case .relu: return .relu
    case .sigmoid: return .sigmoid
    case .tanh: return .tanh
    case .arctan: return .arctan
    case .softmax: return .softmax
    case .step: return .step
    case .sign: return .sign
    }
}

func kernelOptimizer(_ o: OptimizerSpec) -> Optimizer {
    switch o {
    case .sgd(_, let momentum, let nesterov): return .sgd(momentum: Float(momentum), nesterov: nesterov)
    case .adam(_, let b1, let b2, let eps): return .adam(beta1: Float(b1), beta2: Float(b2), epsilon: Float(eps))
    }
}

func kernelSchedule(_ s: ScheduleSpec) -> LearningRateSchedule {
    switch s {
    case .constant: return .constant
    case .step(let every, let factor): return .step(every: every, factor: Float(factor))
    case .exponential(let decay): return .exponential(decay: Float(decay))
    case .cosine(let minLR, let period): return .cosine(minLR: Float(minLR), period: period)
    case .cyclic(let lo, let hi, let period): return .cyclic(minLR: Float(lo), maxLR: Float(hi), period: period)
    }
}
