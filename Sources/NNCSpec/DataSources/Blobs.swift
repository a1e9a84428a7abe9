import Foundation
import NNCData
import NNCKernels

/// `blobs`: K Gaussian clusters in D dimensions.
///
/// Centres: for D ≥ 2, points on the sphere of radius 2 around the origin,
/// drawn from the seed and redrawn until every pair is at least
/// 0.75 · 4 sin(π/K) apart (three quarters of the best spacing on a circle,
/// for K = 2 at least 3 apart); a point on a sphere is a vertex of the centres'
/// convex hull, so every cluster can be cut from the rest by one hyperplane
/// when the spread is small. For D = 1, the centres are K evenly spaced points
/// of −2...2 in a seeded order.
/// Examples: `count` in total, example i of class i mod K (balanced, interleaved),
/// each coordinate centre + spread · N(0, 1). Inputs [D], class labels.
public struct BlobsSource: SourceDescriptor {
    public var classes: Int
    public var dims: Int
    /// The total number of examples (at least `classes`).
    public var count: Int
    /// The standard deviation of each coordinate around its centre.
    public var spread: Double

    public init(classes: Int, dims: Int, count: Int, spread: Double) {
        self.classes = classes
        self.dims = dims
        self.count = count
        self.spread = spread
    }

    /// The radius of the sphere the centres lie on.
    public static let radius: Float = 2

    public static let schema = [(name: "blobs", fields: [
        Field("classes", .integer(min: 1, max: 1000), default: "2", "clusters"),
        Field("dims", .integer(min: 1, max: 100_000), default: "2", "dimensions"),
        Field("count", .integer(min: 1, max: 10_000_000), default: "200", "examples in all"),
        Field("spread", .nonNegative, default: "0.5", "standard deviation of each cluster"),
    ])]

    public static func decode(_ name: String, _ o: SourceOptions) -> BlobsSource {
        BlobsSource(classes: o.int("classes"), dims: o.int("dims"), count: o.int("count"), spread: o.number("spread"))
    }

    public var name: String { "blobs" }
    public var options: [(name: String, value: OptionValue)] {
        [("classes", .integer(classes)), ("dims", .integer(dims)), ("count", .integer(count)), ("spread", .number(spread))]
    }

    public func describe(modelInput: Shape) -> SourceDescription {
        SourceDescription(input: [.fixed(dims)], targets: .classes(classes), count: count, values: .unbounded)
    }

    public func generate(rng: inout SeededRandom, context: SourceContext) throws -> Dataset {
        try generateWithCentres(rng: &rng).dataset
    }

    /// The data and the true centres ([classes][dims]), e.g. to check margins.
    public func generateWithCentres(rng: inout SeededRandom) throws -> (dataset: Dataset, centres: [[Float]]) {
        try validate(modelInput: [])
        let centres = drawCentres(rng: &rng)
        var inputs = [Float](repeating: 0, count: count * dims)
        var labels = [Int32](repeating: 0, count: count)
        let s = Float(spread)
        for i in 0..<count {
            let k = i % classes
            labels[i] = Int32(k)
            for d in 0..<dims {
                inputs[i * dims + d] = centres[k][d] + s * rng.normalFloat()
            }
        }
        let data = try Dataset(inputs: inputs, inputShape: [dims], targets: .classes(labels, classCount: classes),
                               featureNames: (1...dims).map { "x\($0)" })
        return (data, centres)
    }

    private func drawCentres(rng: inout SeededRandom) -> [[Float]] {
        let r = Self.radius
        if dims == 1 {
            var positions = (0..<classes).map { k -> Float in
                classes == 1 ? 0 : -r + 2 * r * Float(k) / Float(classes - 1)
            }
            rng.shuffle(&positions)
            return positions.map { [$0] }
        }
        // Redraw a centre that lands too close to an earlier one; after 1000
        // misses in a row, relax the spacing by 5% (terminates for any K).
        var minDistance = 0.75 * 2 * r * sin(Float.pi / Float(max(classes, 2)))
        var centres: [[Float]] = []
        var misses = 0
        while centres.count < classes {
            let candidate = randomPointOnSphere(rng: &rng)
            if centres.allSatisfy({ distance($0, candidate) >= minDistance }) {
                centres.append(candidate)
                misses = 0
            } else {
                misses += 1
                if misses == 1000 {
                    minDistance *= 0.95
                    misses = 0
                }
            }
        }
        return centres
    }

    private func randomPointOnSphere(rng: inout SeededRandom) -> [Float] {
        while true {
            let v = (0..<dims).map { _ in rng.normalFloat() }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-6 { return v.map { $0 / norm * Self.radius } }
        }
    }

    private func distance(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    public func validate(modelInput: Shape) throws {
        try SourceOption.positive(classes, "classes", of: "blobs")
        try SourceOption.positive(dims, "dims", of: "blobs")
        guard count >= classes else {
            throw DataError.invalidOption("blobs: count \(count) must be at least classes (\(classes)), one example per class")
        }
        guard spread.isFinite, spread >= 0 else { throw DataError.invalidOption("blobs: spread must be ≥ 0, got \(spread)") }
        // Placing centres compares every pair: keep K small enough for that.
        guard classes <= 1024 else { throw DataError.tooLarge("blobs: \(classes) classes is too many (at most 1024)") }
        _ = try SizeLimits.elements([count, dims], "blobs")
        _ = try SizeLimits.elements([classes, dims], "blobs centres")
    }
}
