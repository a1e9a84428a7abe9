import Foundation
import NNCKernels
import NNCSpec

/// The tables shipped as package resources (Resources/, see ATTRIBUTION.md),
/// each parsed on first use and cached for the process; the built-in sources
/// `digits` and `iris` select from them (`SourceContext.shipped`).
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

    @Sendable static func table(_ table: ShippedTable) throws -> Dataset {
        switch table {
        case .digits: try digits.get()
        case .iris: try iris.get()
        }
    }

    private static func load(_ name: String, header: Bool, classes: Int) throws -> Dataset {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Resources") else {
            throw DataError(.unreadable, "\(name).csv is missing from nnc's resources (a broken installation)")
        }
        return try Dataset.loadCSV(path: url.path, label: .last, header: header, classes: classes)
    }
}

extension BuiltinSource {
    /// The data for a model with this input shape, the shipped tables read from the resources.
    public func generate(rng: inout SeededRandom, modelInput: Shape) throws -> Dataset {
        try generate(rng: &rng, context: .run(modelInput: modelInput))
    }
}

extension SourceContext {
    /// A run's context: the model's input shape, the shipped tables read from the resources.
    public static func run(modelInput: Shape) -> SourceContext { SourceContext(modelInput: modelInput, shipped: ShippedFile.table) }
}
