/// General matrix multiply, the engine under dense, conv and recurrent layers.
///
///   C[m, n] = alpha * op(A)[m, k] · op(B)[k, n] + beta * C[m, n]
///
/// Row-major. op(X) is X or Xᵀ. `lda`, `ldb`, `ldc` are the row strides of the
/// matrices as stored (A is [m, k] stored, or [k, m] stored when transposed).
/// beta == 0 overwrites C without reading it (C may hold NaN garbage).

public enum Transpose: Sendable {
    case none
    case transposed
}

/// Naive reference: the test oracle and the fallback. Accumulates in Double.
public func gemmReference(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let av = transA == .none ? a[i * lda + p] : a[p * lda + i]
                let bv = transB == .none ? b[p * ldb + j] : b[j * ldb + p]
                sum += Double(av) * Double(bv)
            }
            let prior = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * sum + prior)
        }
    }
}

/// The fast GEMM (same contract as `gemmReference`). `pool` splits the work
/// over threads when the product is large enough to pay for it.
public func gemm(
    _ transA: Transpose, _ transB: Transpose,
    m: Int, n: Int, k: Int,
    alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int,
    pool: ThreadPool? = nil
) {
    // Placeholder until the packed SIMD kernel lands: the reference.
    gemmReference(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                  b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}
