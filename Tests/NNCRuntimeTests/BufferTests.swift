import XCTest
import NNCRuntime

/// Plan buffers: initialized to their value, and the large ones on 2 MB
/// boundaries (offered to transparent huge pages).
final class BufferTests: XCTestCase {
    func testLargeBuffersAreHugePageAlignedAndInitialized() {
        for count in [1, 1000, 1 << 20, (5 << 20) / 4 + 3] {
            let buffer = FloatBuffer(count: count, initial: 0.5)
            XCTAssertEqual(buffer.count, count)
            XCTAssertTrue(buffer.buffer.allSatisfy { $0 == 0.5 }, "count \(count)")
            if count * 4 >= 4 << 20 {
                XCTAssertEqual(Int(bitPattern: buffer.pointer) % (2 << 20), 0, "count \(count)")
            }
        }
        let labels = LabelBuffer(count: 3 << 20)   // 12 MB of Int32
        XCTAssertEqual(Int(bitPattern: labels.pointer) % (2 << 20), 0)
        XCTAssertEqual(labels.pointer[(3 << 20) - 1], 0)
    }
}
