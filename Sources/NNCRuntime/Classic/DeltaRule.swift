import NNCKernels

/// (Being written: issue 4.)
enum DeltaRule {
    static func train(_ c: RuleContext, random: inout SeededRandom) throws -> ClassicTraining.Outcome {
        throw RunError.data("rule '\(c.train.rule.rawValue)' cannot run yet")
    }
}
