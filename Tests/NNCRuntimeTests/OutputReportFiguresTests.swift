import Foundation
import NNCIR
import NNCSpec
import XCTest
@testable import NNCRuntime

/// What the report's pictures showed wrong (each seen in a screenshot), and what it now adds.
final class OutputReportFiguresTests: XCTestCase {
    func tickTexts(_ svg: String) -> [String] {
        // Tick labels are <text class="tick" ...>LABEL</text>.
        svg.components(separatedBy: "<text class=\"tick\"").dropFirst().compactMap { part in
            part.split(separator: ">", maxSplits: 1).last.flatMap { $0.split(separator: "<").first.map(String.init) }
        }
    }

    /// 1e+06 and 1.2e+06 no longer both read "1e+06"; integer axes have no half steps.
    func testTickLabelsAreDistinctAndWholeOnIntegerAxes() {
        let large = ReportSVG.Ticks((1_000_000, 1_300_000))
        XCTAssertEqual(Set(large.labels).count, large.labels.count, "\(large.labels)")
        let epochs = ReportSVG.Ticks((1, 3), integer: true)
        XCTAssertEqual(epochs.values, [1, 2, 3])
        let plot = LinePlot(title: "errors", xLabel: "epoch", yLabel: "errors",
                            series: [.init(name: "errors", points: [.init(x: 1, y: 3), .init(x: 2, y: 1)])])
        let labels = tickTexts(ReportSVG.linePlot(plot))
        XCTAssertFalse(labels.contains { $0.contains(".") }, "whole epochs and counts: \(labels)")
    }

    /// A flat line gets an axis from 0 (not ±10 % around the value).
    func testFlatLineAxisStartsAtZero() {
        XCTAssertEqual(ReportSVG.range([0.1, 0.1, 0.1], pad: 0.05).lo, 0)
        XCTAssertEqual(ReportSVG.range([0.1, 0.1], pad: 0.05).hi, 0.125, accuracy: 1e-12)
        XCTAssertEqual(ReportSVG.range([-2, -2], pad: 0.05).hi, 0)
    }

