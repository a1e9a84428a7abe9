import Foundation
import NNCIR
import NNCSpec
import XCTest
@testable import NNCRuntime

/// What an autoencoder run gives besides its metrics: the code layer, the
/// codes (codes.csv), the example images and the code scatters, checked
/// against values recomputed here from the saved parameters.
final class AutoencoderOutputsTests: XCTestCase {
    static func graph(_ layers: String, train: String = "{target: input, loss: mse}") throws -> (Graph, [Int]) {
        let text = """
        nnc: 1
        data: {source: digits, normalize: {scale: 0.0625}}
        model:
          input: [64]
          layers:
        \(layers)
        train: \(train)
        """
        let graph = try XCTUnwrap(AutoencoderSpecs.check(SourceFile(path: "graph.yaml", text: text), []).graph)
        let perExample = graph.nodes.map { node in (node.shape ?? []).reduce(1) { $0 * ($1.fixed ?? 1) } }
        return (graph, perExample)
    }

    static func find(_ layers: String) throws -> CodeLayer? {
        let (graph, perExample) = try graph(layers)
        return CodeLayer.find(in: graph, perExample: perExample)
    }

    func testCodeLayerIsNamedCodeElseTheNarrowestHiddenLayer() throws {
        let named = try Self.find("""
            - dense: {units: 4, activation: tanh}
            - dense: {units: 16, activation: tanh, name: code}
            - dense: {units: 64, activation: sigmoid}
        """)
        XCTAssertEqual(named, CodeLayer(node: 2, name: "code", width: 16, isPCA: false))
        let narrowest = try Self.find("""
            - noise: {mask: 0.2}
            - dense: {units: 16, activation: tanh}
            - dense: {units: 3, activation: tanh}
            - dense: {units: 3, activation: tanh}
            - dense: {units: 64, activation: sigmoid}
        """)
        XCTAssertEqual(narrowest, CodeLayer(node: 3, name: "dense3", width: 3, isPCA: false))
        let overcomplete = try Self.find("""
            - noise: {gaussian: 0.1}
            - dense: {units: 100, activation: sigmoid}
            - dense: {units: 64, activation: sigmoid}
        """)
        XCTAssertEqual(overcomplete?.name, "dense2")
        XCTAssertNil(try Self.find("    - dense: {units: 64, activation: sigmoid}"))
    }

    func testPCALayerCodeIsItsProjection() throws {
        let (graph, perExample) = try Self.graph("    - pca: {components: 5}", train: "{rule: pca, target: input}")
        XCTAssertEqual(CodeLayer.find(in: graph, perExample: perExample), CodeLayer(node: 1, name: "pca1", width: 5, isPCA: true))
    }

