import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import NNCRuntime

/// Parses a page as XML, keeping every element with its attributes, and all text.
final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    /// Parses `html`; fails the test when it is not well-formed.
    static func parse(_ html: String, file: StaticString = #filePath, line: UInt = #line) -> ElementCollector {
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
        return collector
    }

    func named(_ name: String) -> [[String: String]] { elements.filter { $0.name == name }.map(\.attributes) }
}

final class OutputReportTests: XCTestCase {
    func history(_ losses: [Double]) -> RunHistory {
        RunHistory(
            epochs: losses.enumerated().map { i, loss in
                EpochRecord(epoch: i + 1, metrics: [("loss", .number(loss)), ("accuracy", .number(0.5 + 0.1 * Double(i))),
                                                    ("test_loss", .number(loss + 0.1))])
            },
            final: [("accuracy", .number(0.91234)), ("confusion", .matrix([[5, 1, 0], [0, 4, 2], [1, 0, 7]])),
                    ("energy", .numbers([-3, -5, -6.5, -7, -7, -7.25, -7.25])), ("errors", .integer(2))])
    }

    func fullContent() -> ReportContent {
        var content = ReportContent(specName: "digits-mlp", description: "A <b>bold</b> & \"quoted\" spec.\nSecond line.",
                                    history: history([1.2, 0.8, 0.5, 0.4, 0.35]))
        content.notes = ["converged after 5 epochs"]
        content.truthTables = [TruthTable(title: "xor", inputNames: ["x1", "x2"], outputNames: ["y"], rows: [
            .init(inputs: [0, 0], outputs: [0], expected: [0]), .init(inputs: [0, 1], outputs: [0], expected: [1]),
        ])]
        content.imageGrids = [ImageGrid(title: "recall", rows: [
            .init(label: "original", images: [[0, 1, 1, 0], [1, 1, 1, 1]], height: 2, width: 2),
            .init(label: "degraded", images: [[0, 0, 1, 0], [0.5, 0.5]], height: 2, width: 2),
        ])]
        content.scatterPlots = [
            ScatterPlot(title: "autoencoder codes", points: [.init(x: 0, y: 1, label: 0), .init(x: 1, y: 0, label: 1),
                                                             .init(x: .nan, y: 0, label: 1), .init(x: 2, y: 2)]),
            ScatterPlot(title: "PCA", points: [.init(x: -1, y: 1, label: 2)], classNames: ["a", "b", "c"]),
        ]
        content.specText = "nnc: 1\nname: \"digits-mlp\"  # <tag>\n"
        return content
    }

    func pointCount(_ polyline: [String: String]) -> Int {
        (polyline["points"] ?? "").split(separator: " ").count
    }

    func testPageIsWellFormedWithOnePolylinePerSeries() {
        let html = Report.html(fullContent())
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        let page = ElementCollector.parse(html)
        // loss (train + test), accuracy (train) of 5 epochs; energy of 7 updates.
        XCTAssertEqual(page.named("polyline").map(pointCount), [5, 5, 5, 7])
        XCTAssertEqual(page.named("svg").count, 3 + 1 + 1 + 2, "training, confusion, image grid, two scatters... and energy")
        XCTAssertTrue(page.text.contains("0.9123"), "final accuracy to 4 digits")
        XCTAssertTrue(page.text.contains("3×3 matrix"))
        XCTAssertTrue(page.text.contains("7 values, -3 → -7.25"))
        XCTAssertTrue(page.text.contains("converged after 5 epochs"))
        XCTAssertTrue(page.text.contains("name: \"digits-mlp\"  # <tag>"), "spec text shown verbatim")
        XCTAssertEqual(page.named("script").count, 0)
        XCTAssertFalse(html.contains("http://") && html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"),
                       "no network references")
        XCTAssertEqual(Report.html(fullContent()), html, "deterministic")
    }

