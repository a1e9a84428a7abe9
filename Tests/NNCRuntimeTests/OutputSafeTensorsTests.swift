import Foundation
import XCTest
@testable import NNCRuntime

final class OutputSafeTensorsTests: XCTestCase {
    let sample = [
        NamedTensor(name: "dense1.weight", shape: [2, 3], values: [1, -2.5, 3, 0.125, -0, 1e-30]),
        NamedTensor(name: "dense1.bias", shape: [3], values: [.infinity, -.infinity, 7]),
        NamedTensor(name: "scale", shape: [], values: [0.5]),
        NamedTensor(name: "empty", shape: [0, 4], values: []),
    ]

    /// A file from a header text (padded as the writer does) and data bytes.
    func file(header: String, data: [UInt8] = []) -> [UInt8] {
        var h = Array(header.utf8)
        h += [UInt8](repeating: 0x20, count: (8 - h.count % 8) % 8)
        var out: [UInt8] = []
        SafeTensors.appendLittleEndian(UInt64(h.count), to: &out)
        return out + h + data
    }

    func assertMalformed(_ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensors.decode(bytes), file: file, line: line) { error in
            guard let e = error as? OutputError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(e.kind, .malformed, file: file, line: line)
            XCTAssertTrue(e.reason.contains(fragment), "'\(e.reason)' lacks '\(fragment)'", file: file, line: line)
        }
    }

    func testRoundTripKeepsNamesShapesValuesOrderAndMetadata() throws {
        let bytes = try SafeTensors.encode(tensors: sample, metadata: ["format": "pt", "nnc": "1", "spec": "digits-mlp"])
        let (tensors, metadata) = try SafeTensors.decode(bytes)
        XCTAssertEqual(tensors.map(\.name), sample.map(\.name))
        XCTAssertEqual(tensors.map(\.shape), sample.map(\.shape))
        for (a, b) in zip(tensors, sample) {
            XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), a.name)   // -0 and infinities exactly
        }
        XCTAssertEqual(metadata, ["format": "pt", "nnc": "1", "spec": "digits-mlp"])
        XCTAssertEqual(try SafeTensors.encode(tensors: sample, metadata: ["spec": "digits-mlp", "nnc": "1", "format": "pt"]), bytes,
                       "same inputs must give the same bytes")
    }

    func testLayoutFollowsTheFormat() throws {
        let bytes = try SafeTensors.encode(tensors: [NamedTensor(name: "b", shape: [1], values: [1]),
                                                     NamedTensor(name: "a", shape: [2], values: [2, -1])])
        let n = Int(SafeTensors.readLittleEndianUInt64(bytes, at: 0))
        XCTAssertEqual(n % 8, 0)
        XCTAssertEqual(bytes.count, 8 + n + 12)
        let header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":"), header)
        XCTAssertTrue(header.contains("\"data_offsets\":[4,12]"), header)
        XCTAssertFalse(header.contains("__metadata__"))
        // 1.0f, 2.0f, -1.0f little-endian.
        XCTAssertEqual(Array(bytes[(8 + n)...]), [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x80, 0xBF])
    }

    func testEncodeRejectsWhatTheFormatCannotHold() {
        let cases: [([NamedTensor], String)] = [
            ([NamedTensor(name: "w", shape: [2, 2], values: [1, 2, 3])], "shape [2, 2] but 3 values"),
            ([NamedTensor(name: "w", shape: [1], values: [1]), NamedTensor(name: "w", shape: [1], values: [2])], "two tensors are named 'w'"),
            ([NamedTensor(name: "__metadata__", shape: [1], values: [1])], "reserved"),
            ([NamedTensor(name: "", shape: [1], values: [1])], "needs a name"),
            ([NamedTensor(name: "w", shape: [-1], values: [])], "negative dimension"),
        ]
        for (tensors, fragment) in cases {
            XCTAssertThrowsError(try SafeTensors.encode(tensors: tensors)) { error in
                XCTAssertEqual((error as? OutputError)?.kind, .invalidArgument)
                XCTAssertTrue("\(error)".contains(fragment), "\(error)")
            }
        }
    }

    func testReadsF64() throws {
        var data: [UInt8] = []
        for d in [1.5, -0.25] { SafeTensors.appendLittleEndian(d.bitPattern, to: &data) }
        let (tensors, _) = try SafeTensors.decode(file(header: #"{"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}"#, data: data))
        XCTAssertEqual(tensors, [NamedTensor(name: "x", shape: [2], values: [1.5, -0.25])])
    }

    func testRejectsMalformedFiles() {
        let four = [UInt8](repeating: 0, count: 4)
        func one(_ entry: String, data: [UInt8] = four) -> [UInt8] { file(header: "{\"t\":\(entry)}", data: data) }
        assertMalformed([1, 2, 3], "shorter than the 8-byte header length")
        assertMalformed([100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8), "runs past the end")
        assertMalformed([255, 255, 255, 255, 255, 255, 255, 255], "over the limit")
        assertMalformed(file(header: "[1, 2]"), "not a JSON object")
        assertMalformed(file(header: "{\"t\": "), "not valid JSON")
        assertMalformed(file(header: "{\"t\": [1]}"), "not an object")
        assertMalformed(file(header: "{\"a\":" + String(repeating: "[", count: 100_000)), "nests")
        assertMalformed(one(#"{"dtype":"I64","shape":[1],"data_offsets":[0,8]}"#, data: four + four), "dtype 'I64' is not supported")
        assertMalformed(one(#"{"shape":[1],"data_offsets":[0,4]}"#), "'dtype' is missing")
        assertMalformed(one(#"{"dtype":"F32","data_offsets":[0,4]}"#), "'shape' is missing")
        assertMalformed(one(#"{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}"#), "not a non-negative integer")
        assertMalformed(one(#"{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}"#), "not a non-negative integer")
        assertMalformed(one(#"{"dtype":"F32","shape":[1],"data_offsets":[0]}"#), "two non-negative integers")
        assertMalformed(one(#"{"dtype":"F32","shape":[1],"data_offsets":[0,8]}"#), "outside the 4 data bytes")
        assertMalformed(one(#"{"dtype":"F32","shape":[1],"data_offsets":[4,0]}"#), "outside")
        assertMalformed(one(#"{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}"#), "too many elements")
        assertMalformed(one(#"{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,4]}"#), "needs too many bytes")
        assertMalformed(one(#"{"dtype":"F32","shape":[2],"data_offsets":[0,4]}"#), "needs 8 bytes, data_offsets give 4")
        assertMalformed(one(#"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#, data: four + four), "cover 4 data bytes but the file has 8")
        let two = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertMalformed(file(header: two, data: four + four), "overlaps")
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        assertMalformed(file(header: gap, data: four + four + four), "a gap of 4 bytes before tensor 'b'")
        assertMalformed(file(header: #"{"__metadata__":{"k":1}}"#), "'k' is not a string")
        assertMalformed(file(header: #"{"__metadata__":[]}"#), "object of strings")
    }

    func testEveryTruncationAndByteFlipIsAnErrorOrAValidFile() throws {
        let bytes = try SafeTensors.encode(tensors: Array(sample.prefix(3)), metadata: ["k": "v"])
        for length in 0..<bytes.count {
            XCTAssertThrowsError(try SafeTensors.decode(Array(bytes.prefix(length))), "prefix \(length)")
        }
        // A flipped bit in the length is an error; in the data, it changes exactly one value;
        // in the header, it is an error or another valid file (never a trap).
        let original = try SafeTensors.decode(bytes).tensors.flatMap(\.values).map(\.bitPattern)
        let dataStart = 8 + Int(SafeTensors.readLittleEndianUInt64(bytes, at: 0))
        for i in 0..<bytes.count {
            for mask: UInt8 in [0x01, 0x20, 0x80] {
                var copy = bytes
                copy[i] ^= mask
                let decoded = try? SafeTensors.decode(copy)
                if i < 8 {
                    XCTAssertNil(decoded, "length byte \(i) ^ \(mask)")
                } else if i >= dataStart {
                    let values = decoded?.tensors.flatMap(\.values).map(\.bitPattern) ?? []
                    XCTAssertEqual(values.count, original.count)
                    XCTAssertEqual(zip(values, original).filter { $0 != $1 }.count, 1, "data byte \(i) ^ \(mask)")
                }
            }
        }
    }

    func testWriteAndReadFiles() throws {
        let folder = try OutputScratchFolder()
        let path = folder.file("model.safetensors")
        try SafeTensors.write(tensors: sample, metadata: ["nnc": "1"], to: path)
        let (tensors, metadata) = try SafeTensors.read(path: path)
        XCTAssertEqual(tensors.map(\.name), sample.map(\.name))
        XCTAssertEqual(metadata, ["nnc": "1"])
        XCTAssertThrowsError(try SafeTensors.read(path: folder.file("missing"))) { error in
            XCTAssertEqual((error as? OutputError)?.kind, .io)
        }
        try writeAtomically([8, 0, 0, 0, 0, 0, 0, 0, 0x7B], to: folder.file("bad"))
        XCTAssertThrowsError(try SafeTensors.read(path: folder.file("bad"))) { error in
            XCTAssertEqual((error as? OutputError)?.path, folder.file("bad"))
        }
        XCTAssertThrowsError(try SafeTensors.write(tensors: [NamedTensor(name: "w", shape: [2], values: [1])], to: path)) { error in
            XCTAssertEqual((error as? OutputError)?.path, path)
        }
    }

    // MARK: the reference implementation

    func testPythonSafetensorsReadsOurFile() throws {
        guard pythonCanImport("safetensors.numpy") else { throw XCTSkip("pip install safetensors") }
        let folder = try OutputScratchFolder()
        let path = folder.file("model.safetensors")
        let tensors = [
            NamedTensor(name: "conv1.weight", shape: [2, 1, 2, 2], values: (0..<8).map { Float($0) * 0.5 - 1.25 }),
            NamedTensor(name: "conv1.bias", shape: [2], values: [0.1, -3e-8]),
            NamedTensor(name: "step", shape: [], values: [42]),
        ]
        try SafeTensors.write(tensors: tensors, metadata: ["spec": "cnn"], to: path)
        let script = """
        import json, sys
        from safetensors import safe_open
        from safetensors.numpy import load_file
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="np") as f:
            meta = f.metadata()
        print(json.dumps({"meta": meta, "tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape),
              "values": [float(x) for x in v.reshape(-1)]} for k, v in t.items()}}))
        """
        let result = try runPython(script, [path])
        XCTAssertEqual(result.status, 0, result.err)
        let json = try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any]
        XCTAssertEqual(json?["meta"] as? [String: String], ["spec": "cnn"])
        let read = json?["tensors"] as? [String: [String: Any]]
        XCTAssertEqual(read?.count, 3)
        for t in tensors {
            XCTAssertEqual(read?[t.name]?["dtype"] as? String, "float32")
            XCTAssertEqual(read?[t.name]?["shape"] as? [Int], t.shape)
            XCTAssertEqual((read?[t.name]?["values"] as? [Double])?.map(Float.init), t.values, t.name)
        }
    }

    func testWeReadPythonSafetensorsFiles() throws {
        guard pythonCanImport("safetensors.numpy") else { throw XCTSkip("pip install safetensors") }
        let folder = try OutputScratchFolder()
        let path = folder.file("python.safetensors")
        let script = """
        import sys, numpy as np
        from safetensors.numpy import save_file
        save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5,
                   "b": np.array([1e-3, -2.0], dtype=np.float32),
                   "d": np.array([[0.1], [2.5]], dtype=np.float64)}, sys.argv[1], metadata={"who": "numpy"})
        """
        let result = try runPython(script, [path])
        XCTAssertEqual(result.status, 0, result.err)
        let (tensors, metadata) = try SafeTensors.read(path: path)
        XCTAssertEqual(metadata, ["who": "numpy"])
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
        XCTAssertEqual(byName["w"], NamedTensor(name: "w", shape: [2, 3], values: [-0.5, -0.25, 0, 0.25, 0.5, 0.75]))
        XCTAssertEqual(byName["b"], NamedTensor(name: "b", shape: [2], values: [1e-3, -2]))
        XCTAssertEqual(byName["d"], NamedTensor(name: "d", shape: [2, 1], values: [0.1, 2.5]))
    }
}