    /// codes.csv has every training then test example, its label, and the
    /// code h = σ(W x + b) of its clean input.
    func testCodesFileHasEveryExampleWithLabelAndCode() throws {
        let result = try AutoencoderSpecs.run("autoencoder-sparse", ["train.epochs=2"])
        let folder = try OutputScratchFolder()
        try OutputFiles.write(result, graph: nil, to: folder.path)
        let lines = try String(contentsOfFile: folder.file("codes.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "split,index,label," + (1...32).map { "code_\($0)" }.joined(separator: ","))
        let test = try XCTUnwrap(result.data.test)
        XCTAssertEqual(lines.count, 1 + result.data.train.count + test.count)

        let weight = try XCTUnwrap(result.parameters.first { $0.name == "code.weight" }).values
        let bias = try XCTUnwrap(result.parameters.first { $0.name == "code.bias" }).values
        for (line, part, split, index) in [(1, result.data.train, "train", 0), (1 + result.data.train.count + 7, test, "test", 7)] {
            let fields = lines[line].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(fields.count, 3 + 32)
            XCTAssertEqual(fields[0], split)
            XCTAssertEqual(fields[1], String(index))
            guard case .classes(let labels, _) = part.targets else { return XCTFail("digits have labels") }
            XCTAssertEqual(fields[2], String(labels[index]))
            let x = part.inputs[(index * 64)..<((index + 1) * 64)].map(Double.init)
            for j in 0..<32 {
                let a = zip(weight[(j * 64)..<((j + 1) * 64)], x).reduce(Double(bias[j])) { $0 + Double($1.0) * $1.1 }
                let h = 1 / (1 + exp(-a))
                XCTAssertEqual(try XCTUnwrap(Double(fields[3 + j])), h, accuracy: 1e-5, "\(split) \(index) unit \(j)")
            }
        }
    }

    /// The figures of a denoising run: each corrupted image is its original
    /// with some pixels set to 0, the reconstruction is the model's output
    /// for the corrupted image, and both scatters cover the test part.
    func testFiguresShowOriginalCorruptedReconstructedAndCodeScatters() throws {
        let result = try AutoencoderSpecs.run("autoencoder-denoising", ["train.epochs=2", "evaluate.show=5"])
        let outputs = try AutoencoderSpecs.outputs(result)
        let images = try XCTUnwrap(outputs.examples)
        XCTAssertEqual([images.height, images.width], [8, 8])
        XCTAssertEqual(images.rows.map(\.label), ["original", "corrupted", "reconstructed"])
        let test = try XCTUnwrap(result.data.test)
        guard case .classes(let labels, _) = test.targets else { return XCTFail("digits have labels") }
        XCTAssertEqual(images.classes, labels.prefix(5).map { Int($0) })

        let w1 = try XCTUnwrap(result.parameters.first { $0.name == "code.weight" }).values
        let b1 = try XCTUnwrap(result.parameters.first { $0.name == "code.bias" }).values
        let w2 = try XCTUnwrap(result.parameters.first { $0.name == "dense3.weight" }).values
        let b2 = try XCTUnwrap(result.parameters.first { $0.name == "dense3.bias" }).values
        /// σ(W x + b).
        func layer(_ w: [Float], _ b: [Float], _ x: [Double]) -> [Double] {
            (0..<b.count).map { j in
                var a = Double(b[j])
                for i in 0..<x.count { a += Double(w[j * x.count + i]) * x[i] }
                return 1 / (1 + exp(-a))
            }
        }
        for e in 0..<5 {
            let original = images.rows[0].images[e], corrupted = images.rows[1].images[e]
            XCTAssertEqual(original, Array(test.inputs[(e * 64)..<((e + 1) * 64)]))
            XCTAssertTrue(zip(original, corrupted).allSatisfy { $0.1 == $0.0 || $0.1 == 0 })
            // evaluate.corrupt masks round(0.3 · 64) = 19 pixels, some of which were 0 already.
            let zeroed = zip(original, corrupted).filter { $0.0 != 0 && $0.1 == 0 }.count
            XCTAssertGreaterThan(zeroed, 0)
            XCTAssertLessThanOrEqual(zeroed, 19)
            let expected = layer(w2, b2, layer(w1, b1, corrupted.map(Double.init)))
            for (got, want) in zip(images.rows[2].images[e], expected) { XCTAssertEqual(Double(got), want, accuracy: 1e-5) }
        }

        XCTAssertEqual(outputs.scatter.count, 2)
        for plot in outputs.scatter {
            XCTAssertEqual(plot.points.count, test.count)
            XCTAssertEqual(plot.points.map(\.label), labels.map { Int($0) })
            // Principal axes: the first has the larger spread.
            func variance(_ v: [Double]) -> Double {
                let m = v.reduce(0, +) / Double(v.count)
                return v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count)
            }
            XCTAssertGreaterThan(variance(plot.points.map(\.x)), variance(plot.points.map(\.y)), plot.title)
        }
        XCTAssertEqual(outputs.scatter[1].title, "PCA of the inputs (2 components)")

        let text = RunSummary.text(result)
        for fragment in ["code 'code' (32 units) on test: mean |h| ", "original", "corrupted", "reconstructed",
                         "autoencoder: code 'code' (32 units)", "PCA of the inputs", "+" + String(repeating: "-", count: 40) + "+"] {
            XCTAssertTrue(text.contains(fragment), "'\(fragment)' missing from:\n\(text)")
        }
    }

    /// PCA's codes are c = C (x − μ) and its scatter shows the first two.
    func testPCACodesAreProjectionsAndScatterShowsTheFirstTwo() throws {
        let result = try AutoencoderSpecs.run("pca-digits")
        let outputs = try AutoencoderSpecs.outputs(result)
        XCTAssertEqual(outputs.layer, CodeLayer(node: 1, name: "code", width: 8, isPCA: true))
        let components = try XCTUnwrap(result.parameters.first { $0.name == "code.components" }).values
        let mean = try XCTUnwrap(result.parameters.first { $0.name == "code.mean" }).values
        let test = try XCTUnwrap(result.data.test)
        let rows = outputs.codes.filter { $0.split == "test" }
        XCTAssertEqual(rows.count, test.count)
        for e in [0, 100, 358] {
            for k in 0..<8 {
                var c = 0.0
                for j in 0..<64 { c += Double(components[k * 64 + j]) * Double(test.inputs[e * 64 + j] - mean[j]) }
                XCTAssertEqual(Double(rows[e].values[k]), c, accuracy: 1e-5)
            }
        }
        let plot = try XCTUnwrap(outputs.scatter.first)
        XCTAssertEqual(outputs.scatter.count, 1)
        XCTAssertEqual(plot.points.map(\.x), rows.map { Double($0.values[0]) })
        XCTAssertEqual(plot.points.map(\.y), rows.map { Double($0.values[1]) })
        // A linear code: ‖∂c/∂x‖_F = ‖C‖_F = √8 for orthonormal rows.
        XCTAssertEqual(try XCTUnwrap(outputs.meanJacobianNorm), 8.0.squareRoot(), accuracy: 1e-5)
    }

    /// The figures' plane (orthogonal iteration) is spanned by the two
    /// leading eigenvectors of the full decomposition, in order and sign.
    func testPlaneProjectionFindsTheTwoLeadingEigenvectors() throws {
        let train = try AutoencoderSpecs.run("pca-digits").data.train
        let full = train.inputs.withUnsafeBufferPointer { PrincipalComponents(rows: $0, count: train.count, features: 64) }
        let plane = train.inputs.withUnsafeBufferPointer { PlaneProjection(rows: $0, count: train.count, features: 64) }
        XCTAssertEqual(plane.axes.count, 2)
        for a in 0..<2 {
            for j in 0..<64 { XCTAssertEqual(plane.axes[a][j], full.vectors[a * 64 + j], accuracy: 1e-6, "axis \(a)") }
        }
        for j in 0..<64 { XCTAssertEqual(plane.mean[j], full.mean[j], accuracy: 1e-12) }
    }

    func testClassifierHasNoAutoencoderOutputs() throws {
        let result = try AutoencoderSpecs.run("iris-softmax", ["train.epochs=1"])
        XCTAssertNil(result.autoencoder)
        let folder = try OutputScratchFolder()
        try OutputFiles.write(result, graph: nil, to: folder.path)
        XCTAssertFalse(try folder.contents().contains("codes.csv"))
    }
}
