import Foundation

/// A data file opened for bounded reading: its kind and size are checked
/// (stat) before any byte is read, so a FIFO, a device or a file larger than
/// the format allows is refused without blocking or allocating. Binary
/// loaders read the header, compare the size it promises with `size`, and
/// only then read the data; CSV is read in chunks.
final class DataFile {
    let path: String
    /// The size in bytes (a regular file's, from fstat).
    let size: Int
    private let descriptor: Int32

    /// The largest data file any loader reads (a dataset's arrays stay under
    /// `SizeLimits.maxElements` values; 8-byte values give 2 GiB).
    static let maxBytes = 8 * SizeLimits.maxElements + (1 << 20)

    /// Opens `path`; `.unreadable` when it is missing, not a regular file, or cannot be opened.
    init(_ path: String) throws {
        self.path = path
        func fail(_ why: String) -> DataError { DataError(.unreadable, why, at: DataLocation(file: path)) }
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw errno == ENOENT ? fail("no such file") : fail("cannot be read (\(String(cString: strerror(errno))))")
        }
        if let kind = Self.kindName(info.st_mode) { throw fail("is \(kind), not a regular file") }
        // O_NONBLOCK: a file swapped for a FIFO after the stat must not block the open.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
        var opened = stat()
        guard fstat(fd, &opened) == 0, Self.kindName(opened.st_mode) == nil else {
            close(fd)
            throw fail("is not a regular file")
        }
        descriptor = fd
        size = Int(opened.st_size)
    }

    deinit { close(descriptor) }

    private static func kindName(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
    }

    /// Up to `count` bytes from `offset` (fewer at the end of the file).
    func read(at offset: Int, count: Int) throws -> [UInt8] {
        let wanted = max(0, min(count, size - offset))
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(descriptor, base + done, wanted - done, off_t(offset + done))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                if n == 0 { break }   // the file shrank since the stat
                throw DataError(.unreadable, "cannot be read (\(String(cString: strerror(errno))))", at: DataLocation(file: path))
            }
            done += n
        }
        return done == wanted ? bytes : Array(bytes[0..<done])
    }

    /// The whole file, refused when it is larger than `limit` bytes.
    func readAll(limit: Int = DataFile.maxBytes) throws -> [UInt8] {
        guard size <= limit else {
            throw DataError(.tooLarge, "the file has \(size) bytes, more than the \(limit) this format may have",
                            at: DataLocation(file: path))
        }
        let bytes = try read(at: 0, count: size)
        guard bytes.count == size else { throw DataError(.unreadable, "the file changed while it was read", at: DataLocation(file: path)) }
        return bytes
    }

    /// Calls `body` with the file's contents in consecutive chunks of at most `chunk` bytes.
    func forEachChunk(_ chunk: Int = 1 << 20, _ body: (ArraySlice<UInt8>) throws -> Void) throws {
        var offset = 0
        while offset < size {
            let bytes = try read(at: offset, count: chunk)
            if bytes.isEmpty { break }
            try body(bytes[...])
            offset += bytes.count
        }
    }
}

/// Byte helpers shared by the binary loaders.
enum FileBytes {
    /// The bytes of a small file at `path` (tests, the fuzzers' seeds); bounded by `DataFile.maxBytes`.
    static func read(_ path: String) throws -> [UInt8] { try DataFile(path).readAll() }

    /// A big-endian UInt32 at `offset`; the caller has checked the bounds.
    static func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (UInt32(bytes[offset]) << 24) | (UInt32(bytes[offset + 1]) << 16)
            | (UInt32(bytes[offset + 2]) << 8) | UInt32(bytes[offset + 3])
    }

    /// A little-endian unsigned integer of `width` bytes at `offset`; the caller
    /// has checked the bounds.
    static func littleEndian(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for k in stride(from: width - 1, through: 0, by: -1) {
            value = (value << 8) | UInt64(bytes[offset + k])
        }
        return value
    }

    /// True when the bytes start like a gzip stream (a common mistake with MNIST).
    static func looksGzipped(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }
}
