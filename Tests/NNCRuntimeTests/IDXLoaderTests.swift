import XCTest
@testable import NNCRuntime

final class IDXLoaderTests: XCTestCase {
    func testLoadsImagesAndLabels() throws {
        let folder = try TemporaryFolder()
        let images = try folder.write("img.idx", idxFile(dims: [2, 2, 3], payload: [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]))
        let labels = try folder.write("lab.idx", idxFile(dims: [2], payload: [7, 3]))
        let data = try Dataset.loadIDX(images: images, labels: labels)
        XCTAssertEqual(data.count, 2)
        XCTAssertEqual(data.inputShape, [1, 2, 3])
        XCTAssertEqual(row(data, 1), [250, 251, 252, 253, 254, 255])
        XCTAssertEqual(data.targets, .classes([7, 3], classCount: 8))
        XCTAssertEqual(try Dataset.loadIDX(images: images).targets, .none)
    }

    func testErrors() throws {
        let folder = try TemporaryFolder()
        let images = try folder.write("img.idx", idxFile(dims: [2, 2, 2], payload: [UInt8](repeating: 1, count: 8)))
        let truncated = try folder.write("short.idx", idxFile(dims: [2, 2, 2], payload: [1, 2, 3]))
        assertDataError(.malformed, ["short.idx", "truncated", "needs 24 bytes", "found 19"]) {
            try Dataset.loadIDX(images: truncated)
        }
        let labelsAsImages = try folder.write("lab.idx", idxFile(dims: [2], payload: [0, 1]))
        assertDataError(.malformed, ["wrong magic number 0x00000801", "expected 0x00000803"]) {
            try Dataset.loadIDX(images: labelsAsImages)
        }
        let gzipped = try folder.write("gz.idx", [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0])
        assertDataError(.malformed, ["gzip"]) { try Dataset.loadIDX(images: gzipped) }
        let threeLabels = try folder.write("three.idx", idxFile(dims: [3], payload: [0, 1, 2]))
        assertDataError(.malformed, ["3 labels for the 2 images"]) { try Dataset.loadIDX(images: images, labels: threeLabels) }
        assertDataError(.malformed, ["label 1", "outside the classes 0..<1"]) {
            try Dataset.loadIDX(images: images, labels: labelsAsImages, classes: 1)
        }
        // 65536³ bytes would overflow any sane allocation: refused before reading data.
        let huge = try folder.write("huge.idx", idxFile(dims: [65536, 65536, 65536], payload: []))
        assertDataError(.tooLarge, ["too many"]) { try Dataset.loadIDX(images: huge) }
        let zero = try folder.write("zero.idx", idxFile(dims: [0, 28, 28], payload: []))
        assertDataError(.malformed, ["no data"]) { try Dataset.loadIDX(images: zero) }
    }
}
