import XCTest
@testable import NNCRuntime

final class InlineDataTests: XCTestCase {
    func testClassAndVectorTargets() throws {
        let xor = try Dataset.inline(inputs: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: .classes([0, 1, 1, 0]))
        XCTAssertEqual(xor.inputShape, [2])
        XCTAssertEqual(xor.targets, .classes([0, 1, 1, 0], classCount: 2))
        let pairs = try Dataset.inline(inputs: [[1, 0], [0, 1]], targets: .vectors([[1], [0]]))
        XCTAssertEqual(pairs.targets, .vectors([1, 0], shape: [1]))
        let images = try Dataset.inline(inputs: [[1, 2, 3, 4]], inputShape: [1, 2, 2])
        XCTAssertEqual(images.inputShape, [1, 2, 2])
        XCTAssertEqual(images.targets, .none)
    }

    func testErrors() {
        assertDataError(.malformed, ["row 2 has 1 values, expected 2"]) { try Dataset.inline(inputs: [[0, 1], [1]]) }
        assertDataError(.malformed, ["no input rows"]) { try Dataset.inline(inputs: []) }
        assertDataError(.malformed, ["3 targets for 2 input rows"]) {
            try Dataset.inline(inputs: [[0], [1]], targets: .classes([0, 1, 1]))
        }
        assertDataError(.malformed, ["target 2 is 0.5"]) { try Dataset.inline(inputs: [[0], [1]], targets: .classes([0, 0.5])) }
        assertDataError(.malformed, ["target 2 is 2, outside the classes 0..<2"]) {
            try Dataset.inline(inputs: [[0], [1]], targets: .classes([0, 2]), classes: 2)
        }
        assertDataError(.malformed, ["target row 2 has 2 values, expected 1"]) {
            try Dataset.inline(inputs: [[0], [1]], targets: .vectors([[0], [1, 1]]))
        }
        assertDataError(.malformed, ["row 1, value 2", "not a finite number"]) { try Dataset.inline(inputs: [[0, .infinity]]) }
        assertDataError(.malformed, ["shape [2, 2]"]) { try Dataset.inline(inputs: [[0, 1, 2]], inputShape: [2, 2]) }
    }
}
