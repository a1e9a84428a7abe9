/// Value encodings of the spec's `encoding:` and `one_hot:` options.

/// How binary-valued data is written: 0/1 or −1/+1.
public enum Encoding: Sendable, Equatable {
    /// 0 and 1 (−1 becomes 0).
    case binary
    /// −1 and +1 (0 becomes −1).
    case bipolar
}

extension Dataset {
    /// The inputs (and binary-valued vector targets) written in `encoding`.
    /// Every input value must be 0, 1 or −1, otherwise this throws naming the
    /// first other value. Vector targets are converted when every value is
    /// 0, 1 or −1 and left as they are otherwise (e.g. real-valued regression
    /// targets). Class labels, sequence padding (steps beyond `lengths`) and
    /// masked-out target steps stay as they are.
    public func encoded(_ encoding: Encoding) throws -> Dataset {
        var result = self
        let size = inputSize
        for i in 0..<count {
            let valid = validInputCount(i)
            for j in (i * size)..<(i * size + valid) {
                guard let v = Self.recode(inputs[j], encoding) else {
                    throw DataError.invalidOption(
                        "encoding \(encoding) needs binary inputs (0/1 or -1/+1); example \(i) has the value \(inputs[j])")
                }
                result.inputs[j] = v
            }
        }
        if case .vectors(let values, let shape) = targets,
           values.allSatisfy({ Self.recode($0, encoding) != nil }) {
            var converted = values
            let steps = targetMask == nil ? 1 : shape[0]
            let stepSize = targetSize / steps
            for i in 0..<count {
                for t in 0..<steps where targetMask.map({ $0[i * steps + t] == 1 }) ?? true {
                    let start = i * targetSize + t * stepSize
                    for j in start..<(start + stepSize) {
                        converted[j] = Self.recode(values[j], encoding) ?? values[j]
                    }
                }
            }
            result.targets = .vectors(converted, shape: shape)
        }
        return result
    }

    private static func recode(_ v: Float, _ encoding: Encoding) -> Float? {
        guard v == 0 || v == 1 || v == -1 else { return nil }
        switch encoding {
        case .binary: return v == 1 ? 1 : 0
        case .bipolar: return v == 1 ? 1 : -1
        }
    }

    /// Class labels as one-hot vectors of shape [classCount]; class names carry
    /// over as the names of the vector components.
    public func oneHot() throws -> Dataset {
        guard case .classes(let labels, let k) = targets else {
            throw DataError.invalidOption("one_hot needs class-label targets; these targets are \(targets.kindDescription)")
        }
        _ = try SizeLimits.elements([count, k], "one-hot targets")
        var vectors = [Float](repeating: 0, count: count * k)
        for (i, label) in labels.enumerated() {
            vectors[i * k + Int(label)] = 1
        }
        var result = self
        result.targets = .vectors(vectors, shape: [k])
        return result
    }
}
