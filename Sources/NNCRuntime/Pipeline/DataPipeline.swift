import NNCKernels
import NNCSpec

/// From a spec's `data` section to training and test datasets: load or
/// generate, then limit, shuffle, split, encode, one-hot and normalize (with
/// statistics from the training part), in that order.
public struct PreparedData: Sendable {
    public var train: Dataset
    public var test: Dataset?
    public var normalization: NormalizationStats?
}

public enum DataPipeline {
    /// `modelInput` resolves `random`'s shape. `rng` is the run's data stream.
    /// A `DataError` from reading a dataset is thrown as a `LocatedDataError`
    /// with the spec's span that names the file.
    public static func prepare(_ data: DataSpec, modelInput: Shape, rng: inout SeededRandom) throws -> PreparedData {
        var train = try located(data.train) { try load(data.train, modelInput: modelInput, rng: &rng) }
        var test = try data.test.map { spec in
            try located(spec) { try load(spec, modelInput: modelInput, rng: &rng, classNames: train.classNames) }
        }
        if let test, let spec = data.test, train.classNames == nil, test.classNames != nil, case .csv = spec.form {
            throw LocatedDataError(error: DataError(.malformed, "the test part's labels are names but the training part's are numbers",
                                                    code: DataErrorCode.unseenLabel),
                                   specSpan: spec.span)
        }
        if let split = data.split {
            let parts = try train.split(fractions: [split.train, split.test], rng: &rng)
            guard parts.count == 2 else { throw DataError(.invalidOption, "split gave \(parts.count) parts") }
            train = parts[0]
            test = parts[1]
        }
        // Encoding and one-hot are per example: apply to both parts as the spec says.
        train = try finish(train, data.train)
        test = try test.map { try finish($0, data.test ?? data.train) }
        if let t = test { (train, test) = try commonSteps(train, t) }
        var stats: NormalizationStats?
        if let method = data.train.normalize {
            let fitted = try NormalizationStats.fit(runtime(method), to: train)
            train = try fitted.apply(to: train)
            test = try test.map { try fitted.apply(to: $0) }
            stats = fitted
        }
        return PreparedData(train: train, test: test, normalization: stats)
    }

    /// Sequence parts of different lengths T (drawn or loaded separately)
    /// padded to the longer one, so that one plan runs both.
    static func commonSteps(_ train: Dataset, _ test: Dataset) throws -> (Dataset, Dataset?) {
        let a = train.inputShape, b = test.inputShape
        guard a.count >= 2, b.count == a.count, a.dropFirst() == b.dropFirst(), a[0] != b[0] else { return (train, test) }
        let steps = max(a[0], b[0])
        return (try train.padded(toSteps: steps), try test.padded(toSteps: steps))
    }

    static func runtime(_ n: NNCSpec.Normalization) -> Normalization {
        switch n {
        case .standardize: return .standardize
        case .minmax: return .minmax
        case .scale(let k): return .scale(Float(k))
        }
    }

    static func finish(_ data: Dataset, _ spec: DatasetSpec) throws -> Dataset {
        var d = data
        if let e = spec.encoding { d = try d.encoded(e == .bipolar ? .bipolar : .binary) }
        if spec.oneHot { d = try d.oneHot() }
        return d
    }

    /// Runs `body`, giving a `DataError` the span in `spec` that names its file.
    static func located<T>(_ spec: DatasetSpec, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DataError {
            throw LocatedDataError(error: error, specSpan: spec.span(naming: error.location?.file))
        }
    }

    /// One dataset: loaded or generated, then limited and shuffled. `classNames`:
    /// the training part's, which a test part's named labels must use.
    static func load(_ spec: DatasetSpec, modelInput: Shape, rng: inout SeededRandom,
                     classNames: [String]? = nil) throws -> Dataset {
        var d: Dataset
        switch spec.form {
        case .builtin(let source):
            var sourceRNG = rng.split(0x5EED)
            d = try source.generate(rng: &sourceRNG, modelInput: modelInput)
        case .inline(let inputs, let targets):
            let t: InlineTargets? = targets.map {
                switch $0 {
                case .classes(let c): return .classes(c.map(Float.init))
                case .vectors(let v): return .vectors(v.map { $0.map(Float.init) })
                }
            }
            d = try Dataset.inline(inputs: inputs.map { $0.map(Float.init) }, targets: t, inputShape: fixedShape(modelInput))
        case .csv, .idx, .npy:
            guard let file = try readFile(spec.form, modelInput: modelInput, classNames: classNames) else {
                throw DataError(.invalidOption, "not a data file")
            }
            d = file
        }
        if let n = spec.limit { d = try d.limit(n) }
        if spec.shuffle { d = d.shuffled(rng: &rng) }
        return d
    }

    /// The dataset of a file form (csv, idx, npy) in file order; nil for the other forms.
    static func readFile(_ form: DatasetForm, modelInput: Shape, classNames: [String]? = nil) throws -> Dataset? {
        switch form {
        case .builtin, .inline:
            return nil
        case .csv(let o):
            let label: CSVLabel
            switch o.label {
            case .last: label = .last
            case .first: label = .first
            case .none: label = .none
            case .column(let n): label = .column(n)
            }
            let d = try Dataset.loadCSV(path: o.path, label: label, header: o.header, classes: o.classes, classNames: classNames)
            // A row's values read as the model's input: images [C, H, W], sequences [T, F] (time-major).
            if let shape = Dataset.rowShape(modelInput.map(\.fixed), values: d.inputSize) { return try d.reshapedInputs(shape) }
            return d
        case .idx(let images, let labels):
            return try Dataset.loadIDX(images: images, labels: labels)
        case .npy(let inputs, let targets):
            return try Dataset.loadNPY(inputs: inputs, targets: targets)
        }
    }

    /// The model's input shape when every dimension is a number (inline rows then take it).
    static func fixedShape(_ shape: Shape) -> [Int]? {
        let dims = shape.compactMap(\.fixed)
        return dims.count == shape.count ? dims : nil
    }
}
