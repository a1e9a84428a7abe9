/// Seeded, reproducible random numbers. Every random choice of a run (data
/// generation, shuffling, initialization, dropout and noise masks) derives
/// from the spec's seed through one of these generators, so a seed gives the
/// same bits on every machine.

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, passes BigCrush, and
/// `split()` gives independent streams for sub-tasks (one per layer, per epoch).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// An independent generator derived from this one's next output and a label,
    /// e.g. `rng.split(1)` for data, `rng.split(2)` for initialization.
    public mutating func split(_ label: UInt64 = 0) -> SeededRandom {
        SeededRandom(seed: next() ^ (label &* 0xD1B5_4A32_D192_ED03))
    }

    /// Uniform in [0, 1) with 24 random bits (exactly representable as Float).
    public mutating func uniformFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal by Box–Muller (one value per call; deterministic).
    public mutating func normalFloat() -> Float {
        var u1 = uniformDouble()
        if u1 < 1e-300 { u1 = 1e-300 }
        let u2 = uniformDouble()
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// Uniform integer in 0..<n (n > 0), unbiased (Lemire's method).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs a positive bound")
        return Int(truncatingIfNeeded: next(upperBound: UInt64(n)))
    }

    /// Fisher–Yates shuffle of `array` in place.
    @inlinable   // specialized at the call site (a generic shuffle cost Hopfield recall ~15 %)
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
import Darwin
@inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
