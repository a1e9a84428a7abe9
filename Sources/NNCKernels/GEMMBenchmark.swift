/// GEMM throughput measurement, used by `nnc bench` and the benchmark test.

/// Times `gemm` on C[m, n] = op(A)[m, k] · op(B)[k, n] (alpha 1, beta 0) with
/// `threads` threads and returns GFLOP/s (2·m·n·k flops per call) of the median
/// sample. Each sample repeats the call enough times to last about 2 ms (so
/// tiny shapes are not timer noise); a warm-up sample runs first (thread
/// wake-up, first-touch of the packing workspace). Deterministic inputs.
public func gemmBenchmark(
    m: Int, n: Int, k: Int,
    transA: Transpose = .none, transB: Transpose = .none,
    threads: Int, samples: Int = 7
) -> Double {
    precondition(m > 0 && n > 0 && k > 0 && samples > 0, "gemmBenchmark needs positive sizes")
    var rng = SeededRandom(seed: 0x6E6E63)
    let a = (0..<(m * k)).map { _ in rng.uniformFloat() - 0.5 }
    let b = (0..<(k * n)).map { _ in rng.uniformFloat() - 0.5 }
    var c = [Float](repeating: 0, count: m * n)
    let lda = transA == .none ? k : m
    let ldb = transB == .none ? n : k
    let pool = ThreadPool(threads: threads)
    let clock = ContinuousClock()

    return a.withUnsafeBufferPointer { ap in
        b.withUnsafeBufferPointer { bp in
            c.withUnsafeMutableBufferPointer { cp in
                guard let ab = ap.baseAddress, let bb = bp.baseAddress, let cb = cp.baseAddress else { return 0 }
                /// Seconds for `calls` consecutive gemm calls.
                func time(_ calls: Int) -> Double {
                    let elapsed = clock.measure {
                        for _ in 0..<calls {
                            gemm(transA, transB, m: m, n: n, k: k, alpha: 1, a: ab, lda: lda,
                                 b: bb, ldb: ldb, beta: 0, c: cb, ldc: n, pool: pool)
                        }
                    }
                    let parts = elapsed.components
                    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
                }
                let once = max(time(1), 1e-7)
                let calls = max(1, Int(0.002 / once))
                _ = time(calls)
                var perCall = (0..<samples).map { _ in time(calls) / Double(calls) }
                perCall.sort()
                return 2.0 * Double(m) * Double(n) * Double(k) / perCall[samples / 2] / 1e9
            }
        }
    }
}

/// Square-matrix shorthand: n×n times n×n.
public func gemmBenchmark(n: Int, threads: Int, samples: Int = 7) -> Double {
    gemmBenchmark(m: n, n: n, k: n, threads: threads, samples: samples)
}
