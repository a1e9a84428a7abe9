import NNCSpec

/// Willshaw's binary associative memory on one binary `threshold` layer:
/// w_ri = max over the stored pairs of x_i y_r, with x and y read as 0/1
/// (x > 0 is 1). One pass; the layer's starting weights are replaced and its
/// threshold is left as given: recall is meant for `threshold: auto`
/// (s = l − ½ − tolerance, l the active inputs of the cue), which recalls
/// every stored pair without a missing one. The note gives the memory's load,
/// the fraction of weights set to 1 (false ones become likely as it grows).
enum ClippedHebbianRule {
    static func train(_ c: RuleContext) throws -> ClassicTraining.Outcome {
        guard case .layer(.threshold(let options)) = c.layer.op, !options.bipolar else {
            throw RunError.bug("clipped_hebbian on '\(c.layer.name)', which is not a binary threshold layer")
        }
        try c.requireVectorInput()
        guard let targets = try c.layerTargets(.binary) else {
            throw RunError.data("rule 'clipped_hebbian' stores pattern pairs, but the training data has no targets")
        }
        let x = c.layerInputs()
        let f = c.inputSize, units = c.units, count = c.examples.count
        let weight = try c.entry(.weight)
        let w = c.parameters.pointer(weight)
        w.update(repeating: 0, count: weight.count)
        for e in 0..<count {
            for r in 0..<units where targets[e * units + r] > 0 {
                for i in 0..<f where x[e * f + i] > 0 { w[r * f + i] = 1 }
            }
        }
        var set = 0
        for j in 0..<weight.count where w[j] > 0 { set += 1 }
        var notes = ["clipped_hebbian: stored \(count) pair\(count == 1 ? "" : "s"); \(set) of \(weight.count) weights set "
            + "(load \(formatMetric(Double(set) / Double(max(1, weight.count)))))"]
        if options.threshold != .auto {
            notes.append("clipped_hebbian: '\(c.layer.name)' keeps its threshold; 'threshold: auto' recalls with s = l − ½")
        }
        return ClassicTraining.Outcome(notes: notes)
    }
}
