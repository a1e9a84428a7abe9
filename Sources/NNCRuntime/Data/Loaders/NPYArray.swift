/// Reading one NumPy `.npy` array (format versions 1.0, 2.0 and 3.0): the magic
/// "\x93NUMPY", the version, a little-endian header length (2 bytes in 1.0,
/// 4 bytes in 2.0/3.0), a Python dict literal
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (N, ...), }`, then the data.
/// Supported dtypes: <f4, <f8, |u1, <i4, <i8, in C order.

struct NPYArray {
    enum Values {
        case floats([Float])
        case integers([Int64])
    }

    let shape: [Int]
    let values: Values

    /// Every value as Float.
    var floats: [Float] {
        switch values {
        case .floats(let f): f
        case .integers(let i): i.map { Float($0) }
        }
    }

    private enum DType: String {
        case float32 = "<f4", float64 = "<f8", uint8 = "|u1", int32 = "<i4", int64 = "<i8"

        var itemSize: Int {
            switch self {
            case .uint8: 1
            case .float32, .int32: 4
            case .float64, .int64: 8
            }
        }
    }

    init(_ bytes: [UInt8], file: String) throws {
        func fail(_ message: String) -> DataError { .malformed("\(file): \(message)") }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // "\x93NUMPY"
        guard bytes.count >= 10, bytes.starts(with: magic) else {
            throw fail("not a NumPy .npy file (bad magic; the file starts with \(bytes.prefix(6).map { String($0, radix: 16) }))")
        }
        let major = bytes[6]
        let lengthWidth: Int
        switch major {
        case 1: lengthWidth = 2
        case 2, 3: lengthWidth = 4
        default: throw fail("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard bytes.count >= 8 + lengthWidth else { throw fail("truncated header") }
        let headerLength = Int(FileBytes.littleEndian(bytes, at: 8, width: lengthWidth))
        let headerStart = 8 + lengthWidth
        guard headerLength <= bytes.count - headerStart else {
            throw fail("truncated: the header needs \(headerLength) bytes at offset \(headerStart), the file has \(bytes.count) bytes")
        }
        let dataStart = headerStart + headerLength

        var parser = PythonLiteralParser(bytes: bytes[headerStart..<dataStart])
        let header: [String: PythonLiteral]
        do {
            header = try parser.parseHeaderDict()
        } catch let error as PythonLiteralParser.Failure {
            throw fail("bad header at byte offset \(error.offset): \(error.message)")
        }

        guard case .string(let descr)? = header["descr"] else { throw fail("bad header: no 'descr' string") }
        guard let dtype = DType(rawValue: descr) else {
            throw fail("unsupported dtype '\(descr)' (supported: <f4, <f8, |u1, <i4, <i8)")
        }
        guard case .bool(let fortran)? = header["fortran_order"] else { throw fail("bad header: no 'fortran_order' True/False") }
        guard case .tuple(let dimLiterals)? = header["shape"] else { throw fail("bad header: no 'shape' tuple") }
        var shape: [Int] = []
        for literal in dimLiterals {
            guard case .int(let d) = literal, d >= 0 else { throw fail("bad header: 'shape' must hold sizes ≥ 0") }
            shape.append(d)
        }
        guard !shape.isEmpty else { throw fail("a 0-dimensional array holds no examples") }
        guard !fortran || shape.count == 1 else {
            throw fail("the array is in Fortran order; save it in C order (numpy.ascontiguousarray)")
        }
        guard !shape.contains(0) else { throw fail("the shape \(shape) holds no values") }
        let elementCount = try SizeLimits.elements(shape, file)
        let dataSize = elementCount * dtype.itemSize   // ≤ 8 · 2^28, no overflow
        guard bytes.count - dataStart == dataSize else {
            let problem = bytes.count - dataStart < dataSize ? "truncated" : "too long"
            throw fail("\(problem): shape \(shape) of \(descr) needs \(dataSize) bytes of data after offset \(dataStart), found \(bytes.count - dataStart)")
        }

        self.shape = shape
        let size = dtype.itemSize
        func word(_ k: Int) -> UInt64 { FileBytes.littleEndian(bytes, at: dataStart + k * size, width: size) }
        switch dtype {
        case .float32, .float64:
            var floats = [Float](repeating: 0, count: elementCount)
            for k in 0..<elementCount {
                let value = dtype == .float32 ? Double(Float(bitPattern: UInt32(word(k)))) : Double(bitPattern: word(k))
                guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                    throw fail("element \(k) (byte offset \(dataStart + k * size)) is \(value), not a finite Float")
                }
                floats[k] = Float(value)
            }
            values = .floats(floats)
        case .uint8:
            values = .integers(bytes[dataStart...].map { Int64($0) })
        case .int32:
            values = .integers((0..<elementCount).map { Int64(Int32(bitPattern: UInt32(word($0)))) })
        case .int64:
            values = .integers((0..<elementCount).map { Int64(bitPattern: word($0)) })
        }
    }
}

/// The subset of Python literals that .npy headers use.
enum PythonLiteral: Equatable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case none
}

struct PythonLiteralParser {
    struct Failure: Error {
        /// Byte offset in the file.
        let offset: Int
        let message: String
    }

    let bytes: ArraySlice<UInt8>
    var position: Int

    init(bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        position = bytes.startIndex
    }

    /// A dict with string keys, then only whitespace (the header's padding).
    mutating func parseHeaderDict() throws -> [String: PythonLiteral] {
        skipSpace()
        try expect(UInt8(ascii: "{"))
        var dict: [String: PythonLiteral] = [:]
        while true {
            skipSpace()
            if peek() == UInt8(ascii: "}") { position += 1; break }
            guard case .string(let key) = try parseValue() else { throw failure("dict keys must be strings") }
            skipSpace()
            try expect(UInt8(ascii: ":"))
            dict[key] = try parseValue()
            skipSpace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(UInt8(ascii: "}"))
            break
        }
        skipSpace()
        guard position == bytes.endIndex else { throw failure("unexpected text after the header dict") }
        return dict
    }

    private mutating func parseValue() throws -> PythonLiteral {
        skipSpace()
        guard let c = peek() else { throw failure("unexpected end of header") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            position += 1
            let start = position
            while let d = peek(), d != c { position += 1 }
            guard peek() == c else { throw failure("unterminated string") }
            let text = String(decoding: bytes[start..<position], as: UTF8.self)
            position += 1
            return .string(text)
        case UInt8(ascii: "("):
            position += 1
            return .tuple(try parseSequence(closing: UInt8(ascii: ")")))
        case UInt8(ascii: "["):
            position += 1
            return .list(try parseSequence(closing: UInt8(ascii: "]")))
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
            let start = position
            position += 1
            while let d = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(d) { position += 1 }
            guard let value = Int(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                throw failure("bad integer")
            }
            if peek() == UInt8(ascii: "L") { position += 1 }   // Python 2 long suffix
            return .int(value)
        default:
            let start = position
            while let d = peek(), (UInt8(ascii: "A")...UInt8(ascii: "z")).contains(d) { position += 1 }
            switch String(decoding: bytes[start..<position], as: UTF8.self) {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                position = start
                throw failure("unexpected character '\(String(UnicodeScalar(c)))'")
            }
        }
    }

    private mutating func parseSequence(closing: UInt8) throws -> [PythonLiteral] {
        var items: [PythonLiteral] = []
        while true {
            skipSpace()
            if peek() == closing { position += 1; return items }
            items.append(try parseValue())
            skipSpace()
            if peek() == UInt8(ascii: ",") { position += 1; continue }
            try expect(closing)
            return items
        }
    }

    private func peek() -> UInt8? { position < bytes.endIndex ? bytes[position] : nil }

    private mutating func skipSpace() {
        while let c = peek(), c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { position += 1 }
    }

    private mutating func expect(_ c: UInt8) throws {
        guard peek() == c else { throw failure("expected '\(String(UnicodeScalar(c)))'") }
        position += 1
    }

    private func failure(_ message: String) -> Failure { Failure(offset: position, message: message) }
}