    func testPolylinePointsAreInsideTheFrameAndFollowTheData() throws {
        let plot = LinePlot(title: "loss", xLabel: "epoch", yLabel: "loss",
                            series: [.init(name: "train", points: [.init(x: 1, y: 2), .init(x: 2, y: 1), .init(x: 3, y: 0)])])
        let page = ElementCollector.parse(ReportSVG.linePlot(plot))
        let points = try XCTUnwrap(page.named("polyline").first?["points"]).split(separator: " ").map {
            $0.split(separator: ",").compactMap { Double($0) }
        }
        XCTAssertEqual(points.count, 3)
        let xs = points.map { $0[0] }, ys = points.map { $0[1] }
        XCTAssertEqual(xs, xs.sorted())
        let frame = try XCTUnwrap(page.named("rect").first { $0["class"] == "plot" })
        let left = try XCTUnwrap(frame["x"].flatMap(Double.init)), top = try XCTUnwrap(frame["y"].flatMap(Double.init))
        let height = try XCTUnwrap(frame["height"].flatMap(Double.init))
        XCTAssertEqual(xs.first, left)
        XCTAssertEqual(ys, ys.sorted(), "falling values rise on the page (y grows downward)")
        XCTAssertEqual(ys[1], (ys[0] + ys[2]) / 2, accuracy: 0.11, "linear in the data")
        XCTAssertTrue(ys.allSatisfy { $0 >= top && $0 <= top + height })
    }

    func testNonFiniteValuesBreakTheLine() {
        let plot = LinePlot(title: "loss", xLabel: "epoch", yLabel: "loss", series: [.init(name: "train", points: [
            .init(x: 1, y: 1), .init(x: 2, y: 0.5), .init(x: 3, y: .nan), .init(x: 4, y: 0.3), .init(x: 5, y: 0.2),
            .init(x: 6, y: 0.1), .init(x: 7, y: .infinity), .init(x: 8, y: 0.05),
        ])])
        let page = ElementCollector.parse(ReportSVG.linePlot(plot))
        XCTAssertEqual(page.named("polyline").map(pointCount), [2, 3])
        XCTAssertEqual(page.named("circle").count, 1, "a lone point is a dot")
    }

