/// Keys users write in the wrong section (Keras' `fit(lr=…)` habits, flat configs):
/// where each one lives, for the help line of E0101 "unknown key".
enum MisplacedKeys {
    /// The key's home, as a help line; nil when the key is unknown everywhere (or really belongs here).
    /// `section`: the validator's name for the mapping (`'train'`, `'data'`, `the spec`, a layer kind `'dense'`).
    static func help(key: String, section: String) -> String? {
        let optimizerKeys: Set<String> = ["lr", "learning_rate", "momentum", "beta1", "beta2", "eps", "weight_decay", "nesterov"]
        if optimizerKeys.contains(key), !["'sgd'", "'adam'", "'optimizer'"].contains(section) {
            return "'\(key)' belongs under 'optimizer' in 'train': `train: {optimizer: {sgd: {\(key == "learning_rate" ? "lr" : key): …}}}` "
                + "(or adam); on the command line --set train.optimizer.sgd.\(key == "learning_rate" ? "lr" : key)=…"
        }
        let home: [String: String] = [
            "epochs": "train", "batch": "train", "batch_size": "train", "loss": "train", "optimizer": "train", "rule": "train",
            "schedule": "train", "shuffle": "train", "patience": "train.stop", "early_stopping": "train.stop",
            "metrics": "evaluate", "corrupt": "evaluate",
            "layers": "model", "input": "model", "input_shape": "model",
            "source": "data", "csv": "data", "split": "data", "normalize": "data",
        ]
        guard let where_ = home[key], section != "'\(where_)'" else { return nil }
        let name = key == "batch_size" ? "batch" : key == "input_shape" ? "input" : key == "early_stopping" ? "patience" : key
        if where_ == "train.stop" { return "'\(key)' belongs under 'stop' in 'train': `train: {stop: {patience: N}}`" }
        return "'\(key)' belongs in '\(where_)'" + (name == key ? "" : " (as '\(name)')") + ": `\(where_): {\(name): …}`"
    }
}
