import Foundation
import NNCKernels
import NNCSpec
import XCTest
@testable import NNCRuntime

/// A temporary folder for files a test writes; removed when the test ends.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-data-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` to `name` and returns its path.
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, text: String) throws -> String { try write(name, Array(text.utf8)) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// Asserts that `body` throws a `DataError` of `kind` whose message contains
/// every one of `fragments`.
func assertDataError<T>(_ kind: DataError.Kind, _ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> T) {
    do {
        _ = try body()
        XCTFail("expected a DataError containing \(fragments)", file: file, line: line)
    } catch let error as DataError {
        XCTAssertEqual(error.kind, kind, "\(error.message)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "'\(error.message)' lacks '\(fragment)'", file: file, line: line)
        }
    } catch {
        XCTFail("expected a DataError, got \(error)", file: file, line: line)
    }
}

/// Bytes of an .npy file (format 1.0, or 2.0 with a 4-byte header length)
/// holding `payload` with the given dtype and shape, built the way numpy.save
/// does it (header padded with spaces to a multiple of 64, ending in a newline).
func npyFile(descr: String, shape: [Int], payload: [UInt8], fortran: Bool = false, version: UInt8 = 1) -> [UInt8] {
    let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shapeText), }"
    let prefix = version == 1 ? 10 : 12
    while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [version, 0]
    let length = header.utf8.count
    bytes += version == 1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
        : [UInt8(length & 0xFF), UInt8((length >> 8) & 0xFF), 0, 0]
    return bytes + Array(header.utf8) + payload
}

func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
}

func littleEndianBytes(_ values: [Int64]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// Bytes of an IDX file of unsigned bytes with the given dimensions.
func idxFile(dims: [Int], payload: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, UInt8(dims.count)]
    for d in dims { bytes += withUnsafeBytes(of: UInt32(d).bigEndian) { Array($0) } }
    return bytes + payload
}

func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return out
}

/// The class labels of `data`, or a failure.
func labels(_ data: Dataset, file: StaticString = #filePath, line: UInt = #line) -> [Int32] {
    guard case .classes(let labels, _) = data.targets else {
        XCTFail("expected class targets, got \(data.targets.kindDescription)", file: file, line: line)
        return []
    }
    return labels
}

/// The vector targets of `data`, or a failure.
func vectors(_ data: Dataset, file: StaticString = #filePath, line: UInt = #line) -> [Float] {
    guard case .vectors(let values, _) = data.targets else {
        XCTFail("expected vector targets, got \(data.targets.kindDescription)", file: file, line: line)
        return []
    }
    return values
}

/// Input values of example i.
func row(_ data: Dataset, _ i: Int) -> [Float] {
    Array(data.inputs[(i * data.inputSize)..<((i + 1) * data.inputSize)])
}

extension SourceDescriptor {
    /// One source's data as a run makes it (shipped tables from the resources); `modelInput` is for `random`.
    func generate(rng: inout SeededRandom, modelInput: Shape = []) throws -> Dataset {
        try generate(rng: &rng, context: .run(modelInput: modelInput))
    }
}
