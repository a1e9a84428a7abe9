import Foundation

/// Reading a whole data file, with errors that say what went wrong.
enum FileBytes {
    /// The bytes of the file at `path`; `DataError` (`.unreadable`) when it is
    /// missing, a folder, or cannot be read.
    static func read(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(.unreadable, "\(path): no such file")
        }
        guard !isDirectory.boolValue else { throw DataError(.unreadable, "\(path): is a folder, not a file") }
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DataError(.unreadable, "\(path): cannot be read (\(error.localizedDescription))")
        }
    }

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
