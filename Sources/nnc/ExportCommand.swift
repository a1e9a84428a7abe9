import ArgumentParser
import Foundation
import NNCRuntime

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a model to ONNX or PyTorch.")
    @Argument(help: "A model.safetensors, or a run's output folder.")
    var model: String
    func run() throws {}
}
