import NNCData
import NNCKernels

/// `letters`: bitmap capital letters for Hopfield networks and auto-associative
/// recall.
///
/// Each letter of the built-in 5x7 font (`LetterFont`) is resampled to H×W by
/// nearest neighbour, each axis stretched on its own (pixel centres map to
/// pixel centres: source row ⌊(r + ½) · 7 / H⌋), so [7, 5] is the font itself.
/// Values 0/1; labels 0..<count (the letter's index); class names "A", "B", ….
/// Inputs [H·W] (or [1, H, W] with `image`). Sizes so small that two chosen
/// letters become the same image are rejected (by `validate`, so by `nnc check`).
public struct LettersSource: SourceDescriptor {
    /// [H, W].
    public var size: [Int]
    /// The first `count` letters of the alphabet (1...26).
    public var count: Int
    /// Images of shape [1, H, W] instead of vectors [H·W].
    public var image: Bool

    public init(size: [Int], count: Int, image: Bool) {
        self.size = size
        self.count = count
        self.image = image
    }

    public static let schema = [(name: "letters", fields: [
        Field("size", .list(.positiveInt, minCount: 2, maxCount: 2), default: "[7, 5]", "bitmap size [H, W]"),
        Field("count", .integer(min: 1, max: 26), default: "26", "the first N letters"),
        Field.sourceImage,
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) throws(SourceOptionError) -> LettersSource {
        let size = o.ints("size") ?? []
        guard size.count == 2 else { throw SourceOptionError(key: "size", message: "letters need a size [height, width]") }
        if size[0] < 3 || size[1] < 3 {
            throw SourceOptionError(key: "size", message: "letters need at least 3×3 pixels, found \(size[0])×\(size[1])")
        }
        return LettersSource(size: size, count: o.int("count"), image: o.bool("image"))
    }

    public var name: String { "letters" }
    public var options: [(name: String, value: OptionValue)] {
        [("size", .list(size.map(OptionValue.integer))), ("count", .integer(count)), ("image", .bool(image))]
    }

    public func describe(modelInput: Shape) -> SourceDescription {
        // H·W without overflow: sizes that validation rejects (each at most 4096) still describe.
        let pixels = SizeLimits.checkedProduct(size) ?? Int.max
        return SourceDescription(input: (image ? [1] + size : [pixels]).map(Dim.fixed), targets: .classes(count), count: count,
                                 values: .binary)
    }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        try validate(modelInput: context.modelInput)
        let (h, w) = (size[0], size[1])
        let pixels = h * w
        var inputs = [Float](repeating: 0, count: count * pixels)
        for letter in 0..<count {
            for r in 0..<h {
                let sourceRow = (2 * r + 1) * LetterFont.height / (2 * h)
                for c in 0..<w {
                    let sourceColumn = (2 * c + 1) * LetterFont.width / (2 * w)
                    if LetterFont.pixel(letter, sourceRow, sourceColumn) { inputs[letter * pixels + r * w + c] = 1 }
                }
            }
        }
        return try Dataset(inputs: inputs, inputShape: shape, targets: .classes((0..<count).map { Int32($0) }, classCount: count),
                           classNames: Self.names(count))
    }

    static func names(_ count: Int) -> [String] { (0..<count).map { String(UnicodeScalar(UInt8(ascii: "A") + UInt8($0))) } }

    /// Two letters are the same H×W image exactly when they agree on the font rows and
    /// columns the resampling picks: compared there (at most 7×5 pixels), not at full size.
    private func checkDistinct() throws {
        let rows = Set((0..<size[0]).map { (2 * $0 + 1) * LetterFont.height / (2 * size[0]) }).sorted()
        let columns = Set((0..<size[1]).map { (2 * $0 + 1) * LetterFont.width / (2 * size[1]) }).sorted()
        var seen: [[Bool]: Int] = [:]
        for letter in 0..<count {
            let sampled = rows.flatMap { r in columns.map { c in LetterFont.pixel(letter, r, c) } }
            if let earlier = seen[sampled] {
                let names = Self.names(count)
                throw DataError.invalidOption(
                    "letters: at size \(size), '\(names[earlier])' and '\(names[letter])' are the same image; use a larger size")
            }
            seen[sampled] = letter
        }
    }

    private var shape: [Int] { image ? [1] + size : [size.reduce(1, *)] }

    public func validate(modelInput: Shape) throws {
        guard size.count == 2, size.allSatisfy({ $0 >= 1 && $0 <= 4096 }) else {
            throw DataError.invalidOption("letters: size must be [height, width], each in 1...4096, got \(size)")
        }
        guard (1...26).contains(count) else { throw DataError.invalidOption("letters: count must be in 1...26, got \(count)") }
        _ = try SizeLimits.elements([count, size[0], size[1]], "letters")
        try checkDistinct()
    }
}
