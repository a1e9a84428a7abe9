import Foundation
import XCTest
@testable import NNCRuntime

/// Hostile data files: every reader is bounded in depth and size, and checks
/// the size a header promises against the file's before reading the data.
final class DataFileBoundsTests: XCTestCase {
    /// A file of `size` bytes that starts with `prefix` and is sparse after it (no disk, no memory).
    func sparseFile(_ folder: TemporaryFolder, _ name: String, prefix: [UInt8], size: Int) throws -> String {
        let path = try folder.write(name, prefix)
        XCTAssertEqual(truncate(path, off_t(size)), 0)
        return path
    }

    /// How much the process's peak resident memory grew while `body` ran, in MiB
    /// (reading the 1 GiB file would add at least 1024; no timing, so no flakiness).
    func peakGrowth(_ body: () -> Void) -> Int {
        func peak() -> Int {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return usage.ru_maxrss / 1024   // kilobytes on Linux
        }
        let before = peak()
        body()
        return peak() - before
    }

    func testNPYHeaderOfNestedParenthesesIsAnErrorNotACrash() throws {
        // 60,000 '(' fit a version 1.0 header (2-byte length): the parser's depth limit answers.
        // (Before the limit, 50,000 levels overflowed the stack: SIGSEGV.)
        let deep = [UInt8](repeating: UInt8(ascii: "("), count: 60_000)
        let dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': ".utf8) + deep
        let v1: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)]
        XCTAssertThrowsError(try NPYArray(v1 + dict, file: "deep.npy")) { error in
            XCTAssertTrue("\(error)".contains("deep.npy (byte offset 93): bad header: tuples and lists nest more than 32 deep"), "\(error)")
        }
        // A 100 KB header (format 2.0, 4-byte length) is refused by its length before it is parsed.
        let big = [UInt8](repeating: UInt8(ascii: "("), count: 100_000)
        let n = big.count
        let v2: [UInt8] = [0x93] + Array("NUMPY".utf8) + [2, 0, UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n >> 16), 0]
        let folder = try TemporaryFolder()
        let path = try folder.write("big.npy", v2 + big)
        assertDataError(.malformed, ["big.npy (byte offset 8)", "header length 100000 is over the limit"]) {
            try Dataset.loadNPY(inputs: path)
        }
    }

    func testNPYOfOneGiBWhoseHeaderPromises160BytesFailsBeforeReading() throws {
        let folder = try TemporaryFolder()
        let header = npyFile(descr: "<f4", shape: [10, 4], payload: [])
        let path = try sparseFile(folder, "huge.npy", prefix: header, size: 1 << 30)
        var failure = ""
        let growth = peakGrowth {
            do { _ = try Dataset.loadNPY(inputs: path) } catch { failure = "\(error)" }
        }
        XCTAssertTrue(failure.contains("too long: shape [10, 4] of <f4 needs 160 bytes"), failure)
        XCTAssertLessThan(growth, 256, "the size check must come before reading 1 GiB")
    }

    func testIDXOfOneGiBWhoseHeaderPromises8BytesFailsBeforeReading() throws {
        let folder = try TemporaryFolder()
        let path = try sparseFile(folder, "huge.idx", prefix: idxFile(dims: [2, 2, 2], payload: []), size: 1 << 30)
        var failure = ""
        let growth = peakGrowth {
            do { _ = try Dataset.loadIDX(images: path) } catch { failure = "\(error)" }
        }
        XCTAssertTrue(failure.contains("too long: the header [2, 2, 2] needs 24 bytes, found \(1 << 30)"), failure)
        XCTAssertLessThan(growth, 256)
    }

    func testSafeTensorsOfOneGiBWhoseHeaderPromises16BytesFailsBeforeReading() throws {
        let folder = try TemporaryFolder()
        let model = try SafeTensors.encode(tensors: [NamedTensor(name: "w", shape: [4], values: [1, 2, 3, 4])])
        let path = try sparseFile(folder, "huge.safetensors", prefix: model, size: 1 << 30)
        var failure = ""
        let growth = peakGrowth {
            do { _ = try SafeTensors.read(path: path) } catch { failure = "\(error)" }
        }
        XCTAssertTrue(failure.contains("the tensors cover 16 data bytes but the file has"), failure)
        XCTAssertLessThan(growth, 256)
        // The same bytes, whole, still read back.
        let small = try folder.write("small.safetensors", model)
        XCTAssertEqual(try SafeTensors.read(path: small).tensors.first?.values, [1, 2, 3, 4])
    }

    func testSafeTensorsMessagesQuoteHostileNamesShortly() throws {
        let name = "\\u001b]52;c;" + String(repeating: "A", count: 10_000)
        var header = Array("{\"\(name)\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}".utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        bytes += [0, 0]
        XCTAssertThrowsError(try SafeTensors.decode(bytes)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("'\\e]52;c;AAAA"), text)
            XCTAssertFalse(text.contains("\u{1B}"), text)
            XCTAssertLessThan(text.count, 200, text)
        }
    }

    /// Fuzzer finding (safetensors, 2026-12-01): a file holding a NaN; the
    /// bounded file reader and the in-memory decoder must give the same bits.
    func testSafeTensorsReadAndDecodeAgreeOnNaN() throws {
        let folder = try TemporaryFolder()
        let nan = Float(bitPattern: 0xFFCC_CCCD)
        let bytes = try SafeTensors.encode(tensors: [NamedTensor(name: "b", shape: [2], values: [0.5, nan])])
        let path = try folder.write("nan.safetensors", bytes)
        let read = try SafeTensors.read(path: path).tensors
        let decoded = try SafeTensors.decode(bytes).tensors
        XCTAssertEqual(read.map { $0.values.map(\.bitPattern) }, [[Float(0.5).bitPattern, 0xFFCC_CCCD]])
        XCTAssertEqual(read.map { $0.values.map(\.bitPattern) }, decoded.map { $0.values.map(\.bitPattern) })
    }

    func testFIFOsAndFoldersAreRefusedWithoutBlocking() throws {
        let folder = try TemporaryFolder()
        let fifo = folder.path("pipe.csv")
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        assertDataError(.unreadable, ["pipe.csv", "is a FIFO, not a regular file"]) { try Dataset.loadCSV(path: fifo) }
        assertDataError(.unreadable, ["is a folder"]) { try Dataset.loadNPY(inputs: folder.url.path) }
        assertDataError(.unreadable, ["is a device"]) { try Dataset.loadIDX(images: "/dev/zero") }
        XCTAssertThrowsError(try SafeTensors.read(path: fifo)) { XCTAssertTrue("\($0)".contains("FIFO"), "\($0)") }
    }

    func testCSVLineLengthIsBounded() throws {
        let long = [UInt8](repeating: UInt8(ascii: "1"), count: maxCSVLineBytes + 10)
        assertDataError(.tooLarge, ["long.csv:1:1:", "longer than"]) {
            try Dataset.parseCSVChunks(long, chunk: 1 << 20, file: "long.csv", label: .none, header: false, classes: nil)
        }
    }
}

final class MemoryLimitTests: XCTestCase {
    func testCgroupLimitsAreReadAndMaxMeansNone() {
        XCTAssertEqual(MemoryLimit.limit(fromCgroupText: "1073741824\n"), 1_073_741_824)
        XCTAssertNil(MemoryLimit.limit(fromCgroupText: "max\n"))
        XCTAssertNil(MemoryLimit.limit(fromCgroupText: "garbage"))
        XCTAssertNil(MemoryLimit.limit(fromCgroupText: "0"))
        let available = MemoryLimit.availableBytes()
        XCTAssertGreaterThan(available, 0)
        XCTAssertLessThanOrEqual(available, Double(ProcessInfo.processInfo.physicalMemory))
    }
}
