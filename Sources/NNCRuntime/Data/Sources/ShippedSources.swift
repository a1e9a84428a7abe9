import Foundation
import NNCKernels

/// Sources shipped as package resources (see Resources/ATTRIBUTION.md):
/// `digits` and `iris`. Each file is parsed once per process and cached.

/// The 8x8 handwritten digits (UCI, the 1797-image test part as distributed
/// with scikit-learn): pixel counts 0...16, classes 0..9 in file order.
public struct DigitsSource: DataSource, Equatable {
    /// Images of shape [1, 8, 8] instead of vectors [64].
    public var image: Bool

    public init(image: Bool = false) { self.image = image }

    public func describe() throws -> DatasetDescription {
        DatasetDescription(inputShape: (image ? [1, 8, 8] : [64]).fixedDims, targets: .classes(count: 10),
                           count: 1797, inputValues: .interval(0, 16))
    }

    public func generate(rng: inout SeededRandom) throws -> Dataset {
        var data = try ShippedFile.digits.get()
        if image { data.inputShape = [1, 8, 8] }
        return data
    }
}

/// Fisher's iris: 150 flowers, four measurements in cm (sepal length, sepal
/// width, petal length, petal width), classes 0 setosa, 1 versicolor,
/// 2 virginica, 50 of each, in file order.
public struct IrisSource: DataSource, Equatable {
    /// The classes to keep, in the order given; labels are re-indexed to
    /// 0..<k by position in this list, so [2, 0] makes virginica 0 and
    /// setosa 1. nil keeps all three.
    public var classes: [Int]?

    public init(classes: [Int]? = nil) { self.classes = classes }

    public static let classNames = ["setosa", "versicolor", "virginica"]

    public func describe() throws -> DatasetDescription {
        let k = try kept().count
        return DatasetDescription(inputShape: [.fixed(4)], targets: .classes(count: k), count: 50 * k,
                                  inputValues: .interval(0, 10))
    }

    public func generate(rng: inout SeededRandom) throws -> Dataset {
        let all = try ShippedFile.iris.get()
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

/// The shipped CSV files, parsed on first use.
enum ShippedFile {
    static let digits = Result {
        var data = try load("digits", header: false, classes: 10)
        data.classNames = (0..<10).map(String.init)
        return data
    }

    static let iris = Result {
        var data = try load("iris", header: true, classes: 3)
        data.classNames = IrisSource.classNames
        return data
    }

    private static func load(_ name: String, header: Bool, classes: Int) throws -> Dataset {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Resources") else {
            throw DataError(.unreadable, "\(name).csv is missing from nnc's resources (a broken installation)")
        }
        return try Dataset.loadCSV(path: url.path, label: .last, header: header, classes: classes)
    }
}
