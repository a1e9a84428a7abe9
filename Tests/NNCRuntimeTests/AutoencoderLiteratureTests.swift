import XCTest
@testable import NNCRuntime

/// What the literature says autoencoders do, checked on the 8x8 digits with
/// the project's specs (test part, 359 examples; one thread, fixed seeds).
/// Margins are honest: each measured figure sits well inside its bound
/// (figures in the comments were measured with seed 1).
final class AutoencoderLiteratureTests: XCTestCase {
    /// Hinton & Salakhutdinov (2006), at small scale: a nonlinear autoencoder
    /// 64-32-c-32-64 (tanh, sigmoid output) reconstructs better than PCA with
    /// the same number c of components. Prints the table
    /// (`swift test --filter AutoencoderLiteratureTests/testNonlinear`).
    func testNonlinearAutoencoderBeatsPCAAtCodeSizes2And4And8() throws {
        var table = "code size | PCA test mse | autoencoder test mse | autoencoder / PCA\n"
        for size in [2, 4, 8] {
            let pca = try AutoencoderSpecs.mse(AutoencoderSpecs.run("pca-digits", ["model.layers.0.pca.components=\(size)"]))
            let autoencoder = try AutoencoderSpecs.run("autoencoder-undercomplete", ["model.layers.1.dense.units=\(size)"])
            XCTAssertEqual(try AutoencoderSpecs.outputs(autoencoder).layer.width, size)
            let ae = try AutoencoderSpecs.mse(autoencoder)
            table += String(format: "%9d | %12.5f | %20.5f | %.2f\n", size, pca, ae, ae / pca)
            // Measured (PCA vs autoencoder): 2: 0.0506 vs 0.0361; 4: 0.0368 vs 0.0237; 8: 0.0238 vs 0.0145.
            XCTAssertLessThan(ae, 0.9 * pca, "code size \(size): autoencoder \(ae), PCA \(pca)")
        }
        print(table)
    }

    /// Vincent et al. (2008): trained to undo a corruption, the denoising
    /// autoencoder reconstructs corrupted test inputs closer to the clean
    /// images than the same autoencoder trained on clean inputs. The spec's
    /// masking noise (30% of the pixels set to 0), and Gaussian noise
    /// (std 0.3). Measured: mask 0.0249 vs 0.0450, gaussian 0.0210 vs 0.0342.
    func testDenoisingReconstructsCorruptedInputsBetterThanPlain() throws {
        for noise in ["{mask: 0.3}", "{gaussian: 0.3}"] {
            let corrupt = "evaluate.corrupt=\(noise)"
            let denoising = try AutoencoderSpecs.run("autoencoder-denoising", ["model.layers.0.noise=\(noise)", corrupt])
            let plain = try AutoencoderSpecs.run("autoencoder-plain", [corrupt])
            let d = try AutoencoderSpecs.mse(denoising), p = try AutoencoderSpecs.mse(plain)
            print("\(noise) test inputs, mse against the clean images: denoising \(d), plain \(p)")
            XCTAssertLessThan(d, 0.8 * p, noise)
            let images = try XCTUnwrap(AutoencoderSpecs.outputs(denoising).examples)
            XCTAssertEqual(images.rows.map(\.label), ["original", "corrupted", "reconstructed"])
        }
    }

    /// An L1 penalty on the code (λ = 0.0005) makes it sparse: a much lower
    /// mean |h| than the plain autoencoder's, at a comparable reconstruction
    /// error. Measured: mean |h| 0.294 vs 0.524, mse 0.0063 vs 0.0053.
    func testSparseCodeHasLowerMeanActivationAtComparableError() throws {
        let sparse = try AutoencoderSpecs.run("autoencoder-sparse")
        let plain = try AutoencoderSpecs.run("autoencoder-plain")
        let hs = try Self.meanAbsoluteTestCode(sparse), hp = try Self.meanAbsoluteTestCode(plain)
        let ms = try AutoencoderSpecs.mse(sparse), mp = try AutoencoderSpecs.mse(plain)
        print("mean |h| on test: sparse \(hs), plain \(hp); mse: sparse \(ms), plain \(mp)")
        XCTAssertLessThan(hs, 0.7 * hp)
        XCTAssertLessThan(ms, 1.5 * mp)
        XCTAssertEqual(hs, try AutoencoderSpecs.outputs(sparse).meanAbsoluteCode, accuracy: 1e-9)
    }

    /// Rifai et al. (2011): the contractive penalty λ‖∂h/∂x‖²_F (λ = 0.001)
    /// flattens the encoder around the data: a lower mean ‖J‖_F on the test
    /// examples than the plain autoencoder's. Measured: 2.05 vs 6.10.
    func testContractiveHasSmallerEncoderJacobian() throws {
        let contractive = try AutoencoderSpecs.run("autoencoder-contractive")
        let plain = try AutoencoderSpecs.run("autoencoder-plain")
        let jc = try Self.meanJacobianNorm(contractive), jp = try Self.meanJacobianNorm(plain)
        print("mean ‖∂h/∂x‖_F on test: contractive \(jc), plain \(jp)")
        XCTAssertLessThan(jc, 0.5 * jp)
        XCTAssertEqual(jc, try XCTUnwrap(AutoencoderSpecs.outputs(contractive).meanJacobianNorm), accuracy: 1e-6 * jc)
    }

    /// Mean |h| over the test codes, from the code rows themselves.
    static func meanAbsoluteTestCode(_ result: RunResult) throws -> Double {
        let values = try AutoencoderSpecs.outputs(result).codes.filter { $0.split == "test" }.flatMap(\.values)
        XCTAssertEqual(values.count, 359 * 32)
        return values.reduce(0.0) { $0 + abs(Double($1)) } / Double(max(1, values.count))
    }

    /// Mean ‖∂h/∂x‖_F over the test examples of a one-layer sigmoid encoder
    /// h = σ(Wx + b), from the closed form ‖J‖²_F = Σ_j (h_j (1 − h_j))² Σ_i W_ji²,
    /// with the saved weights and the code rows (independent of the runtime's Jacobian).
    static func meanJacobianNorm(_ result: RunResult) throws -> Double {
        let weight = try XCTUnwrap(result.parameters.first { $0.name == "code.weight" })
        let (units, inputs) = (weight.shape[0], weight.shape[1])
        let rowNorms = (0..<units).map { j in (0..<inputs).reduce(0.0) { $0 + Double(weight.values[j * inputs + $1] * weight.values[j * inputs + $1]) } }
        let codes = try AutoencoderSpecs.outputs(result).codes.filter { $0.split == "test" }
        let norms = codes.map { row in
            zip(row.values, rowNorms).reduce(0.0) { s, p in
                let d = Double(p.0) * (1 - Double(p.0))
                return s + d * d * p.1
            }.squareRoot()
        }
        return norms.reduce(0, +) / Double(max(1, norms.count))
    }
}
