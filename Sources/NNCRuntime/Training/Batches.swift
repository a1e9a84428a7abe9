import NNCKernels

/// Copying examples into a plan's input and target buffers (no allocation).
extension Plan {
    /// Inputs of `indices` into the input buffer; sequence lengths when the data has them.
    public func loadInputs(_ data: Dataset, _ indices: ArraySlice<Int>) {
        let size = data.inputSize
        let x = values[0].pointer
        data.inputs.withUnsafeBufferPointer { src in
            guard let base = src.baseAddress else { return }
            for (row, i) in indices.enumerated() {
                (x + row * size).update(from: base + i * size, count: size)
            }
        }
        if let lens = data.lengths {
            hasLengths = true
            for (row, i) in indices.enumerated() { lengths.pointer[row] = Int32(clamping: lens[i]) }
        } else {
            hasLengths = false
        }
    }
}

extension LossHead {
    /// Targets of `indices` (or the inputs themselves for `target: input`) into the head's buffers.
    public func loadTargets(_ data: Dataset, _ indices: ArraySlice<Int>, targetIsInput: Bool) {
        let perExample = rowsPerExample * width
        hasRowWeights = false
        if targetIsInput {
            data.inputs.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                for (row, i) in indices.enumerated() {
                    (targets.pointer + row * perExample).update(from: base + i * perExample, count: perExample)
                }
            }
            return
        }
        switch data.targets {
        case .none:
            targets.zero(indices.count * perExample)
        case .classes(let labels, _):
            for (row, i) in indices.enumerated() {
                let label = labels[i]
                if targetsMode == .labels {
                    self.labels.pointer[row] = label
                } else if width == 1 {
                    targets.pointer[row] = Float(label)
                } else {
                    let t = targets.pointer + row * width
                    t.update(repeating: 0, count: width)
                    if label >= 0 && Int(label) < width { t[Int(label)] = 1 }
                }
            }
        case .vectors(let values, _):
            values.withUnsafeBufferPointer { src in
                guard let base = src.baseAddress else { return }
                for (row, i) in indices.enumerated() {
                    (targets.pointer + row * perExample).update(from: base + i * perExample, count: perExample)
                }
            }
        }
        if let mask = data.targetMask, rowsPerExample > 1, mask.count == data.count * rowsPerExample {
            hasRowWeights = true
            for (row, i) in indices.enumerated() {
                for t in 0..<rowsPerExample { rowWeights.pointer[row * rowsPerExample + t] = mask[i * rowsPerExample + t] }
            }
        }
    }
}
