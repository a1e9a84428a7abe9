/// The `inline:` dataset form: literal examples written in the spec.

/// Targets written inline: one class index per example, or one vector per example.
public enum InlineTargets: Sendable, Equatable {
    /// `targets: [0, 1, 1, 0]`: class indices (whole numbers ≥ 0).
    case classes([Float])
    /// `targets: [[0], [1], [1], [0]]`: one vector per example, all the same length.
    case vectors([[Float]])
}

extension Dataset {
    /// Builds a dataset from literal rows.
    /// - Parameters:
    ///   - inputs: one row per example, all the same length F.
    ///   - targets: optional; as many as there are rows.
    ///   - classes: K for class targets (labels must be < K); default the largest + 1.
    ///   - inputShape: the per-example shape when not [F] (its product must be F),
    ///     e.g. [1, 3, 3] for 3x3 images written as rows of 9.
    public static func inline(inputs: [[Float]], targets: InlineTargets? = nil, classes: Int? = nil,
                              inputShape: [Int]? = nil) throws -> Dataset {
        func fail(_ message: String) -> DataError { .malformed("inline: \(message)") }
        guard let first = inputs.first else { throw fail("no input rows") }
        guard !first.isEmpty else { throw fail("input row 1 is empty") }
        let width = first.count
        if let bad = inputs.firstIndex(where: { $0.count != width }) {
            throw fail("input row \(bad + 1) has \(inputs[bad].count) values, expected \(width) (as in row 1)")
        }
        for (r, row) in inputs.enumerated() {
            if let c = row.firstIndex(where: { !$0.isFinite }) {
                throw fail("input row \(r + 1), value \(c + 1) is \(row[c]), not a finite number")
            }
        }
        let shape = inputShape ?? [width]
        guard shape.allSatisfy({ $0 > 0 }), SizeLimits.checkedProduct(shape) == width else {
            throw fail("input shape \(shape) does not hold the \(width) values of a row")
        }

        var dataTargets = Targets.none
        switch targets {
        case nil:
            break
        case .classes(let labels)?:
            guard labels.count == inputs.count else { throw fail("\(labels.count) targets for \(inputs.count) input rows") }
            if let k = classes, k < 1 { throw DataError.invalidOption("inline: classes must be at least 1, got \(k)") }
            for (r, v) in labels.enumerated() {
                guard v >= 0, v.rounded() == v, v <= Float(1 << 24) else {
                    throw fail("target \(r + 1) is \(v), not a class index (a whole number in 0...\(1 << 24))")
                }
                if let k = classes, Int(v) >= k { throw fail("target \(r + 1) is \(Int(v)), outside the classes 0..<\(k)") }
            }
            let classCount = classes ?? Int(labels.max() ?? 0) + 1
            dataTargets = .classes(labels.map { Int32($0) }, classCount: classCount)
        case .vectors(let rows)?:
            guard rows.count == inputs.count else { throw fail("\(rows.count) targets for \(inputs.count) input rows") }
            guard let targetWidth = rows.first?.count, targetWidth > 0 else { throw fail("target row 1 is empty") }
            if let bad = rows.firstIndex(where: { $0.count != targetWidth }) {
                throw fail("target row \(bad + 1) has \(rows[bad].count) values, expected \(targetWidth) (as in row 1)")
            }
            for (r, row) in rows.enumerated() {
                if let c = row.firstIndex(where: { !$0.isFinite }) {
                    throw fail("target row \(r + 1), value \(c + 1) is \(row[c]), not a finite number")
                }
            }
            dataTargets = .vectors(rows.flatMap { $0 }, shape: [targetWidth])
        }
        return try Dataset(inputs: inputs.flatMap { $0 }, inputShape: shape, targets: dataTargets)
    }
}
