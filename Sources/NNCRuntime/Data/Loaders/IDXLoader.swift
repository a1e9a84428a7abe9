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
        let imageBytes = try FileBytes.read(images)
        let (imageDims, imageData) = try parseIDX(imageBytes, file: images, dimensions: 3)
        let (n, rows, cols) = (imageDims[0], imageDims[1], imageDims[2])
        let inputs = imageBytes[imageData...].map { Float($0) }

        var targets = Targets.none
        if let labels {
            let labelBytes = try FileBytes.read(labels)
            let (labelDims, labelData) = try parseIDX(labelBytes, file: labels, dimensions: 1)
            guard labelDims[0] == n else {
                throw DataError.malformed("\(labels): \(labelDims[0]) labels for the \(n) images of \(images)")
            }
            let values = labelBytes[labelData...].map { Int32($0) }
            if let k = classes, let bad = values.firstIndex(where: { Int($0) >= k }) {
                throw DataError.malformed(
                    "\(labels): label \(values[bad]) of example \(bad) (byte offset \(labelData + bad)) is outside the classes 0..<\(k)")
            }
            targets = .classes(values, classCount: classes ?? Int(values.max() ?? 0) + 1)
        }
        return try Dataset(inputs: inputs, inputShape: [1, rows, cols], targets: targets)
    }

    /// Checks an IDX header for unsigned bytes in `dimensions` dimensions and
    /// the file's length against it.
    /// - Returns: the dimension sizes and the byte offset where the data starts.
    static func parseIDX(_ bytes: [UInt8], file: String, dimensions: Int) throws -> (dims: [Int], dataOffset: Int) {
        func fail(_ message: String) -> DataError { .malformed("\(file): \(message)") }
        guard bytes.count >= 4 else {
            throw fail("truncated: \(bytes.count) bytes, too short for an IDX header")
        }
        let expectedMagic = UInt32(0x0800) | UInt32(dimensions)
        let magic = FileBytes.bigEndianUInt32(bytes, at: 0)
        guard magic == expectedMagic else {
            let hint = FileBytes.looksGzipped(bytes) ? " (the file looks gzip-compressed: decompress it first)" : ""
            throw fail("wrong magic number 0x\(hex(magic)), expected 0x\(hex(expectedMagic))\(hint)")
        }
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= headerSize else {
            throw fail("truncated: expected a \(headerSize)-byte header, found \(bytes.count) bytes")
        }
        let dims = (0..<dimensions).map { Int(FileBytes.bigEndianUInt32(bytes, at: 4 + 4 * $0)) }
        if let zero = dims.firstIndex(of: 0) {
            throw fail("dimension \(zero + 1) of the header is 0: the file holds no data")
        }
        let size = try SizeLimits.elements(dims, file)
        let expected = headerSize + size
        guard bytes.count == expected else {
            let problem = bytes.count < expected ? "truncated" : "too long"
            throw fail("\(problem): the header \(dims) needs \(expected) bytes, found \(bytes.count)")
        }
        return (dims, headerSize)
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
