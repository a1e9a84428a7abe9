/// `hopfield`: z_i = sign(Σ_j w_ji z_j), updated until stable; weights stored by the Hebbian rule.
public struct HopfieldOptions: LayerKind {
    public var synchronous: Bool
    public var randomOrder: Bool
    public var maxSweeps: Int
    public var selfWeight: Double

    public static let schemaCases = [LayerFields.entry("hopfield", [
        Field("update", .keyword(["async", "sync"]), default: "async", "asynchronous (one unit at a time) or synchronous updates"),
        Field("order", .keyword(["random", "sequential"]), default: "random", "unit order of asynchronous sweeps"),
        Field("max_sweeps", .integer(min: 1, max: 1_000_000), default: "100", "stop after this many sweeps"),
        Field("self_weight", .anyNumber, default: "0", "the diagonal w_ii"),
    ], "Hopfield network: z_i = sign(Σ_j w_ji z_j) until stable")]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let update = o.text("update"), let order = o.text("order"), let maxSweeps = o.int("max_sweeps"),
              let selfWeight = o.number("self_weight") else { return nil }
        return .hopfield(HopfieldOptions(synchronous: update == "sync", randomOrder: order == "random",
                                         maxSweeps: maxSweeps, selfWeight: selfWeight))
    }

    public var kindName: String { "hopfield" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        let x = c.x
        guard x.count == 1, let k = x[0].fixed else {
            c.error(x.count == 1 ? "E0308" : "E0301", "'hopfield' expects a vector of a fixed number of units, got \(describe(x))",
                    help: x.count > 1 ? "insert '- flatten' before this layer" : nil)
            return nil
        }
        guard let w = LayerInference.mul(k, k) else { return c.tooLarge() }
        return InferredLayer(shape: x, macs: c.perStep(w, nil))
    }

    public func parameters(input: Shape) -> [ParameterSpec] {
        let k = input.last?.fixed ?? 0
        return [ParameterSpec(.weight, [k, k])]
    }

    public var trainedBy: [LearningRule] { [.hebbian] }
    public var outputActivation: ActivationKind? { .sign }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .none }

    public func checkUntrained(_ c: inout LayerContext) {
        c.error("E0506", "'\(c.name)' stores patterns only through training", help: "add 'train: {rule: hebbian}'")
    }
}