    /// The legend sits above the frame, never over the data; a lone test series is named "test" in the test colour.
    func testLegendAboveTheFrameAndTestColour() throws {
        let plot = LinePlot(title: "mse", xLabel: "epoch", yLabel: "mse",
                            series: [.init(name: "test", points: [.init(x: 1, y: 2), .init(x: 2, y: 1)])])
        let page = ElementCollector.parse(ReportSVG.linePlot(plot))
        XCTAssertEqual(page.named("polyline").first?["stroke"], ReportSVG.colour(1), "test in the test colour")
        let frameTop = try XCTUnwrap(page.named("rect").first { $0["class"] == "plot" }?["y"].flatMap(Double.init))
        let legend = page.named("text").filter { $0["class"] == "legend" }
        XCTAssertEqual(legend.count, 1)
        XCTAssertTrue(legend.allSatisfy { (Double($0["y"] ?? "") ?? .infinity) < frameTop }, "legend above y = \(frameTop)")
        // The y title stays left of the longest tick label.
        let wide = LinePlot(title: "lr", xLabel: "epoch", yLabel: "lr",
                            series: [.init(name: "lr", points: [.init(x: 1, y: 0.000123), .init(x: 2, y: 0.000125)])])
        let wideFrame = try XCTUnwrap(ElementCollector.parse(ReportSVG.linePlot(wide)).named("rect").first { $0["class"] == "plot" })
        let longest = tickTexts(ReportSVG.linePlot(wide)).map(\.count).max() ?? 0
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(wideFrame["x"].flatMap(Double.init)), 26 + 6.5 * Double(longest))
    }

    /// One epoch (closed-form rules) draws no one-dot curve; timings and constants draw none either;
    /// terminal art (multi-line notes, sparklines) stays out of the page.
    func testNoDotCurvesNoTimingsNoTerminalArt() {
        let one = RunHistory(epochs: [EpochRecord(epoch: 1, metrics: [("mse", .number(0.1))])])
        XCTAssertTrue(ReportContent(specName: "pca", description: nil, history: one).trainingPlots.isEmpty)
        let many = RunHistory(epochs: (1...3).map { EpochRecord(epoch: $0, metrics: [("loss", .number(1 / Double($0))), ("lr", .number(0.1)),
                                                                                      ("seconds", .number(Double($0))), ("samples_per_s", .number(9))]) })
        XCTAssertEqual(ReportContent(specName: "x", description: nil, history: many).trainingPlots.map(\.title), ["loss"])
        var content = ReportContent(specName: "x", description: nil, history: many)
        content.notes = ["kept", "truth table:\n  0 | 1", "energy: -3 ▇▆▄▂ -9"]
        let page = ElementCollector.parse(Report.html(content))
        XCTAssertEqual(page.named("li").count, 1)
        XCTAssertFalse(page.text.contains("truth table:") || page.text.contains("▇"))
    }

    /// Every figure scales to the page: a viewBox on each SVG and the page's max-width rule.
    func testFiguresScaleToThePage() {
        var content = ReportContent(specName: "x", description: nil, history: RunHistory(epochs: (1...3).map {
            EpochRecord(epoch: $0, metrics: [("loss", .number(1 / Double($0)))])
        }))
        content.model = [ReportLayer(name: "input", kind: "input", shape: "[2]", parameters: 0, multiplyAdds: "0", rule: "-", inputs: []),
                         ReportLayer(name: "d1", kind: "dense", shape: "[3]", parameters: 9, multiplyAdds: "6", rule: "backprop", inputs: [0]),
                         ReportLayer(name: "add", kind: "add", shape: "[3]", parameters: 0, multiplyAdds: "0", rule: "-", inputs: [0, 1])]
        let html = Report.html(content)
        let svgs = html.components(separatedBy: "<svg ").dropFirst()
        XCTAssertEqual(svgs.count, 2)
        XCTAssertTrue(svgs.allSatisfy { $0.contains("viewBox=\"0 0 ") })
        XCTAssertTrue(html.contains("svg { max-width: 100%; height: auto; }"))
        let page = ElementCollector.parse(html)
        XCTAssertEqual(page.named("path").filter { $0["marker-end"] != nil }.count, 1, "the skip edge input → add is an arc")
        XCTAssertEqual(page.named("line").filter { $0["marker-end"] != nil }.count, 2, "two edges from the layer above")
    }

    /// The reports of real runs: every SVG well-formed XML, with the figures their kind calls for.
    func testRunReportsHaveTheirKindsFigures() throws {
        func page(_ name: String, _ overrides: [String] = []) throws -> (html: String, content: ReportContent) {
            let file = try SourceFile.load(path: ClassicRun.specPath(name))
            let checked = Compiler.check(file, overrides: overrides.compactMap(Override.init))
            let result = try Runner.run(checked, options: RunOptions())
            let content = OutputFiles.report(result, resolvedSpec: nil, graph: checked.graph)
            let html = Report.html(content)
            for svg in html.components(separatedBy: "<svg ").dropFirst() {
                let end = try XCTUnwrap(svg.range(of: "</svg>")).upperBound
                _ = ElementCollector.parse("<svg " + String(svg[..<end]))
            }
            _ = ElementCollector.parse(html)
            return (html, content)
        }
        let mp = try page("mcculloch-pitts-xor")
        XCTAssertEqual(mp.content.unitDiagrams.count, 2)
        XCTAssertEqual(mp.content.unitDiagrams[0].units.map(\.threshold), [1, 1])
        XCTAssertEqual(mp.content.truthTables.first?.rows.map { $0.wrong }, [false, false, false, false])
        XCTAssertNotNil(mp.content.decision, "2-D inputs: decision regions")
        XCTAssertEqual(mp.content.decision?.classes[0].first, 1, "top left (x1 = -0.5, x2 = 1.5) is XOR's 1")
        let hopfield = try page("hopfield")
        XCTAssertEqual(hopfield.content.weightMaps.first?.rows, 100)
        let recall = try XCTUnwrap(hopfield.content.imageGrids.first)
        XCTAssertEqual(recall.rows.map(\.label), ["original", "degraded (flips marked)", "recalled (errors marked)"])
        XCTAssertEqual(recall.rows[1].marks?.first?.filter { $0 }.count, 10, "10 % of 100 bits flipped")
        let cnn = try page("digits-cnn", ["train.epochs=1"])
        XCTAssertEqual(cnn.content.imageGrids.first?.rows.first?.images.count, 16, "16 first-layer filters")
        XCTAssertTrue(cnn.html.contains("layer graph"))
        XCTAssertEqual(cnn.content.model.count, 9, "input and 8 layers")
        let maps = try XCTUnwrap(cnn.content.imageGrids.first { $0.title.hasPrefix("feature maps") })
        XCTAssertEqual(maps.rows.first?.images.count, 16)
        XCTAssertEqual(maps.rows.first?.height, 4, "after the first conv stage's 2×2 pool: 4×4 maps")
        XCTAssertTrue(maps.rows.first?.images.allSatisfy { $0.allSatisfy { $0 >= 0 } } ?? false, "after relu")
        let reber = try page("lstm-reber", ["train.epochs=1"])
        XCTAssertEqual(reber.content.sequencePlots.count, 2)
        XCTAssertEqual(reber.content.sequencePlots.first?.series.count, 6, "six of the 32 hidden units")
        XCTAssertTrue(reber.content.sequencePlots.first?.series.allSatisfy { $0.points.allSatisfy { abs($0.y) <= 1 } } ?? false,
                      "h = o·tanh(c) stays in [−1, 1]")
        XCTAssertEqual(reber.content.sequencePlots.last?.series.map(\.name), ["target", "output"])
        let pca = try page("pca-digits")
        XCTAssertEqual(pca.content.extraPlots.map(\.title), ["scree", "cumulative variance"])
        XCTAssertEqual(pca.content.imageGrids.first?.rows.first?.images.count, 8)
        XCTAssertTrue(pca.content.trainingPlots.isEmpty)
        XCTAssertTrue(pca.content.facts.contains { $0.name == "parameters" && $0.value == "576" })
    }
}
