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

    fileprivate enum DType: String {
        case float32 = "<f4", float64 = "<f8", uint8 = "|u1", int32 = "<i4", int64 = "<i8"

        var itemSize: Int {
            switch self {
            case .uint8: 1
            case .float32, .int32: 4
            case .float64, .int64: 8
            }
        }
    }

    /// What the header says: where the data starts and how many bytes it needs.
    struct Header {
        let shape: [Int]
        fileprivate let dtype: DType
        let descr: String
        let dataStart: Int
        let dataSize: Int
    }

    /// The largest header accepted (numpy writes a few hundred bytes; its own reader stops at 10,000).
    static let maxHeaderLength = 1 << 16

    /// Reads the array at `path`: the header first, then the data only when the
    /// file's size is exactly what the header promises.
    init(path: String) throws {
        let file = try DataFile(path)
        let prefix = try file.read(at: 0, count: 12)
        let headerEnd = try Self.headerEnd(prefix, file: path)
        let header = try Self.header(file.read(at: 0, count: headerEnd), fileSize: file.size, file: path)
        let data = try file.read(at: header.dataStart, count: header.dataSize)
        guard data.count == header.dataSize else {
            throw DataError(.unreadable, "the file changed while it was read", at: DataLocation(file: path))
        }
        try self.init(header, data: data[...], file: path)
    }

    /// Parses a whole file held in memory.
    init(_ bytes: [UInt8], file: String) throws {
        let header = try Self.header(bytes, fileSize: bytes.count, file: file)
        try self.init(header, data: bytes[header.dataStart...], file: file)
    }

    private static func fail(_ file: String, _ message: String, offset: Int? = nil) -> DataError {
        DataError(.malformed, message, at: DataLocation(file: file, offset: offset))
    }

    /// The offset where the header dict ends, from the first 10 or 12 bytes.
    static func headerEnd(_ bytes: [UInt8], file: String) throws -> Int {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]   // "\x93NUMPY"
        guard bytes.count >= 10, bytes.starts(with: magic) else {
            throw fail(file, "not a NumPy .npy file (bad magic; the file starts with \(bytes.prefix(6).map { String($0, radix: 16) }))")
        }
        let major = bytes[6]
        let lengthWidth: Int
        switch major {
        case 1: lengthWidth = 2
        case 2, 3: lengthWidth = 4
        default: throw fail(file, "unsupported .npy format version \(major).\(bytes[7])", offset: 6)
        }
        guard bytes.count >= 8 + lengthWidth else { throw fail(file, "truncated header") }
        let headerLength = Int(FileBytes.littleEndian(bytes, at: 8, width: lengthWidth))
        guard headerLength <= maxHeaderLength else {
            throw fail(file, "the header length \(headerLength) is over the limit of \(maxHeaderLength) bytes", offset: 8)
        }
        return 8 + lengthWidth + headerLength
    }

    /// Parses the header in `bytes` (which hold at least the header) and checks
    /// `fileSize` against the data it promises.
    static func header(_ bytes: [UInt8], fileSize: Int, file: String) throws -> Header {
        let dataStart = try headerEnd(Array(bytes.prefix(12)), file: file)
        let headerStart = bytes[6] == 1 ? 10 : 12
        guard dataStart <= bytes.count else {
            throw fail(file, "truncated: the header needs \(dataStart - headerStart) bytes at offset \(headerStart), the file has \(fileSize) bytes")
        }
        var parser = PythonLiteralParser(bytes: bytes[headerStart..<dataStart])
        let header: [String: PythonLiteral]
        do {
            header = try parser.parseHeaderDict()
        } catch let error as PythonLiteralParser.Failure {
            throw fail(file, "bad header: \(error.message)", offset: error.offset)
        }

        guard case .string(let descr)? = header["descr"] else { throw fail(file, "bad header: no 'descr' string") }
        guard let dtype = DType(rawValue: descr) else {
            throw fail(file, "unsupported dtype \(DataError.quoted(descr.utf8)) (supported: <f4, <f8, |u1, <i4, <i8)")
        }
        guard case .bool(let fortran)? = header["fortran_order"] else { throw fail(file, "bad header: no 'fortran_order' True/False") }
        guard case .tuple(let dimLiterals)? = header["shape"] else { throw fail(file, "bad header: no 'shape' tuple") }
        var shape: [Int] = []
        for literal in dimLiterals {
            guard case .int(let d) = literal, d >= 0 else { throw fail(file, "bad header: 'shape' must hold sizes ≥ 0") }
            shape.append(d)
        }
        guard !shape.isEmpty else { throw fail(file, "a 0-dimensional array holds no examples") }
        guard !fortran || shape.count == 1 else {
            throw fail(file, "the array is in Fortran order; save it in C order (numpy.ascontiguousarray)")
        }
        guard !shape.contains(0) else { throw fail(file, "the shape \(shape) holds no values") }
        let elementCount: Int
        do { elementCount = try SizeLimits.elements(shape, "the shape") } catch var error as DataError {
            error.location = DataLocation(file: file)
            throw error
        }
        let dataSize = elementCount * dtype.itemSize   // ≤ 8 · 2^28, no overflow
        guard fileSize - dataStart == dataSize else {
            let problem = fileSize - dataStart < dataSize ? "truncated" : "too long"
            throw fail(file, "\(problem): shape \(shape) of \(descr) needs \(dataSize) bytes of data after offset \(dataStart), found \(fileSize - dataStart)")
        }
        return Header(shape: shape, dtype: dtype, descr: descr, dataStart: dataStart, dataSize: dataSize)
    }

    /// Decodes `data` (exactly `header.dataSize` bytes).
    private init(_ header: Header, data: ArraySlice<UInt8>, file: String) throws {
        shape = header.shape
        let dtype = header.dtype
        let size = dtype.itemSize
        let elementCount = header.dataSize / size
        let base = data.startIndex
        func word(_ k: Int) -> UInt64 {
            var value: UInt64 = 0
            for b in stride(from: size - 1, through: 0, by: -1) { value = (value << 8) | UInt64(data[base + k * size + b]) }
            return value
        }
        switch dtype {
        case .float32, .float64:
            var floats = [Float](repeating: 0, count: elementCount)
            for k in 0..<elementCount {
                let value = dtype == .float32 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: word(k)))) : Double(bitPattern: word(k))
                guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                    throw Self.fail(file, "element \(k) is \(value), not a finite Float", offset: header.dataStart + k * size)
                }
                floats[k] = Float(value)
            }
            values = .floats(floats)
        case .uint8:
            values = .integers(data.map { Int64($0) })
        case .int32:
            values = .integers((0..<elementCount).map { Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: word($0)))) })
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
    /// Tuples and lists open now; a real header nests 2 deep (a dict holding a tuple).
    private var depth = 0
    static let maxDepth = 32

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
                throw failure("unexpected character \(DataError.quoted([c]))")
            }
        }
    }

    private mutating func parseSequence(closing: UInt8) throws -> [PythonLiteral] {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("tuples and lists nest more than \(Self.maxDepth) deep") }
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
