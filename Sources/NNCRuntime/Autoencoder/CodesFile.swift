/// codes.csv (written by `nnc run --out DIR` for autoencoders and PCA): one
/// row per example, the training examples then the test ones, with a header:
///
///     split,index,label,code_1,...,code_k
///
/// `split` is `train` or `test`, `index` the example's position in its part
/// (0-based, after the spec's shuffle and split), `label` its class (empty
/// when the data has no classes), then the k values of the code layer for
/// the clean input (evaluation mode). Values are printed exactly (the
/// shortest decimal that reads back as the same Float).
public enum CodesFile {
    public static func csv(_ outputs: AutoencoderOutputs) -> String {
        var out = "split,index,label"
        for k in 1...max(1, outputs.layer.width) { out += ",code_\(k)" }
        out += "\n"
        for row in outputs.codes {
            out += "\(row.split),\(row.index),\(row.label.map(String.init) ?? "")"
            for v in row.values { out += ",\(v)" }
            out += "\n"
        }
        return out
    }
}
