/// Padding sequence data to more time steps, so that a training and a test
/// part drawn separately (e.g. Reber strings, whose longest string sets T)
/// share one T and one plan.

extension Dataset {
    /// The same examples with inputShape [steps, F...] (steps ≥ T), zeros
    /// after each sequence. Per-step vector targets ([T, K]) are padded alike
    /// and masked: `targetMask` gains 0 on the new steps (and is created, 1 on
    /// the old steps, when there was none); `lengths` are kept (or become T
    /// for every example), so recurrent layers carry their state through the
    /// padding and the loss and metrics ignore it. Per-sequence targets ([K]
    /// or classes) and long-range steps are unchanged.
    /// Throws when the data is not a sequence or `steps` < T.
    public func padded(toSteps steps: Int) throws -> Dataset {
        guard inputShape.count >= 2 else {
            throw DataError.invalidOption("padding needs sequences [T, F], the examples have shape \(inputShape)")
        }
        let oldSteps = inputShape[0]
        guard steps >= oldSteps else {
            throw DataError.invalidOption("cannot pad sequences of \(oldSteps) steps to \(steps)")
        }
        if steps == oldSteps { return self }
        var newShape = inputShape
        newShape[0] = steps
        let inputs = try Self.padRows(inputs, count: count, oldRow: inputSize, newRow: steps * (inputSize / oldSteps))

        var targets = self.targets
        var mask = targetMask
        var allowed = allowedTargets
        if case .vectors(let values, let shape) = self.targets, shape.count >= 2, shape[0] == oldSteps {
            var targetShape = shape
            targetShape[0] = steps
            let oldRow = values.count / count, newRow = steps * (oldRow / oldSteps)
            targets = .vectors(try Self.padRows(values, count: count, oldRow: oldRow, newRow: newRow), shape: targetShape)
            let oldMask = targetMask ?? [Float](repeating: 1, count: count * oldSteps)
            mask = try Self.padRows(oldMask, count: count, oldRow: oldSteps, newRow: steps)
            allowed = try allowedTargets.map { try Self.padRows($0, count: count, oldRow: oldRow, newRow: newRow) }
        }
        return try Dataset(inputs: inputs, inputShape: newShape, targets: targets,
                           lengths: lengths ?? [Int](repeating: oldSteps, count: count), targetMask: mask,
                           allowedTargets: allowed, longRangeSteps: longRangeSteps, name: name,
                           featureNames: featureNames, classNames: classNames)
    }

    /// [count, oldRow] → [count, newRow], each row zero-padded at its end.
    private static func padRows(_ values: [Float], count: Int, oldRow: Int, newRow: Int) throws -> [Float] {
        _ = try SizeLimits.elements([count, newRow], "padded sequences")
        var out = [Float](repeating: 0, count: count * newRow)
        for i in 0..<count {
            out.replaceSubrange((i * newRow)..<(i * newRow + oldRow), with: values[(i * oldRow)..<((i + 1) * oldRow)])
        }
        return out
    }
}
