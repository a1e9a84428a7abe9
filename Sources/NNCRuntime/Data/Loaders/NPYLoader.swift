/// The `npy:` dataset form: NumPy arrays saved with `numpy.save`.

extension Dataset {
    /// Loads inputs (and optionally targets) from `.npy` files.
    /// - inputs: shape (N, ...) → N examples of shape [...] ((N,) → [1]).
    /// - targets: (N,) of an integer dtype → class labels (whole numbers ≥ 0;
    ///   K = `classes`, or the largest + 1); (N,) of a float dtype → vectors [1]
    ///   (regression); (N, ...) with two or more dimensions → vectors [...].
    public static func loadNPY(inputs: String, targets: String? = nil, classes: Int? = nil) throws -> Dataset {
        if let k = classes, k < 1 { throw DataError.invalidOption("npy: classes must be at least 1, got \(k)") }
        let x = try NPYArray(path: inputs)
        let count = x.shape[0]
        let inputShape = x.shape.count == 1 ? [1] : Array(x.shape.dropFirst())

        var dataTargets = Targets.none
        if let targets {
            let y = try NPYArray(path: targets)
            guard y.shape[0] == count else {
                throw DataError(.malformed, "\(y.shape[0]) targets for the \(count) examples of \(inputs)", at: DataLocation(file: targets))
            }
            switch (y.values, y.shape.count) {
            case (.integers(let labels), 1):
                let limit = Int64(classes ?? Int(Int32.max) + 1)
                if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= limit }) {
                    let range = classes.map { "0..<\($0)" } ?? "0...\(Int32.max)"
                    throw DataError(.malformed, "label \(labels[bad]) of example \(bad) is outside the classes \(range)",
                                    code: DataErrorCode.badLabel, at: DataLocation(file: targets))
                }
                let classCount = classes ?? Int(labels.max() ?? 0) + 1
                dataTargets = .classes(labels.map { Int32($0) }, classCount: classCount)
            case (_, 1):
                dataTargets = .vectors(y.floats, shape: [1])
            default:
                dataTargets = .vectors(y.floats, shape: Array(y.shape.dropFirst()))
            }
        }
        return try Dataset(inputs: x.floats, inputShape: inputShape, targets: dataTargets)
    }
}
