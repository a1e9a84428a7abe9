import Foundation
import NNCSpec

/// A named tensor of 32-bit floats, row-major.
/// values: product(shape) numbers (one for a scalar, shape []).
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format (https://github.com/huggingface/safetensors), as
/// written for `model.safetensors`:
///
///     8 bytes   N, the header length (unsigned 64-bit little-endian)
///     N bytes   UTF-8 JSON: {"__metadata__": {"k": "v", ...},
///                            "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
///               padded with spaces to a multiple of 8
///     the data  each tensor's little-endian values, in header order, without gaps;
///               offsets count from the first byte after the header
///
/// Tensors are written as F32 in the order given. The reader accepts F32 and
/// F64 (converted to Float) and rejects anything malformed with an `OutputError`
/// (`.malformed`) that says what is wrong, never a trap.
public enum SafeTensors {
    /// Largest header the reader accepts (the reference implementation's limit).
    public static let maxHeaderLength = 100_000_000

    // MARK: writing

    /// The file's bytes. Metadata keys are written sorted, so equal inputs
    /// give equal bytes. Throws `.invalidArgument` for an empty or duplicate
    /// name, the reserved name `__metadata__`, a negative dimension, or a
    /// value count that is not the shape's product.
    public static func encode(tensors: [NamedTensor], metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            header.append((key: "__metadata__",
                           value: .object(metadata.keys.sorted().map { (key: $0, value: .string(metadata[$0] ?? "")) })))
        }
        var seen = Set<String>()
        var offset = 0
        for t in tensors {
            guard !t.name.isEmpty else { throw OutputError(.invalidArgument, "a tensor needs a name") }
            guard t.name != "__metadata__" else {
                throw OutputError(.invalidArgument, "'__metadata__' is reserved and cannot name a tensor")
            }
            guard seen.insert(t.name).inserted else { throw OutputError(.invalidArgument, "two tensors are named '\(t.name)'") }
            guard t.shape.allSatisfy({ $0 >= 0 }) else {
                throw OutputError(.invalidArgument, "tensor '\(t.name)' has a negative dimension in \(t.shape)")
            }
            guard let count = elementCount(t.shape), count == t.values.count else {
                throw OutputError(.invalidArgument,
                                  "tensor '\(t.name)' has shape \(t.shape) but \(t.values.count) values")
            }
            let end = offset + 4 * count
            header.append((key: t.name, value: .object([
                (key: "dtype", value: "F32"),
                (key: "shape", value: .array(t.shape.map { .int($0) })),
                (key: "data_offsets", value: [.int(offset), .int(end)]),
            ])))
            offset = end
        }
        var headerBytes = Array(JSONWriter(style: .compact).string(.object(header)).utf8)
        // Padding keeps the data 8-byte aligned for readers that map the file.
        headerBytes += [UInt8](repeating: 0x20, count: (8 - headerBytes.count % 8) % 8)

        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        appendLittleEndian(UInt64(headerBytes.count), to: &out)
        out += headerBytes
        for t in tensors { appendFloats(t.values, to: &out) }
        return out
    }

    /// Writes the tensors to `path` atomically (see `writeAtomically`).
    public static func write(tensors: [NamedTensor], metadata: [String: String] = [:], to path: String) throws {
        do {
            try writeAtomically(encode(tensors: tensors, metadata: metadata), to: path)
        } catch let error as OutputError where error.path == nil {
            throw error.at(path)
        }
    }

    // MARK: reading

    /// The tensors (in the order of their data in the file) and the metadata.
    public static func decode(_ bytes: [UInt8]) throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        let layout = try Layout(bytes, fileSize: bytes.count)
        return (layout.tensors(bytes, at: layout.dataStart), layout.metadata)
    }

    /// Largest file the reader accepts: a checkpoint of 2^28 F64 values, plus the header.
    public static let maxFileBytes = 8 << 28 + maxHeaderLength

    /// Reads and decodes the file at `path`; errors name the path. The size the
    /// header promises is compared with the file's size before the data is read.
    public static func read(path: String) throws -> (tensors: [NamedTensor], metadata: [String: String]) {
        do {
            let file = try DataFile(path)
            guard file.size <= maxFileBytes else {
                throw OutputError(.malformed, "the file has \(file.size) bytes, more than the \(maxFileBytes) a checkpoint or model may have")
            }
            let prefix = try file.read(at: 0, count: 8)
            let declared = prefix.count == 8 ? readLittleEndianUInt64(prefix, at: 0) : 0
            let header = declared <= UInt64(maxHeaderLength) ? try file.read(at: 8, count: Int(declared)) : []
            let layout = try Layout(prefix + header, fileSize: file.size)
            let data = try file.read(at: layout.dataStart, count: file.size - layout.dataStart)
            guard data.count == file.size - layout.dataStart else { throw OutputError(.io, "the file changed while it was read") }
            return (layout.tensors(data, at: 0), layout.metadata)
        } catch let error as OutputError {
            throw error.path == nil ? error.at(path) : error
        } catch let error as DataError {
            throw OutputError(.io, path: path, error.detail)
        }
    }

    /// A parsed header: the metadata and where each tensor's data lies, checked
    /// against the size of the file (the data is not needed for that).
    struct Layout {
        var metadata: [String: String] = [:]
        var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        var dataStart = 0

        /// `bytes` hold at least the 8-byte length and the header; `fileSize` is the whole file's.
        init(_ bytes: [UInt8], fileSize: Int) throws {
            guard bytes.count >= 8 else {
                throw OutputError(.malformed, "not a safetensors file: \(bytes.count) bytes, shorter than the 8-byte header length")
            }
            let declared = readLittleEndianUInt64(bytes, at: 0)
            guard declared <= UInt64(maxHeaderLength) else {
                throw OutputError(.malformed, "the header length \(declared) is over the limit of \(maxHeaderLength) bytes")
            }
            let headerLength = Int(declared)
            guard headerLength <= fileSize - 8, headerLength <= bytes.count - 8 else {
                throw OutputError(.malformed, "the header length \(headerLength) runs past the end of the file (\(fileSize) bytes): truncated?")
            }
            guard headerLength >= 2, bytes[8] == UInt8(ascii: "{") else {
                throw OutputError(.malformed, "the header is not a JSON object")
            }
            dataStart = 8 + headerLength
            let dataLength = fileSize - dataStart

            if let problem = nestingProblem(bytes[8..<dataStart]) { throw OutputError(.malformed, problem) }
            let json: Any
            do {
                json = try JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart]))
            } catch {
                throw OutputError(.malformed, "the header is not valid JSON (\(error.localizedDescription))")
            }
            guard let header = json as? [String: Any] else { throw OutputError(.malformed, "the header is not a JSON object") }

                    if let raw = header["__metadata__"] {
                guard let object = raw as? [String: Any] else {
                    throw OutputError(.malformed, "'__metadata__' must be an object of strings")
                }
                for (key, value) in object {
                    guard let text = value as? String else {
                        throw OutputError(.malformed, "'__metadata__' value of \(DataError.quoted(key.utf8)) is not a string")
                    }
                    metadata[key] = text
                }
            }

                    for (name, raw) in header where name != "__metadata__" {
                guard let info = raw as? [String: Any] else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): its entry is not an object")
                }
                guard let dtypeName = info["dtype"] as? String else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): 'dtype' is missing or not a string")
                }
                guard let dtype = DType(rawValue: dtypeName) else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): dtype \(DataError.quoted(dtypeName.utf8)) is not supported (F32 and F64 are)")
                }
                guard let shapeItems = info["shape"] as? [Any] else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): 'shape' is missing or not a list")
                }
                var shape: [Int] = []
                for item in shapeItems {
                    guard let d = nonNegativeInteger(item) else {
                        throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): a dimension of 'shape' is not a non-negative integer")
                    }
                    shape.append(d)
                }
                guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
                      let begin = nonNegativeInteger(offsets[0]), let end = nonNegativeInteger(offsets[1]) else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): 'data_offsets' must be two non-negative integers")
                }
                guard begin <= end, end <= dataLength else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): data_offsets [\(begin), \(end)] lie outside the \(dataLength) data bytes")
                }
                guard let count = elementCount(shape) else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): the shape \(shape) has too many elements")
                }
                let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
                guard !overflow, byteCount == end - begin else {
                    throw OutputError(.malformed, "tensor \(DataError.quoted(name.utf8)): shape \(shape) of \(dtypeName) needs \(overflow ? "too many" : String(byteCount)) bytes, data_offsets give \(end - begin)")
                }
                entries.append((name, dtype, shape, begin, end))
            }

            // The data must be covered exactly once: no overlap, no gap, nothing after.
            entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
            var position = 0
            for e in entries {
                guard e.begin == position else {
                    throw OutputError(.malformed, e.begin < position
                        ? "tensor \(DataError.quoted(e.name.utf8)) overlaps the tensor before it (data_offsets start at \(e.begin), before byte \(position))"
                        : "a gap of \(e.begin - position) bytes before tensor \(DataError.quoted(e.name.utf8))")
                }
                position = e.end
            }
            guard position == dataLength else {
                throw OutputError(.malformed, "the tensors cover \(position) data bytes but the file has \(dataLength)")
            }
        }

        /// The tensors from `data`, whose byte `start` is the first data byte.
        func tensors(_ data: [UInt8], at start: Int) -> [NamedTensor] {
            entries.map { e in
                NamedTensor(name: e.name, shape: e.shape,
                            values: readFloats(data, from: start + e.begin, to: start + e.end, dtype: e.dtype))
            }
        }
    }

    // MARK: helpers

    enum DType: String {
        case f32 = "F32", f64 = "F64"
        var size: Int { self == .f32 ? 4 : 8 }
    }

    /// Deepest nesting of JSON objects and lists the reader accepts (a valid header needs 3).
    static let maxNesting = 16

    /// Rejects hostile nesting (`[[[[...`) before the recursive JSON parser sees it.
    static func nestingProblem(_ text: ArraySlice<UInt8>) -> String? {
        var depth = 0, inString = false, escaped = false
        for byte in text {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > maxNesting { return "the header nests objects and lists more than \(maxNesting) deep" }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return nil
    }

    /// The product of the dimensions; nil on overflow.
    static func elementCount(_ shape: [Int]) -> Int? { SizeLimits.checkedProduct(shape) }

    /// A JSON number that is a whole number in 0...2^53 (exact in a Double).
    static func nonNegativeInteger(_ value: Any) -> Int? {
        guard let number = value as? NSNumber else { return nil }
        let d = number.doubleValue
        guard d.isFinite, d >= 0, d <= 9_007_199_254_740_992, d == d.rounded() else { return nil }
        return Int(d)
    }

    static func appendLittleEndian(_ value: UInt64, to out: inout [UInt8]) {
        for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(k)))) }
    }

    static func readLittleEndianUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in stride(from: 7, through: 0, by: -1) { value = (value << 8) | UInt64(bytes[offset + k]) }
        return value
    }

    static func appendFloats(_ values: [Float], to out: inout [UInt8]) {
        #if _endian(little)
        values.withUnsafeBytes { out.append(contentsOf: $0) }   // the memory layout is the file layout
        #else
        for v in values { for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt32(k)))) } }
        #endif
    }

    /// The values in bytes[from..<to] (bounds checked by the caller) as Float.
    static func readFloats(_ bytes: [UInt8], from: Int, to: Int, dtype: DType) -> [Float] {
        bytes.withUnsafeBytes { raw in
            let count = (to - from) / dtype.size
            switch dtype {
            case .f32:
                return (0..<count).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: from + 4 * $0, as: UInt32.self)))
                }
            case .f64:
                return (0..<count).map {
                    Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: from + 8 * $0, as: UInt64.self))))
                }
            }
        }
    }
}
