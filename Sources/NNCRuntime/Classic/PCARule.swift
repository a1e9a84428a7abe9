/// (Being written: issues 4 and 5.)
enum PCARule {
    static func train(_ c: RuleContext) throws -> ClassicTraining.Outcome {
        throw RunError.data("rule '\(c.train.rule.rawValue)' cannot run yet")
    }
}
