/// What a run of an autoencoder (or PCA) adds to its result: the code of
/// every example, statistics of the code, and the data of its figures
/// (examples as images, a 2-D scatter of the codes by class). Filled by
/// `AutoencoderAnalysis`; written to codes.csv by `CodesFile`, drawn in the
/// terminal by `AutoencoderTerminal`.
public struct AutoencoderOutputs: Sendable {
    /// One example's code.
    public struct CodeRow: Sendable, Equatable {
        /// "train" or "test".
        public var split: String
        /// The example's position in its part of the data.
        public var index: Int
        /// Its class, when the data has class labels.
        public var label: Int?
        /// The code layer's values, [width].
        public var values: [Float]
    }

    /// Small grayscale images in rows ("original", "corrupted", "reconstructed"),
    /// one column per example.
    public struct Images: Sendable {
        public struct Row: Sendable {
            public var label: String
            /// Each image: height × width values, row-major.
            public var images: [[Float]]
        }
        public var height: Int
        public var width: Int
        public var rows: [Row]
        /// The classes of the examples shown (one per column), when known.
        public var classes: [Int?]
    }

    /// Points in the plane coloured by class.
    public struct Scatter: Sendable {
        public struct Point: Sendable, Equatable {
            public var x: Double
            public var y: Double
            public var label: Int?
        }
        public var title: String
        public var xLabel: String
        public var yLabel: String
        public var points: [Point]
    }

    /// The code layer (see `CodeLayer` for how it is chosen).
    public var layer: CodeLayer
    /// Codes of every training example, then every test example, from the
    /// clean inputs in evaluation mode (no noise, no dropout).
    public var codes: [CodeRow]
    /// The part the statistics and figures describe ("test" or "train").
    public var evaluatedOn: String
    /// Mean of |h_i| over the code units and the evaluated examples (clean inputs).
    public var meanAbsoluteCode: Double
    /// Mean of ‖∂h/∂x‖_F over the evaluated examples (the first 1000; clean
    /// inputs); nil when the encoder is not a chain `EncoderJacobian` can differentiate.
    public var meanJacobianNorm: Double?
    /// The first `evaluate.show` evaluated examples: original, corrupted (with
    /// `evaluate.corrupt`), reconstructed; nil when the inputs are not images.
    public var examples: Images?
    /// The evaluated examples' codes in 2-D (and, for an autoencoder, PCA's
    /// two leading components of the same inputs beside them).
    public var scatter: [Scatter]
}
