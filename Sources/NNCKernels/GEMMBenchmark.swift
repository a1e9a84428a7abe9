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
                // Warm up for ~50 ms: a new pool's worker can start queued on the caller's CPU,
                // and the pool then runs jobs alone for a few ms (ContentionBackOff) until the
                // scheduler moves it; 7 samples of 2 ms would all fall in that start.
                for _ in 0..<25 { _ = time(calls) }
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

/// Median seconds of one `conv2dForward` and of one `conv2dBackward` (with
/// dInput, dWeight and dBias) for `geometry` with `threads` threads, after a
/// warm-up call of each. Deterministic inputs.
public func conv2dBenchmark(geometry g: Conv2DGeometry, threads: Int, samples: Int = 7)
    -> (forward: Double, backward: Double) {
    precondition(g.isValid && samples > 0, "conv2dBenchmark needs a valid geometry")
    var rng = SeededRandom(seed: 0x636F6E76)
    let input = (0..<g.inputCount).map { _ in rng.uniformFloat() - 0.5 }
    let weight = (0..<g.weightCount).map { _ in rng.uniformFloat() - 0.5 }
    let bias = (0..<g.outChannels).map { _ in rng.uniformFloat() - 0.5 }
    let dOutput = (0..<g.outputCount).map { _ in rng.uniformFloat() - 0.5 }
    var output = [Float](repeating: 0, count: g.outputCount)
    var dInput = [Float](repeating: 0, count: g.inputCount)
    var dWeight = [Float](repeating: 0, count: g.weightCount)
    var dBias = [Float](repeating: 0, count: g.outChannels)
    var workspace = [Float](repeating: 0, count: conv2dWorkspaceSize(geometry: g, threads: threads))
    let pool = ThreadPool(threads: threads)
    let clock = ContinuousClock()
    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
    var forwardTimes: [Double] = [], backwardTimes: [Double] = []
    workspace.withUnsafeMutableBufferPointer { ws in
        for sample in 0...samples {
            let forward = clock.measure {
                conv2dForward(output: &output, input: input, weight: weight, bias: bias,
                              geometry: g, workspace: ws, pool: pool)
            }
            let backward = clock.measure {
                conv2dBackward(dInput: &dInput, dWeight: &dWeight, dBias: &dBias, dOutput: dOutput,
                               input: input, weight: weight, geometry: g, workspace: ws, pool: pool)
            }
            if sample > 0 {  // sample 0 is the warm-up
                forwardTimes.append(seconds(forward))
                backwardTimes.append(seconds(backward))
            }
        }
    }
    forwardTimes.sort()
    backwardTimes.sort()
    return (forwardTimes[samples / 2], backwardTimes[samples / 2])
}
