import XCTest
import NNCIR
import NNCKernels
@testable import NNCRuntime

/// The report's hidden-state traces of a sequence-to-one layer (`return: last`) are read
/// from the kernel's storage: for a layer that returns the sequence they must equal its output.
final class ReportProbeTests: XCTestCase {
    func testHiddenStatesFromStorageEqualTheSequenceOutput() throws {
        for layer in ["lstm: {units: 3}", "rnn: {units: 4}", "rnn: {units: 2, leak: 0.5, skip: 2}"] {
            let text = """
                nnc: 1
                model:
                  input: [5, 2]
                  layers:
                    - \(layer)
                """
            let plan = try RuntimeTest.plan(text: text, batch: 1, fuse: true)
            RuntimeTest.fillInput(plan, seed: 4)
            plan.forward(1, training: false)
            let id = plan.graph.output
            let fromOutput = try XCTUnwrap(ReportProbes.hiddenStates(plan, layer: id, dims: [5, plan.lastDim(id)]))
            let fromStorage = try XCTUnwrap(ReportProbes.hiddenStates(plan, layer: id, dims: [plan.lastDim(id)]))
            XCTAssertEqual(fromStorage.1, fromOutput.1)
            XCTAssertEqual(fromStorage.2, 5)
            var largest: Float = 0
            for t in 0..<5 {
                for u in 0..<fromOutput.1 {
                    XCTAssertEqual(fromStorage.0(t, u), fromOutput.0(t, u), accuracy: 1e-6, "\(layer) h(\(t + 1))[\(u)]")
                    largest = max(largest, abs(fromOutput.0(t, u)))
                }
            }
            XCTAssertGreaterThan(largest, 0, "\(layer): the states are not all zero")
        }
    }
}
