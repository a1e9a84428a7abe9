import NNCKernels
import NNCSpec

/// Forward passes of the layers trained by classic rules (threshold units,
/// Hopfield networks, PCA). They have no backward.
extension Plan {
    /// y_r = Θ(Σ_i w_ri x_i − s_r); Θ(0) = 1. With `threshold: auto`,
    /// s = l − ½ − tolerance for every unit, l the example's active inputs (x_i > 0).
    /// input: [n, F]; output: [n, units] with 0/1 (or −1/+1 when bipolar).
    func thresholdForward(_ t: Step.ThresholdStep, output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, n: Int) {
        let w = parameters.pointer(t.weight), s = parameters.pointer(t.threshold)
        gemm(.none, .transposed, m: n, n: t.units, k: t.inputSize, alpha: 1, a: input, lda: t.inputSize,
             b: w, ldb: t.inputSize, beta: 0, c: output, ldc: t.units, pool: pool)
        let off: Float = t.bipolar ? -1 : 0
        for e in 0..<n {
            var autoThreshold: Float = 0
            if t.auto {
                var active = 0
                for i in 0..<t.inputSize where input[e * t.inputSize + i] > 0 { active += 1 }
                autoThreshold = Float(active) - 0.5 - t.tolerance
            }
            let row = output + e * t.units
            for r in 0..<t.units {
                let threshold = t.auto ? autoThreshold : s[r]
                row[r] = row[r] - threshold >= 0 ? 1 : off
            }
        }
    }

    /// Recalls each example from its (degraded) input by the Hopfield dynamics,
    /// starting from z_i = +1 where x_i > 0, else −1 (so 0/1 patterns read as
    /// 2x − 1). input: [n, K]; output: [n, K], ±1 states; the sweeps each
    /// recall took go to `h.sweeps`.
    func hopfieldForward(_ h: Step.HopfieldStep, output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, n: Int) {
        let w = UnsafePointer(parameters.pointer(h.weight))
        for e in 0..<n {
            let state = UnsafeMutableBufferPointer(start: output + e * h.units, count: h.units)
            for i in 0..<h.units { state[i] = input[e * h.units + i] > 0 ? 1 : -1 }
            let sweeps = hopfieldRecall(weight: w, state: state, options: h.options, random: &random, energyTrace: nil)
            h.sweeps.pointer[e] = Int32(clamping: sweeps)
        }
    }

    /// y = μ + Cᵀ C (x − μ): projection onto the kept components and back.
    /// input, output: [n, F]; components C: [c, F] (orthonormal rows); mean μ: [F].
    func pcaForward(_ p: Step.PCAStep, output: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, n: Int) {
        let c = parameters.pointer(p.components), mu = parameters.pointer(p.mean)
        let f = p.features
        for e in 0..<n {
            for j in 0..<f { output[e * f + j] = input[e * f + j] - mu[j] }
        }
        let codes = p.scratch.pointer
        gemm(.none, .transposed, m: n, n: p.count, k: f, alpha: 1, a: output, lda: f, b: c, ldb: f,
             beta: 0, c: codes, ldc: p.count, pool: pool)
        gemm(.none, .none, m: n, n: f, k: p.count, alpha: 1, a: codes, lda: p.count, b: c, ldb: f,
             beta: 0, c: output, ldc: f, pool: pool)
        for e in 0..<n {
            for j in 0..<f { output[e * f + j] += mu[j] }
        }
    }
}

/// Σ_j w_j z_j over states z_j = ±1, in Double, four lanes of four accumulators (the
/// weights are fp32; the field stays Double so that a field of exactly 0, which keeps a
/// unit's state, is not an artefact of rounding).
@inline(__always)
func hopfieldDot(_ w: UnsafePointer<Float>, _ z: UnsafePointer<Float>, _ k: Int) -> Double {
    // z is ±1, so w·z is exact in fp32 and Double(w·z) = Double(w)·Double(z): one conversion
    // per product. Lanes 0–7 of `a` are the four-lane accumulators a0, a1 of the 16-element
    // step, lanes of `b` are a2, a3.
    @inline(__always) func product(_ j: Int) -> SIMD8<Double> {
        SIMD8<Double>(UnsafeRawPointer(w + j).loadUnaligned(as: SIMD8<Float>.self)
                      * UnsafeRawPointer(z + j).loadUnaligned(as: SIMD8<Float>.self))
    }
    var a = SIMD8<Double>(), b = SIMD8<Double>()
    var j = 0
    while j + 16 <= k {
        a += product(j)
        b += product(j + 8)
        j += 16
    }
    var s = ((a.lowHalf + a.highHalf) + (b.lowHalf + b.highHalf)).sum()
    while j < k { s += Double(w[j]) * Double(z[j]); j += 1 }
    return s
}

