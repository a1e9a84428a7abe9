/// What `report.html` shows. Every section is optional: the run fills the ones
/// that apply to its kind of network (curves for trained nets, a truth table
/// for logic nets, recall figures for memories, ...), and `Report.html` draws
/// the sections that are present, in a fixed order.
public struct ReportContent: Sendable {
    /// The page title (and first heading).
    public var title: String
    /// The spec's name and description.
    public var specName: String
    public var description: String?
    /// Short remarks shown under the description (e.g. "did not converge in 100 epochs").
    public var notes: [String] = []
    /// The final evaluation, as in metrics.json's `final`.
    public var finalMetrics: MetricList = []
    /// Per-epoch curves (see `LinePlot.epochPlots`).
    public var trainingPlots: [LinePlot] = []
    public var confusion: ConfusionMatrix?
    public var truthTables: [TruthTable] = []
    /// Image figures: original / degraded / recalled examples, letters, filters.
    public var imageGrids: [ImageGrid] = []
    /// 2-D point clouds shown side by side (e.g. an autoencoder's codes beside PCA).
    public var scatterPlots: [ScatterPlot] = []
    /// Energy H(z) during Hopfield recall (see `LinePlot.energy`).
    public var energy: LinePlot?
    /// The resolved spec text, shown at the end.
    public var specText: String?
    /// Run facts as label and value (nnc version, date, duration, seed, threads, data sizes, command line).
    public var facts: [(name: String, value: String)] = []
    /// The `nnc summary` rows, also drawn as the layer diagram.
    public var model: [ReportLayer] = []
    /// Plots beside the training curves that are not per epoch (PCA's scree).
    public var extraPlots: [LinePlot] = []
    /// Weight matrices as heat maps (Hopfield, associative memories).
    public var weightMaps: [WeightMap] = []
    /// Threshold units with their weights (McCulloch–Pitts).
    public var unitDiagrams: [UnitDiagram] = []
    /// One sequence through a recurrent net: hidden states, outputs against targets.
    public var sequencePlots: [LinePlot] = []
    /// The decision regions of a 2-D classifier.
    public var decision: DecisionMap?

    public init(title: String, specName: String, description: String? = nil) {
        self.title = title
        self.specName = specName
        self.description = description
    }

    /// A report with the sections a run history gives: the final metrics,
    /// per-epoch curves, the confusion matrix (a final metric `confusion`)
    /// and the energy trace (a final metric `energy`).
    public init(specName: String, description: String?, history: RunHistory) {
        self.init(title: "nnc run: " + specName, specName: specName, description: description)
        finalMetrics = history.final
        // A closed-form rule has one "epoch": a dot is no curve (its values are in the tables).
        // Timings say how busy the machine was, and a constant (the learning rate without a
        // schedule) is no curve: neither is drawn.
        trainingPlots = history.epochs.count > 1 ? LinePlot.epochPlots(history.epochs).filter { plot in
            !["seconds", "samples_per_s"].contains(plot.title)
                && Set(plot.series.flatMap { $0.points.map(\.y) }.filter(\.isFinite)).count > 1
        } : []
        for (name, value) in history.final {
            switch (name, value) {
            case ("confusion", .matrix(let counts)): confusion = ConfusionMatrix(counts: counts)
            case ("energy", .numbers(let trace)): energy = LinePlot.energy([trace])
            default: break
            }
        }
    }
}

