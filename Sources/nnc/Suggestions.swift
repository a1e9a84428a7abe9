import NNCSpec

/// Help for the usual slips on the command line: a misspelt command (`nnc chek`),
/// and a spec key given as a flag (`--lr 0.1`), which is an override (`--set`).
enum Suggestions {
    /// "'chek' is not an nnc command; did you mean 'check'?" when the first argument names no command.
    static func unknownCommand(_ arguments: [String], commands: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !commands.contains(first), first != "help" else { return nil }
        let shown = String(first.prefix(40).unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        let isSpec = first.hasSuffix(".yaml") || first.hasSuffix(".yml")
        let hint = isSpec ? "to train it: nnc run \(shown); to check it: nnc check \(shown)"
            : closest(to: first, in: commands).map { "did you mean '\($0)'?" } ?? "the commands are \(commands.joined(separator: ", "))"
        return "error: '\(shown)' is not an nnc command; \(hint) (nnc --help lists them)"
    }

    /// Spec keys people pass as flags, and the `--set` path each one has.
    static let specKeyFlags: [String: String] = [
        "lr": "train.optimizer.sgd.lr", "learning-rate": "train.optimizer.sgd.lr", "momentum": "train.optimizer.sgd.momentum",
        "batch": "train.batch", "batch-size": "train.batch", "loss": "train.loss", "optimizer": "train.optimizer",
        "shuffle": "train.shuffle", "patience": "train.stop.patience", "rule": "train.rule", "metrics": "evaluate.metrics",
    ]

    /// For ArgumentParser's "Unknown option '--lr'": the `--set` spelling, instead of its nearest flag.
    static func unknownOption(in message: String, command: String) -> String? {
        guard let start = message.range(of: "Unknown option '--")?.upperBound,
              let end = message[start...].firstIndex(of: "'") else { return nil }
        let name = String(message[start..<end])
        guard let path = specKeyFlags[name], command != "bench" || name != "batch" else { return nil }
        let example = path.hasSuffix(".lr") ? "\(path)=0.01 (or train.optimizer.adam.lr=0.001)" : "\(path)=…"
        return "error: '--\(name)' is not an option of nnc \(command): '\(path.split(separator: ".").last ?? "")' is a spec key; "
            + "override it with --set \(example)"
    }
}
