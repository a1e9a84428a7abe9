import NNCSpec

/// Checks on a layer kind's parameter layout (`LayerKind.parameters(input:)`).
enum ParameterLayout {
    /// The layout when its sizes and their total fit an Int; nil: too large.
    static func checked(_ specs: [ParameterSpec]) -> [ParameterSpec]? {
        var total = 0
        for s in specs {
            guard let n = LayerInference.product(s.shape), let t = LayerInference.add(total, n) else { return nil }
            total = t
        }
        return specs
    }

    /// Learned values of a layout.
    static func learnedCount(_ layout: [ParameterSpec]) -> Int {
        layout.reduce(0) { $0 &+ ($1.learned ? $1.count : 0) }
    }
}
