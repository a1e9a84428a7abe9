import NNCData
import NNCKernels

/// Truth tables of Boolean functions: `and`, `or`, `nand`, `nor`, `xor`, `not`
/// (option `inputs`), `parity` and `majority` (option `bits`).
///
/// All 2^N input rows in binary counting order, x1 the most significant bit
/// (for N = 2: 00, 01, 10, 11); inputs 0/1 of shape [N]; targets class labels
/// 0/1; feature names x1..xN.

public enum BooleanFunction: String, Sendable, CaseIterable {
    case and, or, nand, nor, xor, not, parity, majority

    /// The option giving N: `bits` for parity and majority, `inputs` for the logic functions.
    var optionName: String {
        switch self {
        case .parity, .majority: "bits"
        case .and, .or, .nand, .nor, .xor, .not: "inputs"
        }
    }

    /// The value on one row of bits.
    func apply(_ bits: [Bool]) -> Bool {
        let ones = bits.filter { $0 }.count
        switch self {
        case .and: return ones == bits.count
        case .or: return ones > 0
        case .nand: return ones < bits.count
        case .nor: return ones == 0
        // xor of N inputs is true when an odd number are on: parity.
        case .xor, .parity: return ones % 2 == 1
        case .not: return ones == 0
        // Strictly more than half: a tie (N even, N/2 ones) gives 0.
        case .majority: return 2 * ones > bits.count
        }
    }
}

public struct TruthTableSource: SourceDescriptor {
    public var function: BooleanFunction
    /// N, the number of inputs (`inputs:` for the logic functions, `bits:` for
    /// parity and majority). `not` takes exactly 1; at most 24.
    public var inputs: Int

    public init(function: BooleanFunction, inputs: Int) {
        self.function = function
        self.inputs = inputs
    }

    static let inputsField = Field("inputs", .integer(min: 1, max: 24), default: "2", "number of inputs")

    public static let schema: [(name: String, fields: [Field])] = BooleanFunction.allCases.map { f in
        switch f {
        case .and, .or, .nand, .nor, .xor: (f.rawValue, [inputsField])
        case .not: (f.rawValue, [])
        case .parity: (f.rawValue, [Field("bits", .integer(min: 1, max: 24), default: "4", "vector length")])
        case .majority: (f.rawValue, [Field("bits", .integer(min: 1, max: 24), default: "5", "vector length")])
        }
    }

    public static func decode(_ name: String, _ o: SourceOptions) throws(SourceOptionError) -> TruthTableSource {
        guard let f = BooleanFunction(rawValue: name) else { throw SourceOptionError(key: nil, message: "'\(name)' is not a truth table") }
        return TruthTableSource(function: f, inputs: f == .not ? 1 : o.int(f.optionName))
    }

    public var name: String { function.rawValue }
    public var options: [(name: String, value: OptionValue)] { function == .not ? [] : [(function.optionName, .integer(inputs))] }

    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: [.fixed(inputs)], targets: .classes(2), count: (0..<62).contains(inputs) ? 1 << inputs : nil,
                          values: .binary)
    }

    public func validate(modelInput: Shape) throws { _ = try rowCount() }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        let rows = try rowCount()
        let n = inputs
        var x = [Float](repeating: 0, count: rows * n)
        var labels = [Int32](repeating: 0, count: rows)
        for row in 0..<rows {
            let bits = (0..<n).map { column in (row >> (n - 1 - column)) & 1 == 1 }
            for (column, bit) in bits.enumerated() where bit { x[row * n + column] = 1 }
            labels[row] = function.apply(bits) ? 1 : 0
        }
        return try Dataset(inputs: x, inputShape: [n], targets: .classes(labels, classCount: 2),
                           featureNames: (1...n).map { "x\($0)" })
    }

    private func rowCount() throws -> Int {
        let option = function.optionName
        if function == .not, inputs != 1 {
            throw DataError.invalidOption("not: takes exactly 1 input, got inputs: \(inputs)")
        }
        guard inputs >= 1 else { throw DataError.invalidOption("\(function.rawValue): \(option) must be at least 1, got \(inputs)") }
        return try SizeLimits.allBinaryVectors(bits: inputs, "\(function.rawValue) (\(option): \(inputs))")
    }
}