    func testTextIsEscaped() {
        var content = ReportContent(title: "<script>alert('t')</script>", specName: "x\"><script>",
                                    description: "<script>alert(1)</script> & <img src=x onerror=alert(2)>")
        content.finalMetrics = [("<i>m</i>", .text("</td><script>"))]
        content.trainingPlots = [LinePlot(title: "<svg onload=x>", xLabel: "<x>", yLabel: "\"y\"",
                                          series: [.init(name: "<s>", points: [.init(x: 0, y: 0), .init(x: 1, y: 1)]),
                                                   .init(name: "t&u", points: [])])]
        let html = Report.html(content)
        XCTAssertFalse(html.lowercased().contains("<script"))
        XCTAssertFalse(html.contains("<img"))
        XCTAssertFalse(html.contains("<svg onload"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;"))
        let page = ElementCollector.parse(html)
        XCTAssertTrue(page.text.contains("<script>alert(1)</script>"), "the text reads as written")
        XCTAssertTrue(page.text.contains("t&u"))
        XCTAssertEqual(page.named("script").count + page.named("img").count, 0)
    }

    func testPythonHTMLParserSeesBalancedTagsAndNoScript() throws {
        guard pythonCanImport("html.parser") else { throw XCTSkip("python3 is needed") }
        var content = fullContent()
        content.description = "<script>alert(1)</script>"
        let script = """
        import sys
        from html.parser import HTMLParser
        VOID = {"meta", "br", "img", "input", "link", "hr"}
        class P(HTMLParser):
            def __init__(self):
                super().__init__(); self.stack = []; self.errors = []; self.count = {}
            def handle_starttag(self, tag, attrs):
                self.count[tag] = self.count.get(tag, 0) + 1
                if tag not in VOID: self.stack.append(tag)
            def handle_startendtag(self, tag, attrs):
                self.count[tag] = self.count.get(tag, 0) + 1
            def handle_endtag(self, tag):
                if not self.stack or self.stack[-1] != tag: self.errors.append(tag)
                else: self.stack.pop()
        p = P(); p.feed(sys.stdin.read()); p.close()
        print(len(p.errors), len(p.stack), p.count.get("script", 0), p.count.get("polyline", 0), p.count.get("table", 0))
        """
        let result = try runPython(script, stdin: Report.html(content))
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(result.out.trimmingCharacters(in: .whitespacesAndNewlines), "0 0 0 4 2")
    }

    func testConfusionHeatMapCellsAndColours() {
        let svg = ReportSVG.heatMap(ConfusionMatrix(counts: [[8, 0], [2, 6]], classNames: ["cat", "dog"]))
        let page = ElementCollector.parse(svg)
        let cells = page.named("rect")   // t = count/8; r, g, b = 255 − t·(247, 174, 99)
        XCTAssertEqual(cells.count, 4)
        XCTAssertEqual(cells.map { $0["fill"] ?? "" }, ["#08519c", "#ffffff", ReportSVG.hex(193, 212, 230), ReportSVG.hex(70, 125, 181)])
        XCTAssertTrue(page.text.contains("true dog, predicted cat: 2"))
        XCTAssertTrue(page.text.contains("cat") && page.text.contains("predicted"))
    }

    func testImageGridMergesRunsAndMarksBadImages() {
        let grid = ImageGrid(title: "t", rows: [
            .init(label: "original", images: [[0, 1, 1, 1], [0, 0, 0, 0]], height: 2, width: 2),
            .init(label: "bad", images: [[1, 2, 3]], height: 2, width: 2),
        ])
        let page = ElementCollector.parse(ReportSVG.imageGrid(grid))
        let pixels = page.named("rect").filter { $0["class"] == nil }
        // Row 0 of the first image: one black pixel; row 1: two black pixels merged; the blank image: none.
        XCTAssertEqual(pixels.map { $0["fill"] ?? "" }, ["#000000", "#000000"])
        XCTAssertEqual(pixels.map { $0["width"] ?? "" }, ["16.0", "32.0"], "2×2 images get 16-pixel squares (small images stay visible)")
        XCTAssertEqual(page.named("line").filter { $0["class"] == "bad" }.count, 1)
        XCTAssertEqual(page.named("rect").filter { $0["class"] == "image" }.count, 3)
    }

    func testScatterAndTruthTable() {
        let scatter = ElementCollector.parse(ReportSVG.scatter(fullContent().scatterPlots[0]))
        XCTAssertEqual(scatter.named("circle").map { $0["fill"] ?? "" }, [ReportSVG.colour(0), ReportSVG.colour(1), "#999999"])
        let table = ElementCollector.parse(Report.truthTable(fullContent().truthTables[0]))
        XCTAssertEqual(table.named("tr").map { $0["class"] ?? "" }, ["", "", "wrong"])
        XCTAssertEqual(table.named("th").count, 4)
    }

    func testEpochPlotsPairTrainAndTest() {
        let plots = LinePlot.epochPlots([
            EpochRecord(epoch: 3, metrics: [("loss", .number(1)), ("test_mse", .number(2)), ("test_loss", .number(3)), ("note", .text("x"))]),
            EpochRecord(epoch: 4, metrics: [("loss", .number(0.5)), ("test_mse", .number(1)), ("test_loss", .number(2))]),
        ])
        XCTAssertEqual(plots.map(\.title), ["loss", "mse"])
        XCTAssertEqual(plots[0].series.map(\.name), ["train", "test"])
        XCTAssertEqual(plots[0].series[1].points, [.init(x: 3, y: 3), .init(x: 4, y: 2)])
        XCTAssertEqual(plots[1].series.map(\.name), ["test"])
    }

    func testWriteCreatesTheFile() throws {
        let folder = try OutputScratchFolder()
        try Report.write(fullContent(), to: folder.file("report.html"))
        XCTAssertEqual(try String(contentsOfFile: folder.file("report.html"), encoding: .utf8), Report.html(fullContent()))
    }
}