/// field += delta · row, in Double (row: fp32 weights), eight at a time.
@inline(__always)
func hopfieldAddRow(_ field: UnsafeMutablePointer<Double>, _ row: UnsafePointer<Float>, _ delta: Double, _ k: Int) {
    let d = SIMD8<Double>(repeating: delta)
    var j = 0
    while j + 8 <= k {
        let r = SIMD8<Double>(UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self))
        let f = UnsafeMutableRawPointer(field + j)
        f.storeBytes(of: f.loadUnaligned(as: SIMD8<Double>.self) + r * d, as: SIMD8<Double>.self)
        j += 8
    }
    while j < k { field[j] += Double(row[j]) * delta; j += 1 }
}

/// Hopfield dynamics from `state` (±1, updated in place) under the symmetric
/// weights w ([K, K], w_ii the self weight): asynchronous updates (one unit at
/// a time, in random or sequential order; a unit whose field is exactly 0
/// keeps its state) or synchronous ones (all units from the same field),
/// until a sweep changes nothing or `maxSweeps` sweeps. The field h = W z is
/// kept up to date incrementally, so a sweep costs O(K) per flipped unit.
/// Calls `energyTrace` with H(z) = −½ Σ_ij w_ij z_i z_j at the start and after
/// every flip (asynchronous) or sweep (synchronous). Returns the sweeps run
/// (the last one changed nothing, unless `maxSweeps` or a cancelled run stopped it).
public func hopfieldRecall(weight w: UnsafePointer<Float>, state z: UnsafeMutableBufferPointer<Float>,
                           options: HopfieldOptions, random: inout SeededRandom,
                           energyTrace: ((Double) -> Void)?) -> Int {
    let k = z.count
    var field = [Double](repeating: 0, count: k)
    guard let zs = UnsafePointer(z.baseAddress) else { return 0 }
    field.withUnsafeMutableBufferPointer { f in
        for i in 0..<k { f[i] = hopfieldDot(w + i * k, zs, k) }
    }
    func energy() -> Double {
        var e = 0.0
        for i in 0..<k { e += Double(z[i]) * field[i] }
        return -0.5 * e
    }
    energyTrace?(energy())
    var order = Array(0..<k)
    var sweeps = 0
    var poll = Cancellation.Poll(every: 1)
    while sweeps < options.maxSweeps {
        // A stopped run's caller checks the token and discards this state.
        if poll.due() { break }
        sweeps += 1
        var changed = false
        if options.synchronous {
            var next = [Float](repeating: 0, count: k)
            for i in 0..<k { next[i] = field[i] > 0 ? 1 : field[i] < 0 ? -1 : z[i] }
            for i in 0..<k where next[i] != z[i] { changed = true; z[i] = next[i] }
            if changed {
                field.withUnsafeMutableBufferPointer { f in
                    for i in 0..<k { f[i] = hopfieldDot(w + i * k, zs, k) }
                }
                energyTrace?(energy())
            }
        } else {
            if options.randomOrder { random.shuffle(&order) }
            for i in order {
                let target: Float = field[i] > 0 ? 1 : field[i] < 0 ? -1 : z[i]
                guard target != z[i] else { continue }
                let delta = Double(target - z[i])
                z[i] = target
                // Column i of W is row i (W is symmetric): a contiguous pass over the field.
                field.withUnsafeMutableBufferPointer { f in
                    if let base = f.baseAddress { hopfieldAddRow(base, w + i * k, delta, k) }
                }
                changed = true
                energyTrace?(energy())
            }
        }
        if !changed { break }
    }
    return sweeps
}
