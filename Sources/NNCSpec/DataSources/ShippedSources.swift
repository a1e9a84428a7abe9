import NNCData
import NNCKernels

/// Sources shipped as package resources (see NNCRuntime/Resources/ATTRIBUTION.md):
/// `digits` and `iris`. The runtime reads each file once per process
/// (`SourceContext.shipped`); these descriptors select from the table.

/// The 8x8 handwritten digits (UCI, the 1797-image test part as distributed
/// with scikit-learn): pixel counts 0...16, classes 0..9 in file order.
public struct DigitsSource: SourceDescriptor {
    /// Images of shape [1, 8, 8] instead of vectors [64].
    public var image: Bool

    public init(image: Bool) { self.image = image }

    public static let schema = [(name: "digits", fields: [Field.sourceImage])]

    public static func decode(_ name: String, _ o: SourceOptions) -> DigitsSource { DigitsSource(image: o.bool("image")) }

    public var name: String { "digits" }
    public var options: [(name: String, value: OptionValue)] { [("image", .bool(image))] }

    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: image ? [.fixed(1), .fixed(8), .fixed(8)] : [.fixed(64)], targets: .classes(10), count: 1797,
                          values: .bounded(largest: 16, what: "digits"))
    }

    public func validate(modelInput: Shape) throws {}

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        var data = try context.shipped(.digits)
        if image { data.inputShape = [1, 8, 8] }
        return data
    }
}

/// Fisher's iris: 150 flowers, four measurements in cm (sepal length, sepal
/// width, petal length, petal width; at most 7.9), classes 0 setosa,
/// 1 versicolor, 2 virginica, 50 of each, in file order.
public struct IrisSource: SourceDescriptor {
    /// The classes to keep, in the order given; labels are re-indexed to
    /// 0..<k by position in this list, so [2, 0] makes virginica 0 and
    /// setosa 1. nil keeps all three.
    public var classes: [Int]?

    public init(classes: [Int]?) { self.classes = classes }

    public static let classNames = ["setosa", "versicolor", "virginica"]

    public static let schema = [(name: "iris", fields: [
        Field("classes", .list(.integer(min: 0, max: 2), minCount: 1, maxCount: 3), "keep these classes (relabelled 0..k−1 in this order)"),
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) throws(SourceOptionError) -> IrisSource {
        let classes = o.ints("classes")
        if let classes, Set(classes).count != classes.count { throw SourceOptionError(key: "classes", message: "iris 'classes' lists a class twice") }
        return IrisSource(classes: classes)
    }

    public var name: String { "iris" }
    public var options: [(name: String, value: OptionValue)] { classes.map { [("classes", .list($0.map(OptionValue.integer)))] } ?? [] }

    public func describe(modelInput: Shape) -> SourceDescription {
        let k = classes?.count ?? 3
        return SourceDescription(input: [.fixed(4)], targets: .classes(k), count: 50 * k,
                                 values: .bounded(largest: 7.9, what: "iris measurements"))
    }

    public func validate(modelInput: Shape) throws { _ = try kept() }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        let all = try context.shipped(.iris)
        let keep = try kept()
        guard case .classes(let labels, _) = all.targets else {
            throw DataError.malformed("iris.csv: the shipped file has no labels")
        }
        let indices = labels.indices.filter { keep.contains(Int(labels[$0])) }
        var data = all.gathering(indices)
        let relabelled = indices.map { i in Int32(keep.firstIndex(of: Int(labels[i])) ?? 0) }
        data.targets = .classes(relabelled, classCount: keep.count)
        data.classNames = keep.map { Self.classNames[$0] }
        return data
    }

    private func kept() throws -> [Int] {
        guard let classes else { return [0, 1, 2] }
        guard !classes.isEmpty else { throw DataError.invalidOption("iris: classes must name at least one class") }
        if let bad = classes.first(where: { !(0...2).contains($0) }) {
            throw DataError.invalidOption("iris: class \(bad) does not exist (0 setosa, 1 versicolor, 2 virginica)")
        }
        guard Set(classes).count == classes.count else { throw DataError.invalidOption("iris: classes \(classes) repeat a class") }
        return classes
    }
}
