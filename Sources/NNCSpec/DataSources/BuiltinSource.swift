import NNCData
import NNCKernels

/// The built-in sources of the spec's `source: NAME` form. Each source is one
/// descriptor in one file of this folder: its schema entry (option fields with
/// their defaults, the only place of them), its decoder from the validated spec
/// value, its description without data (what the checker compares with the
/// model) and its generator. Adding a source: write its file, add its case and
/// its `catalogue` line below (the compiler points at the `descriptor` switch).
///
/// The description never fails; `validate` (which `generate` runs first) throws
/// `DataError` on options the schema's ranges let through but the source cannot
/// honour (never traps), e.g. a size past `SizeLimits`.
public protocol SourceDescriptor: Sendable, Equatable {
    /// The names it answers after `source:` with their option fields (the truth tables answer eight).
    static var schema: [(name: String, fields: [Field])] { get }
    /// The options from a validated spec value; `name` is one of `schema`'s.
    static func decode(_ name: String, _ options: SourceOptions) throws(SourceOptionError) -> Self
    /// The name as written in a spec.
    var name: String { get }
    /// Every option, defaults included, as spec.resolved.yaml writes it.
    var options: [(name: String, value: OptionValue)] { get }
    /// Shapes, targets, count and value range, without generating data.
    func describe(modelInput: Shape) -> SourceDescription
    /// The option checks the schema's ranges cannot express.
    func validate(modelInput: Shape) throws
    /// The examples; every random choice comes from `rng`, so a seed gives the
    /// same data on every machine. Shipped data ignores `rng`.
    func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset
}

public enum BuiltinSource: Sendable, Equatable {
    case digits(DigitsSource)
    case iris(IrisSource)
    /// `and`, `or`, `nand`, `nor`, `xor`, `not`, `parity`, `majority`.
    case truthTable(TruthTableSource)
    case blobs(BlobsSource)
    case barsAndStripes(BarsAndStripesSource)
    case patterns(PatternsSource)
    case letters(LettersSource)
    case reber(ReberSource)
    case adding(AddingSource)
    case sine(SineSource)
    case random(RandomSource)

    /// Every descriptor with its case, in the order of the schema table.
    static let catalogue: [Entry] = [
        entry(DigitsSource.self, BuiltinSource.digits), entry(IrisSource.self, BuiltinSource.iris),
        entry(TruthTableSource.self, BuiltinSource.truthTable), entry(BlobsSource.self, BuiltinSource.blobs),
        entry(BarsAndStripesSource.self, BuiltinSource.barsAndStripes), entry(PatternsSource.self, BuiltinSource.patterns),
        entry(LettersSource.self, BuiltinSource.letters), entry(ReberSource.self, BuiltinSource.reber),
        entry(AddingSource.self, BuiltinSource.adding), entry(SineSource.self, BuiltinSource.sine),
        entry(RandomSource.self, BuiltinSource.random),
    ]

    struct Entry: Sendable {
        let schema: [(name: String, fields: [Field])]
        let decode: @Sendable (String, SourceOptions) throws(SourceOptionError) -> BuiltinSource
    }

    static func entry<D: SourceDescriptor>(_: D.Type, _ wrap: @escaping @Sendable (D) -> BuiltinSource) -> Entry {
        Entry(schema: D.schema, decode: { name, options throws(SourceOptionError) in wrap(try D.decode(name, options)) })
    }

    /// The schema table's entries (`SpecSchema.builtinSources`).
    public static let schema: [(value: String, fields: [Field])] = catalogue.flatMap { $0.schema.map { ($0.name, $0.fields) } }

    /// Every source name the spec accepts after `source:`.
    public static let names: [String] = schema.map(\.value)

    public var descriptor: any SourceDescriptor {
        switch self {
        case .digits(let s): s
        case .iris(let s): s
        case .truthTable(let s): s
        case .blobs(let s): s
        case .barsAndStripes(let s): s
        case .patterns(let s): s
        case .letters(let s): s
        case .reber(let s): s
        case .adding(let s): s
        case .sine(let s): s
        case .random(let s): s
        }
    }

    /// Decodes `source: name` with its validated options; nil for an unknown name (the validator reported it).
    static func decode(_ name: String, _ value: Value) throws(SourceOptionError) -> BuiltinSource? {
        for entry in catalogue {
            if let fields = entry.schema.first(where: { $0.name == name })?.fields {
                return try entry.decode(name, SourceOptions(value, fields: fields))
            }
        }
        return nil
    }

    public var name: String { descriptor.name }
    /// Whether `image: true` makes its examples images [1, H, W].
    public var hasImageOption: Bool { Self.schema.contains { $0.value == name && $0.fields.contains { $0.name == Field.sourceImage.name } } }
    public var options: [(name: String, value: OptionValue)] { descriptor.options }
    public func describe(modelInput: Shape) -> SourceDescription { descriptor.describe(modelInput: modelInput) }
    public func validate(modelInput: Shape) throws { try descriptor.validate(modelInput: modelInput) }

