import Foundation
import XCTest
@testable import NNCRuntime

final class OutputAtomicFileTests: XCTestCase {
    func testWritesReplacesAndLeavesNoTemporaryFile() throws {
        let folder = try OutputScratchFolder()
        let path = folder.file("metrics.json")
        try writeAtomically(Array("first".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "first")
        try writeAtomically(text: "second, longer", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second, longer")
        try writeAtomically(Data([0, 255]), to: path)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), [0, 255])
        XCTAssertEqual(try folder.contents(), ["metrics.json"])
    }

    func testFailureKeepsTheOldFileAndRemovesTheTemporary() throws {
        let folder = try OutputScratchFolder()
        // A folder in the way of the rename: the write must fail and clean up.
        let blocked = folder.file("model.safetensors")
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try writeAtomically(Array("x".utf8), to: blocked)) { error in
            guard let e = error as? OutputError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .io)
            XCTAssertEqual(e.path, blocked)
            XCTAssertTrue(e.description.contains("cannot replace"), e.description)
        }
        XCTAssertEqual(try folder.contents(), ["model.safetensors"])
        // A missing folder: nothing can be created.
        let missing = folder.file("no/such/folder/file.txt")
        XCTAssertThrowsError(try writeAtomically(Array("x".utf8), to: missing)) { error in
            XCTAssertEqual((error as? OutputError)?.path, missing)
        }
    }

    func testEnsureDirectoryCreatesNestedFoldersAndRejectsAFile() throws {
        let folder = try OutputScratchFolder()
        let nested = folder.file("out/run1")
        try ensureDirectory(nested)
        try ensureDirectory(nested)   // existing folder: fine
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)

        let file = folder.file("taken")
        try writeAtomically(text: "x", to: file)
        XCTAssertThrowsError(try ensureDirectory(file)) { error in
            let e = error as? OutputError
            XCTAssertEqual(e?.path, file)
            XCTAssertTrue(e?.reason.contains("is a file") == true, "\(error)")
        }
        XCTAssertThrowsError(try ensureDirectory(file + "/sub/folder")) { error in
            XCTAssertTrue((error as? OutputError)?.reason.contains("\(file) is a file") == true, "\(error)")
        }
    }
}
