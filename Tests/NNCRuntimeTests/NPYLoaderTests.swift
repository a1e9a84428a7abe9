import XCTest
@testable import NNCRuntime

final class NPYLoaderTests: XCTestCase {
    /// Files written by numpy 2.4 (`np.save`; the third with format 2.0).
    private let numpyFloat32 = bytes(hex: "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c2032292c207d202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a0000c03f000000c00000404000008840000000006f12833a")
    private let numpyInt64Labels = bytes(hex: "934e554d5059010076007b276465736372273a20273c6938272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a020000000000000000000000000000000100000000000000")
    private let numpyUInt8Version2 = bytes(hex: "934e554d50590200740000007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028312c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020200a07ff")

    func testReadsFilesWrittenByNumpy() throws {
        let folder = try TemporaryFolder()
        let x = try folder.write("x.npy", numpyFloat32)
        let y = try folder.write("y.npy", numpyInt64Labels)
        let data = try Dataset.loadNPY(inputs: x, targets: y)
        XCTAssertEqual(data.inputShape, [2])
        XCTAssertEqual(data.inputs, [1.5, -2, 3, 4.25, 0, 1e-3])
        XCTAssertEqual(data.targets, .classes([2, 0, 1], classCount: 3))
        let bytes = try Dataset.loadNPY(inputs: folder.write("u.npy", numpyUInt8Version2))
        XCTAssertEqual(bytes.inputs, [7, 255])
        XCTAssertEqual(bytes.inputShape, [2])
    }

    func testFloatTargetsBecomeVectors() throws {
        let folder = try TemporaryFolder()
        let x = try folder.write("x.npy", npyFile(descr: "<f4", shape: [2, 1, 2], payload: littleEndianBytes([1, 2, 3, 4] as [Float])))
        let y2 = try folder.write("y2.npy", npyFile(descr: "<f4", shape: [2, 3], payload: littleEndianBytes([1, 0, 0, 0, 0, 1] as [Float])))
        let data = try Dataset.loadNPY(inputs: x, targets: y2)
        XCTAssertEqual(data.inputShape, [1, 2])
        XCTAssertEqual(data.targets, .vectors([1, 0, 0, 0, 0, 1], shape: [3]))
        let y1 = try folder.write("y1.npy", npyFile(descr: "<f4", shape: [2], payload: littleEndianBytes([0.5, 1.5] as [Float])))
        XCTAssertEqual(try Dataset.loadNPY(inputs: x, targets: y1).targets, .vectors([0.5, 1.5], shape: [1]))
    }

    func testErrors() throws {
        let folder = try TemporaryFolder()
        let good = npyFile(descr: "<f4", shape: [2, 2], payload: littleEndianBytes([1, 2, 3, 4] as [Float]))
        let truncated = try folder.write("t.npy", Array(good.dropLast(3)))
        assertDataError(.malformed, ["t.npy", "truncated", "needs 16 bytes", "found 13"]) { try Dataset.loadNPY(inputs: truncated) }
        let magic = try folder.write("m.npy", Array("PK\u{3}\u{4}not numpy".utf8))
        assertDataError(.malformed, ["m.npy", "bad magic"]) { try Dataset.loadNPY(inputs: magic) }
        let fortran = try folder.write("f.npy", npyFile(descr: "<f4", shape: [2, 2], payload: littleEndianBytes([1, 2, 3, 4] as [Float]), fortran: true))
        assertDataError(.malformed, ["Fortran order"]) { try Dataset.loadNPY(inputs: fortran) }
        let bigEndian = try folder.write("b.npy", npyFile(descr: ">f4", shape: [1], payload: [0, 0, 0, 0]))
        assertDataError(.malformed, ["unsupported dtype '>f4'"]) { try Dataset.loadNPY(inputs: bigEndian) }
        let huge = try folder.write("h.npy", npyFile(descr: "<f4", shape: [1 << 40, 1 << 40], payload: []))
        assertDataError(.tooLarge, ["too many"]) { try Dataset.loadNPY(inputs: huge) }
        var brokenHeader = good
        let headerText = String(decoding: good[10..<40], as: UTF8.self)
        XCTAssertTrue(headerText.hasPrefix("{'descr'"))
        brokenHeader[10] = UInt8(ascii: "[")   // the dict's opening brace
        let broken = try folder.write("x.npy", brokenHeader)
        assertDataError(.malformed, ["x.npy (byte offset 10): bad header", "expected '{'"]) { try Dataset.loadNPY(inputs: broken) }
        let nanFile = try folder.write("n.npy", npyFile(descr: "<f4", shape: [2], payload: littleEndianBytes([1, .nan] as [Float])))
        assertDataError(.malformed, ["element 1", "not a finite Float"]) { try Dataset.loadNPY(inputs: nanFile) }
    }

    func testTargetErrors() throws {
        let folder = try TemporaryFolder()
        let x = try folder.write("x.npy", npyFile(descr: "<f4", shape: [2, 1], payload: littleEndianBytes([1, 2] as [Float])))
        let three = try folder.write("y.npy", npyFile(descr: "<i8", shape: [3], payload: littleEndianBytes([0, 1, 1] as [Int64])))
        assertDataError(.malformed, ["3 targets for the 2 examples"]) { try Dataset.loadNPY(inputs: x, targets: three) }
        let negative = try folder.write("n.npy", npyFile(descr: "<i8", shape: [2], payload: littleEndianBytes([0, -1] as [Int64])))
        assertDataError(.malformed, ["label -1 of example 1"]) { try Dataset.loadNPY(inputs: x, targets: negative) }
        let big = try folder.write("b.npy", npyFile(descr: "<i8", shape: [2], payload: littleEndianBytes([0, 4] as [Int64])))
        assertDataError(.malformed, ["label 4", "0..<4"]) { try Dataset.loadNPY(inputs: x, targets: big, classes: 4) }
    }
}