    /// Why the source cannot generate its data for this model input (what `generate`
    /// would throw), or nil: lets `nnc check` reject what the run would.
    public func problem(modelInput: Shape) -> String? {
        do {
            try validate(modelInput: modelInput)
            return nil
        } catch let e as DataError {
            return e.detail
        } catch {
            return String(describing: error)
        }
    }

    /// The data, named after the source (`Dataset.name`).
    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        var data = try descriptor.generate(rng: &rng, context: context)
        data.name = name
        return data
    }
}

/// What a built-in source's data looks like, known from its options alone.
public struct SourceDescription: Sendable, Equatable {
    public enum Targets: Sendable, Equatable {
        case none
        /// One class index per example in 0..<count.
        case classes(Int)
        /// One vector per example of this shape (without batch), e.g. [K] or [T, K].
        case vectors(Shape)
    }

    public enum Values: Sendable, Equatable {
        /// Every value is 0 or 1 (so `encoding: bipolar` applies).
        case binary
        /// Every value lies in −largest...largest; `what` names them in messages ("digits").
        case bounded(largest: Double, what: String)
        /// Any finite value.
        case unbounded
    }

    /// Per example, without batch: e.g. [64], [1, 8, 8], [T, 7] (T varies with the example).
    public var input: Shape
    public var targets: Targets
    /// The number of examples; nil when too many to count (`validate` rejects those).
    public var count: Int?
    public var values: Values
    /// Sequences vary in length: the data carries `lengths` and a `targetMask`.
    public var variableLength = false
    /// The vector targets are one-hot codes of classes (reber's next symbols).
    public var oneHotTargets = false
}

/// What a generator may need beyond its options.
public struct SourceContext: Sendable {
    /// The model's input shape (`random` makes examples of it).
    public var modelInput: Shape
    /// Reads a table shipped with nnc (the runtime loads them from its resources).
    public var shipped: @Sendable (ShippedTable) throws -> Dataset

    public init(modelInput: Shape, shipped: @escaping @Sendable (ShippedTable) throws -> Dataset) {
        self.modelInput = modelInput
        self.shipped = shipped
    }
}

/// The tables shipped as package resources (see NNCRuntime/Resources/ATTRIBUTION.md).
public enum ShippedTable: String, Sendable, CaseIterable { case digits, iris }

/// An option value as spec.resolved.yaml writes it.
public indirect enum OptionValue: Sendable, Equatable {
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case list([OptionValue])
    case map([Member])

    public struct Member: Sendable, Equatable {
        public var name: String
        public var value: OptionValue
    }
}

/// A source's options as validated, with the schema table's defaults for what is left out.
/// A built-in source's validated options: `SchemaOptions` (the one reader of the
/// schema's defaults) with total accessors for the decoders.
public struct SourceOptions: Sendable {
    let options: SchemaOptions

    init(_ value: Value, fields: [Field]) { options = SchemaOptions(kind: "", value, fields: fields) }

    public subscript(key: String) -> Value? { options[key] }

    // The validator checked types and ranges, and every option without a default
    // is read as optional (a test holds the table to that), so 0 is never reached.
    public func int(_ key: String) -> Int { options.int(key) ?? 0 }
    public func number(_ key: String) -> Double { options.number(key) ?? 0 }
    public func bool(_ key: String) -> Bool { options.bool(key) ?? false }
    public func optionalInt(_ key: String) -> Int? { options[key]?.integer }

    /// A list of whole numbers; the default is written "[7, 5]".
    public func ints(_ key: String) -> [Int]? {
        if let list = options[key]?.list { return list.compactMap(\.integer) }
        guard let text = options.schemaDefault(key), text.hasPrefix("["), text.hasSuffix("]") else { return nil }
        return text.dropFirst().dropLast().split(separator: ",").compactMap { Int($0.filter { $0 != " " }) }
    }

    /// A nested mapping's options (with its own fields' defaults), when written.
    public func nested(_ key: String) -> SourceOptions? {
        guard let nested = options.object(key) else { return nil }
        return SourceOptions(options: nested)
    }

    init(options: SchemaOptions) { self.options = options }
}

/// An option the decoder rejects (E0403 at the option, or at the source when `key` is nil).
public struct SourceOptionError: Error, Sendable {
    public var key: String?
    public var message: String
}

/// Checks shared by the sources' options.
enum SourceOption {
    static func positive(_ value: Int, _ option: String, of source: String) throws {
        guard value >= 1 else { throw DataError.invalidOption("\(source): \(option) must be at least 1, got \(value)") }
    }

    static func fraction(_ value: Double, _ option: String, of source: String) throws {
        guard value > 0, value <= 1 else {
            throw DataError.invalidOption("\(source): \(option) must be in (0, 1], got \(value)")
        }
    }
}

extension Field {
    /// `image: true` (digits, bars_and_stripes, letters).
    static let sourceImage = Field("image", .bool, default: "false", "images [1, H, W] instead of vectors")
}
