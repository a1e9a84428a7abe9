/// The `idx:` dataset form: MNIST's IDX files (Y. LeCun's format). A file is a
/// big-endian header — magic 0x000008DD (0x08 = unsigned bytes, DD = the
/// number of dimensions), then one UInt32 size per dimension — followed by the
/// bytes, row-major. Images use 0x00000803 ([N, rows, cols]), labels
/// 0x00000801 ([N]).

extension Dataset {
    /// Loads IDX images (and optionally labels).
    /// - Returns: inputs of shape [1, rows, cols] with the raw byte values
    ///   0...255 as Float (normalization is a separate step); class targets when
    ///   `labels` is given (K = `classes`, or the largest label + 1), none otherwise.
    public static func loadIDX(images: String, labels: String? = nil, classes: Int? = nil) throws -> Dataset {
        if let k = classes, k < 1 { throw DataError.invalidOption("idx: classes must be at least 1, got \(k)") }
        let (imageDims, imageBytes) = try readIDX(images, dimensions: 3)
        let (n, rows, cols) = (imageDims[0], imageDims[1], imageDims[2])
        let inputs = imageBytes.map { Float($0) }

        var targets = Targets.none
        if let labels {
            let (labelDims, labelBytes) = try readIDX(labels, dimensions: 1)
            guard labelDims[0] == n else {
                throw DataError(.malformed, "\(labelDims[0]) labels for the \(n) images of \(images)", at: DataLocation(file: labels))
            }
            let values = labelBytes.map { Int32($0) }
            if let k = classes, let bad = values.firstIndex(where: { Int($0) >= k }) {
                throw DataError(.malformed, "label \(values[bad]) of example \(bad) is outside the classes 0..<\(k)",
                                code: DataErrorCode.badLabel, at: DataLocation(file: labels, offset: 8 + bad))
            }
            targets = .classes(values, classCount: classes ?? Int(values.max() ?? 0) + 1)
        }
        return try Dataset(inputs: inputs, inputShape: [1, rows, cols], targets: targets)
    }

    /// The dimensions and data bytes of the IDX file at `path`; the size the
    /// header promises is compared with the file's before the data is read.
    static func readIDX(_ path: String, dimensions: Int) throws -> (dims: [Int], data: [UInt8]) {
        let file = try DataFile(path)
        let header = try file.read(at: 0, count: 4 + 4 * dimensions)
        let (dims, dataOffset) = try parseIDX(header, file: path, dimensions: dimensions, fileSize: file.size)
        let data = try file.read(at: dataOffset, count: file.size - dataOffset)
        guard data.count == file.size - dataOffset else {
            throw DataError(.unreadable, "the file changed while it was read", at: DataLocation(file: path))
        }
        return (dims, data)
    }

    /// Checks an IDX header (the first bytes of a file of `fileSize` bytes,
    /// all of it when nil) for unsigned bytes in `dimensions` dimensions and
    /// the file's length against it.
    /// - Returns: the dimension sizes and the byte offset where the data starts.
    static func parseIDX(_ bytes: [UInt8], file: String, dimensions: Int, fileSize: Int? = nil) throws -> (dims: [Int], dataOffset: Int) {
        func fail(_ message: String, offset: Int? = nil) -> DataError {
            DataError(.malformed, message, at: DataLocation(file: file, offset: offset))
        }
        let fileSize = fileSize ?? bytes.count
        guard bytes.count >= 4 else {
            throw fail("truncated: \(fileSize) bytes, too short for an IDX header")
        }
        let expectedMagic = UInt32(0x0800) | UInt32(dimensions)
        let magic = FileBytes.bigEndianUInt32(bytes, at: 0)
        guard magic == expectedMagic else {
            let hint = FileBytes.looksGzipped(bytes) ? " (the file looks gzip-compressed: decompress it first)"
                : magic & 0xFFFF_FF00 == 0x0800 ? " (\(magic & 0xFF) dimensions, expected \(dimensions))" : ""
            throw fail("wrong magic number 0x\(hex(magic)), expected 0x\(hex(expectedMagic))\(hint)", offset: 0)
        }
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= headerSize else {
            throw fail("truncated: expected a \(headerSize)-byte header, found \(fileSize) bytes")
        }
        let dims = (0..<dimensions).map { Int(FileBytes.bigEndianUInt32(bytes, at: 4 + 4 * $0)) }
        if let zero = dims.firstIndex(of: 0) {
            throw fail("dimension \(zero + 1) of the header is 0: the file holds no data", offset: 4 + 4 * zero)
        }
        let size: Int
        do { size = try SizeLimits.elements(dims, "the header") } catch var error as DataError {
            error.location = DataLocation(file: file, offset: 4)
            throw error
        }
        let expected = headerSize + size
        guard fileSize == expected else {
            let problem = fileSize < expected ? "truncated" : "too long"
            throw fail("\(problem): the header \(dims) needs \(expected) bytes, found \(fileSize)")
        }
        return (dims, headerSize)
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
