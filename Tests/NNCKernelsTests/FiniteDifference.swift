import XCTest
import NNCKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Shared test tools: central differences, closeness assertions, seeded data.

/// Central difference of `loss` w.r.t. values[index]:
/// (L(v + h) − L(v − h)) / (v₊ − v₋), where v₊ and v₋ are the Float values
/// actually stored, so the rounding of the step does not bias the quotient.
/// The losses are Double; `values[index]` is restored afterwards.
func centralDifference(_ values: inout [Float], _ index: Int, step: Float, _ loss: ([Float]) -> Double) -> Double {
    let original = values[index]
    values[index] = original + step
    let plus = values[index]
    let lossPlus = loss(values)
    values[index] = original - step
    let minus = values[index]
    let lossMinus = loss(values)
    values[index] = original
    return (lossPlus - lossMinus) / (Double(plus) - Double(minus))
}

/// Central difference in Double (for oracles written in Double).
func centralDifference(_ values: inout [Double], _ index: Int, step: Double, _ loss: ([Double]) -> Double) -> Double {
    let original = values[index]
    values[index] = original + step
    let lossPlus = loss(values)
    values[index] = original - step
    let lossMinus = loss(values)
    values[index] = original
    return (lossPlus - lossMinus) / (2 * step)
}

/// The whole numerical gradient of `loss` w.r.t. `values`.
func numericalGradient(_ values: [Float], step: Float, _ loss: ([Float]) -> Double) -> [Double] {
    numericalGradient(values, step: { _ in step }, loss)
}

/// The same with a step chosen per value (e.g. relative to small probabilities).
func numericalGradient(_ values: [Float], step: (Float) -> Float, _ loss: ([Float]) -> Double) -> [Double] {
    var v = values
    return (0..<values.count).map { centralDifference(&v, $0, step: step(values[$0]), loss) }
}

/// Asserts |actual − expected| ≤ atol + rtol·|expected| for every element and
/// reports the worst offender.
func assertClose<A: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [E], atol: Double, rtol: Double, _ what: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(what): count", file: file, line: line)
    var worst = 0.0, worstIndex = -1
    for i in 0..<min(actual.count, expected.count) {
        let a = Double(actual[i]), e = Double(expected[i])
        let excess = abs(a - e) - (atol + rtol * abs(e))
        if excess > worst || a.isNaN || e.isNaN {
            worst = a.isNaN || e.isNaN ? .infinity : excess
            worstIndex = i
        }
    }
    if worstIndex >= 0 {
        XCTFail("\(what): element \(worstIndex) is \(actual[worstIndex]), expected \(expected[worstIndex]) "
                + "(atol \(atol), rtol \(rtol))", file: file, line: line)
    }
}

/// Uniform values in [−scale, scale), from a seeded generator.
func randomArray(_ count: Int, _ random: inout SeededRandom, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in (2 * random.uniformFloat() - 1) * scale }
}

/// Σ_i a_i b_i in Double: the test loss L = ⟨output, R⟩ has gradient R.
func dot<A: BinaryFloatingPoint>(_ a: [A], _ b: [Float]) -> Double {
    var s = 0.0
    for i in 0..<a.count { s += Double(a[i]) * Double(b[i]) }
    return s
}

/// f in Double, written independently of the library (softmax per row of `width`).
func exactActivation(_ a: Activation, _ x: [Double], width: Int) -> [Double] {
    switch a {
    case .linear: return x
    case .relu: return x.map { max($0, 0) }
    case .sigmoid: return x.map { 1 / (1 + exp(-$0)) }
    case .tanh: return x.map { tanh($0) }
    case .arctan: return x.map { atan($0) }
    case .step: return x.map { $0 >= 0 ? 1 : 0 }
    case .sign: return x.map { $0 >= 0 ? 1 : -1 }
    case .softmax:
        var y = x
        for r in 0..<(x.count / width) {
            let row = x[(r * width)..<((r + 1) * width)]
            let m = row.max() ?? 0
            let s = row.reduce(0) { $0 + exp($1 - m) }
            for j in 0..<width { y[r * width + j] = exp(x[r * width + j] - m) / s }
        }
        return y
    }
}
