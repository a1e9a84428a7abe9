import NNCRuntime

public enum PyTorchExport {
    public static func source(_ model: LoadedModel, producerVersion: String) throws -> String {
        throw ExportError("not yet")
    }
}
