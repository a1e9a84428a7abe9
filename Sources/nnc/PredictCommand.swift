import ArgumentParser
import Foundation
import NNCRuntime

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a trained model to new inputs.",
        discussion: """
        MODEL is a model.safetensors written by `nnc run --out`, or that folder. Inputs: .npy of shape \
        [N, ...input shape] (float32/float64/uint8), or .csv with one example per row (a header row is allowed); \
        the model's normalization is applied. Output: .npy (float32 [N, ...output shape]) or .csv; without \
        --output, CSV on stdout. Exit 0: done; 2: a file cannot be read or is not .npy/.csv; 3: the inputs do not fit the model.
        """)

    @Argument(help: "A model.safetensors, or a run's output folder.")
    var model: String

    @Option(help: "The inputs: .npy or .csv.")
    var input: String

    @Option(help: "Where to write the outputs: .npy or .csv (default: CSV on stdout).")
    var output: String?

    @Flag(help: "Write the autoencoder's (or PCA's) code layer instead of the output.")
    var code = false

    @Option(help: "Worker threads (default: 1).")
    var threads: Int = 1

    func validate() throws {
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be in 1...256") }
        if let output, !["npy", "csv"].contains((output as NSString).pathExtension.lowercased()) {
            throw ValidationError("--output must end in .npy or .csv, got '\(output)'")
        }
    }

    func run() throws {
        do {
            let loaded = try LoadedModel.load(model)
            let inputs = try PredictionFiles.readInputs(input, model: loaded)
            let outputs = try Predictor.predict(loaded, inputs: inputs, code: code, threads: threads)
            if let output, (output as NSString).pathExtension.lowercased() == "npy" {
                try writeAtomically(PredictionFiles.npy(outputs.values, shape: [outputs.count] + outputs.shape), to: output)
            } else {
                let text = PredictionFiles.csv(outputs, model: loaded, code: code)
                if let output { try writeAtomically(text: text, to: output) } else { print(text, terminator: "") }
            }
        } catch let e as ModelError {
            Terminal.writeError("error: \(e.message)\n")
            throw e.kind == .unreadable ? Exit.usage : Exit.runFailed
        } catch {
            Terminal.writeError("error: \(error)\n")
            throw Exit.runFailed
        }
    }
}
