import ArgumentParser
import Foundation
import NNCExport
import NNCRuntime

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a trained model as ONNX, or as a standalone PyTorch module.",
        discussion: """
        --to onnx: one ONNX graph (opset 17, dynamic batch, the normalization as its first nodes). \
        --to pytorch: one Python file (torch and safetensors only) with `class Model`, `load(path)` and a \
        `train` command that runs data-parallel under torchrun (backprop networks only). \
        Exit 0: done; 2: the model cannot be read, or it cannot be exported to that target (the message says why).
        """)

    enum Target: String, ExpressibleByArgument, CaseIterable { case onnx, pytorch }

    @Argument(help: "A model.safetensors, or a run's output folder.")
    var model: String

    @Option(help: "onnx or pytorch.")
    var to: Target

    @Option(help: "The file to write (model.onnx, model.py).")
    var output: String

    func run() throws {
        do {
            let loaded = try LoadedModel.load(model)
            switch to {
            case .onnx: try ONNXExport.write(loaded, to: output, producerVersion: NNC.version)
            case .pytorch: try writeAtomically(text: try PyTorchExport.source(loaded, producerVersion: NNC.version), to: output)
            }
        } catch let e as ModelError {
            Terminal.writeError("error: \(e.message)\n")
            throw e.kind == .unreadable ? Exit.usage : Exit.runFailed
        } catch let e as ExportError {
            Terminal.writeError("error: cannot export \(model) to \(to.rawValue): \(e.message)\n")
            throw Exit.usage
        } catch {
            Terminal.writeError("error: \(error)\n")
            throw Exit.runFailed
        }
    }
}
