import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

final class TruthTableTests: XCTestCase {
    private func table(_ function: BooleanFunction, _ inputs: Int? = nil) throws -> Dataset {
        var rng = SeededRandom(seed: 0)
        return try TruthTableSource(function: function, inputs: inputs ?? (function == .not ? 1 : 2)).generate(rng: &rng)
    }

    func testTwoInputFunctionsInBinaryCountingOrder() throws {
        let xor = try table(.xor)
        XCTAssertEqual(xor.inputs, [0, 0, 0, 1, 1, 0, 1, 1])
        XCTAssertEqual(labels(xor), [0, 1, 1, 0])
        XCTAssertEqual(xor.featureNames, ["x1", "x2"])
        XCTAssertEqual(labels(try table(.and)), [0, 0, 0, 1])
        XCTAssertEqual(labels(try table(.or)), [0, 1, 1, 1])
        XCTAssertEqual(labels(try table(.nand)), [1, 1, 1, 0])
        XCTAssertEqual(labels(try table(.nor)), [1, 0, 0, 0])
        let not = try table(.not)
        XCTAssertEqual(not.inputs, [0, 1])
        XCTAssertEqual(labels(not), [1, 0])
    }

    func testParityAndMajority() throws {
        let parity = try table(.parity, 5)
        XCTAssertEqual(parity.count, 32)
        for i in 0..<32 {
            let bits = row(parity, i)
            // Row i spells i in binary, x1 first.
            XCTAssertEqual(bits.reduce(0) { 2 * $0 + Int($1) }, i)
            XCTAssertEqual(Int(labels(parity)[i]), Int(bits.reduce(0, +)) % 2)
        }
        XCTAssertEqual(labels(try table(.xor, 5)), labels(parity), "xor of N inputs is parity")
        let majority = try table(.majority, 4)
        for i in 0..<16 {
            let ones = row(majority, i).reduce(0, +)
            XCTAssertEqual(labels(majority)[i], ones > 2 ? 1 : 0, "a 2-2 tie is 0")
        }
    }
}
