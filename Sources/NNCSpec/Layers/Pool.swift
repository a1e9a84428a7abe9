/// `maxpool` / `avgpool`: [C, H, W] -> [C, ⌊(H − size)/stride⌋ + 1, ...].
public struct PoolOptions: LayerKind {
    public var isMax: Bool
    public var size: (Int, Int)
    public var stride: (Int, Int)

    public init(isMax: Bool, size: (Int, Int), stride: (Int, Int)) { self.isMax = isMax; self.size = size; self.stride = stride }

    static let fields = [
        Field("size", LayerFields.intOrPair, required: true, "window n or [h, w]"),
        Field("stride", LayerFields.intOrPair, "stride (default: size)"),
    ]
    public static let schemaCases = [
        LayerFields.entry("maxpool", fields, "max pooling: [C, H, W] -> [C, ⌊(H − size)/stride⌋ + 1, ...]"),
        LayerFields.entry("avgpool", fields, "average pooling"),
    ]

    public static func decode(_ o: LayerOptions, _ diagnostics: inout DiagnosticBag) -> LayerOp? {
        guard let size = o.pair("size") else { return nil }
        return .pool(PoolOptions(isMax: o.kind == "maxpool", size: size, stride: o.pair("stride") ?? size))
    }

    public var kindName: String { isMax ? "maxpool" : "avgpool" }

    public func infer(_ c: inout LayerInference) -> InferredLayer? {
        guard let (channels, h, w) = c.image() else { return nil }
        guard let oh = c.window(h, size.0, stride.0, 0, "H", at: "size"),
              let ow = c.window(w, size.1, stride.1, 0, "W", at: "size") else { return nil }
        return InferredLayer(shape: [.fixed(channels), .fixed(oh), .fixed(ow)])
    }

    public func parameters(input: Shape) -> [ParameterSpec] { [] }
    public var trainedBy: [LearningRule] { [] }
    public var outputActivation: ActivationKind? { nil }
    public var gradientBlocker: String? { nil }
    public var fusion: FusionRole { .pool(isMax: isMax) }
}
