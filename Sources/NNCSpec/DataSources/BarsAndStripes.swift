import NNCData
import NNCKernels

/// `bars_and_stripes`: every N×N binary image whose rows are each all on or
/// all off (bars, label 0) or whose columns are (stripes, label 1).
///
/// The blank and the full image are both; each appears once, labelled as bars,
/// so there are 2^(N+1) − 2 distinct images: first the 2^N bars (row r on when
/// bit N−1−r of the counter is set, counter 0..<2^N), then the 2^N − 2 stripes
/// (column c likewise, counter 1..<2^N − 1). Inputs [N·N] (or [1, N, N]).
public struct BarsAndStripesSource: SourceDescriptor {
    /// N, the image side (at least 2).
    public var size: Int
    /// Images of shape [1, N, N] instead of vectors [N·N].
    public var image: Bool

    public init(size: Int, image: Bool) {
        self.size = size
        self.image = image
    }

    public static let classNames = ["bars", "stripes"]

    public static let schema = [(name: "bars_and_stripes", fields: [
        Field("size", .integer(min: 2, max: 16), default: "4", "image side"), Field.sourceImage,
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) -> BarsAndStripesSource {
        BarsAndStripesSource(size: o.int("size"), image: o.bool("image"))
    }

    public var name: String { "bars_and_stripes" }
    public var options: [(name: String, value: OptionValue)] { [("size", .integer(size)), ("image", .bool(image))] }

    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: shape.map(Dim.fixed), targets: .classes(2),
                          count: (0..<61).contains(size) ? (1 << (size + 1)) - 2 : nil, values: .binary)
    }

    public func validate(modelInput: Shape) throws { _ = try exampleCount() }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        let rows = try exampleCount()
        let n = size
        let pixels = n * n
        var inputs = [Float](repeating: 0, count: rows * pixels)
        var labels = [Int32](repeating: 0, count: rows)
        var example = 0
        for (label, masks) in [(0, 0..<(1 << n)), (1, 1..<((1 << n) - 1))] {
            for mask in masks {
                for r in 0..<n {
                    for c in 0..<n {
                        let line = label == 0 ? r : c
                        if (mask >> (n - 1 - line)) & 1 == 1 { inputs[example * pixels + r * n + c] = 1 }
                    }
                }
                labels[example] = Int32(label)
                example += 1
            }
        }
        return try Dataset(inputs: inputs, inputShape: shape, targets: .classes(labels, classCount: 2),
                           classNames: Self.classNames)
    }

    private var shape: [Int] { image ? [1, size, size] : [size * size] }

    private func exampleCount() throws -> Int {
        guard size >= 2 else { throw DataError.invalidOption("bars_and_stripes: size must be at least 2, got \(size)") }
        let rows = try SizeLimits.allBinaryVectors(bits: size + 1, "bars_and_stripes (size: \(size))") - 2
        _ = try SizeLimits.elements([rows, size, size], "bars_and_stripes (size: \(size))")
        return rows
    }
}
