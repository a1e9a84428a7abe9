import NNCKernels

/// The built-in sources of the spec's `source: NAME` form. Each source is a
/// small struct holding its options (named as in the spec) that can describe
/// its data without generating it — what the checker needs — and generate it
/// from a seeded generator. Option defaults are the structs' initializer
/// defaults. Range checks on options belong to the checker, but `describe()`
/// and `generate(rng:)` also throw `DataError` on options they cannot honour
/// (never trap), e.g. `bits: 62` (too many examples).

public protocol DataSource: Sendable {
    /// Shapes, target kind, count and value range, without generating data.
    func describe() throws -> DatasetDescription
    /// The examples; every random choice comes from `rng`, so a seed gives the
    /// same data on every machine. Shipped data ignores `rng`.
    func generate(rng: inout SeededRandom) throws -> Dataset
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

    /// Every source name the spec accepts after `source:`.
    public static let names: [String] = ["digits", "iris"] + BooleanFunction.allCases.map(\.rawValue)
        + ["blobs", "bars_and_stripes", "patterns", "letters", "reber", "adding", "sine", "random"]

    /// The name as written in a spec.
    public var name: String {
        switch self {
        case .digits: "digits"
        case .iris: "iris"
        case .truthTable(let s): s.function.rawValue
        case .blobs: "blobs"
        case .barsAndStripes: "bars_and_stripes"
        case .patterns: "patterns"
        case .letters: "letters"
        case .reber: "reber"
        case .adding: "adding"
        case .sine: "sine"
        case .random: "random"
        }
    }

    public var source: any DataSource {
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

    public func describe() throws -> DatasetDescription { try source.describe() }

    /// The data, named after the source (`Dataset.name`).
    public func generate(rng: inout SeededRandom) throws -> Dataset {
        var data = try source.generate(rng: &rng)
        data.name = name
        return data
    }
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
