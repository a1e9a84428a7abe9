import NNCData
import NNCKernels

/// `reber`: strings of the Reber grammar (Reber 1967; as used by Fahlman 1991
/// and Hochreiter & Schmidhuber 1997), one-hot, with next-symbol targets.
///
/// The grammar, from state 1 after the leading B (each branch with p = ½):
///
///     1 -T-> 2   1 -P-> 3
///     2 -S-> 2   2 -X-> 4
///     3 -T-> 3   3 -V-> 5
///     4 -X-> 3   4 -S-> end
///     5 -P-> 4   5 -V-> end      then E
///
/// e.g. BTXSE, BPVVE, BTSSXXTVVE. The embedded grammar wraps a Reber string:
/// B, then T or P, the inner string, the same T or P again, E — the
/// penultimate symbol equals the second, a dependency across the whole inner
/// string.
///
/// Symbols in the order B T S X P V E (one-hot index 0...6). A string of L
/// symbols gives L − 1 steps: input at step t = symbol t, target = symbol t + 1.
/// Strings vary in length: every example is padded with zeros to T = the
/// longest string's steps, and carries `lengths` (its steps), `targetMask`
/// (1 on its steps), `allowedTargets` (multi-hot: every symbol the grammar
/// allows next; right is "prediction among the allowed") and, when embedded,
/// `longRangeSteps` (the step whose target is the penultimate symbol, L − 3).
/// Inputs [T, 7], targets vectors [T, 7].
public struct ReberSource: SourceDescriptor {
    public var embedded: Bool
    public var count: Int
    /// At most this many symbols per string (B and E included); longer strings
    /// are redrawn. nil: no cap (lengths are geometric-tailed, mostly under 20).
    public var maxLength: Int?

    public init(embedded: Bool, count: Int, maxLength: Int? = nil) {
        self.embedded = embedded
        self.count = count
        self.maxLength = maxLength
    }

    public static let symbols = ["B", "T", "S", "X", "P", "V", "E"]
    // Symbol indices.
    static let b = 0, t = 1, s = 2, x = 3, p = 4, v = 5, e = 6

    /// The shortest string: BTXSE / BPVVE, or embedded BTBTXSETE.
    public var minimumLength: Int { embedded ? 9 : 5 }

    public static let schema = [(name: "reber", fields: [
        Field("embedded", .bool, default: "false", "the embedded Reber grammar (long-range dependency)"),
        Field("count", .integer(min: 1, max: 10_000_000), default: "1000", "strings"),
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) -> ReberSource {
        ReberSource(embedded: o.bool("embedded"), count: o.int("count"))
    }

    public var name: String { "reber" }
    public var options: [(name: String, value: OptionValue)] { [("embedded", .bool(embedded)), ("count", .integer(count))] }

    /// Strings vary in length: T is fixed per batch when the data arrives.
    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: [.symbol("T"), .fixed(7)], targets: .vectors([.symbol("T"), .fixed(7)]), count: count,
                          values: .binary, variableLength: true, oneHotTargets: true)
    }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        try validate(modelInput: context.modelInput)
        var strings: [ReberString] = []
        strings.reserveCapacity(count)
        while strings.count < count {
            let string = embedded ? Self.embeddedString(rng: &rng) : Self.plainString(rng: &rng)
            if let maxLength, string.symbols.count > maxLength { continue }
            strings.append(string)
        }
        let steps = (strings.map(\.symbols.count).max() ?? minimumLength) - 1
        let size = try SizeLimits.elements([count, steps, 7], "reber")
        var inputs = [Float](repeating: 0, count: size)
        var targets = [Float](repeating: 0, count: size)
        var allowed = [Float](repeating: 0, count: size)
        var mask = [Float](repeating: 0, count: count * steps)
        for (i, string) in strings.enumerated() {
            for step in 0..<(string.symbols.count - 1) {
                let base = (i * steps + step) * 7
                inputs[base + string.symbols[step]] = 1
                targets[base + string.symbols[step + 1]] = 1
                for symbol in 0..<7 where string.allowedNext[step] & (1 << symbol) != 0 { allowed[base + symbol] = 1 }
                mask[i * steps + step] = 1
            }
        }
        return try Dataset(inputs: inputs, inputShape: [steps, 7], targets: .vectors(targets, shape: [steps, 7]),
                           lengths: strings.map { $0.symbols.count - 1 }, targetMask: mask, allowedTargets: allowed,
                           longRangeSteps: embedded ? strings.map { $0.symbols.count - 3 } : nil,
                           featureNames: Self.symbols, classNames: Self.symbols)
    }

    public func validate(modelInput: Shape) throws {
        try SourceOption.positive(count, "count", of: "reber")
        _ = try SizeLimits.elements([count, minimumLength, 7], "reber")
        if let maxLength, maxLength < minimumLength {
            throw DataError.invalidOption("reber: maxLength \(maxLength) is shorter than the shortest string (\(minimumLength) symbols)")
        }
    }

    /// One string, and after each symbol the bit mask of symbols that may follow.
    struct ReberString {
        var symbols: [Int] = []
        var allowedNext: [UInt8] = []

        mutating func append(_ symbol: Int, allowing next: [Int]) {
            append(symbol, mask: next.reduce(0) { $0 | UInt8(1 << $1) })
        }

        mutating func append(_ symbol: Int, mask: UInt8) {
            symbols.append(symbol)
            allowedNext.append(mask)
        }
    }

    /// transitions[state] = the two (symbol, next state) branches; state 6 is the end.
    private static let transitions: [Int: [(symbol: Int, next: Int)]] = [
        1: [(t, 2), (p, 3)],
        2: [(s, 2), (x, 4)],
        3: [(t, 3), (v, 5)],
        4: [(x, 3), (s, 6)],
        5: [(p, 4), (v, 6)],
    ]

    private static func allowed(in state: Int) -> [Int] {
        transitions[state]?.map(\.symbol) ?? [e]
    }

    static func plainString(rng: inout SeededRandom) -> ReberString {
        var string = ReberString()
        var state = 1
        string.append(b, allowing: allowed(in: state))
        while let branches = transitions[state] {
            let branch = branches[rng.int(below: 2)]
            state = branch.next
            string.append(branch.symbol, allowing: allowed(in: state))
        }
        string.append(e, allowing: [])
        return string
    }

    static func embeddedString(rng: inout SeededRandom) -> ReberString {
        let wrapper = rng.int(below: 2) == 0 ? t : p
        var string = ReberString()
        string.append(b, allowing: [t, p])
        string.append(wrapper, allowing: [b])
        let inner = plainString(rng: &rng)
        for (k, symbol) in inner.symbols.dropLast().enumerated() {
            string.append(symbol, mask: inner.allowedNext[k])
        }
        // After the inner E only the remembered wrapper symbol may follow.
        string.append(e, allowing: [wrapper])
        string.append(wrapper, allowing: [e])
        string.append(e, allowing: [])
        return string
    }
}