/// A line chart of one or more series over a shared x axis.
public struct LinePlot: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// Points in x order; non-finite y values leave a gap in the line.
        public var points: [Point]
        public init(name: String, points: [Point]) {
            self.name = name
            self.points = points
        }
    }

    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    /// One plot per scalar metric of the epochs, in the order metrics first
    /// appear; a metric `test_NAME` is drawn as the series "test" in NAME's
    /// plot (whose own series is then "train").
    public static func epochPlots(_ epochs: [EpochRecord]) -> [LinePlot] {
        var names: [String] = []
        for record in epochs {
            for (name, value) in record.metrics where value.scalar != nil && !names.contains(name) { names.append(name) }
        }
        func series(_ name: String, label: String) -> Series {
            Series(name: label, points: epochs.compactMap { record in
                record.metrics.first { $0.name == name }?.value.scalar.map { Point(x: Double(record.epoch), y: $0) }
            })
        }
        var plots: [LinePlot] = []
        for name in names {
            let isTest = name.hasPrefix("test_")
            let base = isTest ? String(name.dropFirst(5)) : name
            if isTest && names.contains(base) { continue }   // drawn in the base metric's plot
            var lines: [Series] = []
            if !isTest {
                let hasTest = names.contains("test_" + name)
                lines.append(series(name, label: hasTest ? "train" : name))
                if hasTest { lines.append(series("test_" + name, label: "test")) }
            } else {
                lines.append(series(name, label: "test"))
            }
            plots.append(LinePlot(title: base, xLabel: "epoch", yLabel: base, series: lines))
        }
        return plots
    }

    /// Energy after each update, one series per trace (e.g. per recalled pattern).
    public static func energy(_ traces: [[Double]], title: String = "energy during recall") -> LinePlot {
        LinePlot(title: title, xLabel: "update", yLabel: "H(z)", series: traces.enumerated().map { i, trace in
            Series(name: traces.count == 1 ? "energy" : "pattern \(i + 1)",
                   points: trace.enumerated().map { Point(x: Double($0.offset), y: $0.element) })
        })
    }
}

/// Counts of [true class][predicted class], drawn as a heat map.
public struct ConfusionMatrix: Sendable {
    public var counts: [[Int]]
    /// Names of the classes (default: 0, 1, ...).
    public var classNames: [String]?
    public init(counts: [[Int]], classNames: [String]? = nil) {
        self.counts = counts
        self.classNames = classNames
    }
}

/// Rows of small grayscale images with a label each (e.g. "original",
/// "degraded", "recalled"), drawn pixel by pixel; darker is larger. One grey
/// scale spans the whole grid, so rows can be compared.
public struct ImageGrid: Sendable {
    public struct Row: Sendable {
        public var label: String
        /// Each image: height × width values, row-major.
        public var images: [[Float]]
        public var height: Int
        public var width: Int
        /// Per image, per pixel: drawn with a red frame (flipped bits, wrong units); nil: none.
        public var marks: [[Bool]]?
        public init(label: String, images: [[Float]], height: Int, width: Int, marks: [[Bool]]? = nil) {
            self.label = label
            self.images = images
            self.height = height
            self.width = width
            self.marks = marks
        }
    }

    public var title: String
    public var rows: [Row]
    public init(title: String, rows: [Row]) {
        self.title = title
        self.rows = rows
    }
}

/// Points in the plane coloured by class (e.g. 2-D codes of an autoencoder).
public struct ScatterPlot: Sendable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        /// The class, choosing the colour; nil draws grey.
        public var label: Int?
        public init(x: Double, y: Double, label: Int? = nil) {
            self.x = x
            self.y = y
            self.label = label
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var points: [Point]
    /// Legend names by class index (default: the index).
    public var classNames: [String]?

    public init(title: String, xLabel: String = "x", yLabel: String = "y", points: [Point], classNames: [String]? = nil) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
        self.classNames = classNames
    }
}

/// The truth table of a logic net: inputs, outputs, and the expected outputs
/// when known (rows that differ are marked).
public struct TruthTable: Sendable {
    public struct Row: Sendable {
        public var inputs: [Double]
        public var outputs: [Double]
        public var expected: [Double]?
        /// Whether the row is wrong when outputs and expected differ in form (0.957 for class 1); nil: compare them.
        public var wrong: Bool?
        public init(inputs: [Double], outputs: [Double], expected: [Double]? = nil, wrong: Bool? = nil) {
            self.inputs = inputs
            self.outputs = outputs
            self.expected = expected
            self.wrong = wrong
        }
    }

    public var title: String
    public var inputNames: [String]
    public var outputNames: [String]
    public var rows: [Row]

    public init(title: String, inputNames: [String], outputNames: [String], rows: [Row]) {
        self.title = title
        self.inputNames = inputNames
        self.outputNames = outputNames
        self.rows = rows
    }
}
