/// Reading flat rows (a CSV file's columns) as the model's input shape:
/// images [C, H, W] or sequences [T, F] written one example per row.

extension Dataset {
    /// The same examples with inputs of shape `shape` (same number of values,
    /// row-major: for [T, F], step 0's F values come first). Feature names
    /// are kept only when they still name the last axis.
    public func reshapedInputs(_ shape: [Int]) throws -> Dataset {
        guard shape.allSatisfy({ $0 > 0 }), SizeLimits.checkedProduct(shape) == inputSize else {
            throw DataError.invalidOption("examples of \(inputSize) values cannot be read as shape \(shape)")
        }
        if shape == inputShape { return self }
        let names = featureNames.flatMap { $0.count == shape.last ? $0 : nil }
        return try Dataset(inputs: inputs, inputShape: shape, targets: targets, name: name, featureNames: names,
                           classNames: classNames)
    }

    /// The model input shape `model` (fixed sizes, or a symbolic first
    /// dimension such as T) that holds exactly `values` values per example;
    /// nil when none does (or when `model` has one dimension).
    static func rowShape(_ model: [Int?], values: Int) -> [Int]? {
        guard model.count >= 2 else { return nil }
        let rest = model.dropFirst()
        guard rest.allSatisfy({ $0 != nil }) else { return nil }
        let inner = rest.reduce(1) { $0 * ($1 ?? 1) }
        guard inner > 0, values % inner == 0, values >= inner else { return nil }
        let first = model[0] ?? values / inner
        return first * inner == values ? [first] + rest.map { $0 ?? 1 } : nil
    }
}
