// libFuzzer target over the safetensors reader that `--resume` and model
// files use: the bytes decoded in memory, and written to a file and read
// back through the bounded file reader (header first, size compared before
// the data is read). See docs/fuzzing.md.
import Foundation

let fuzzPath = FileManager.default.temporaryDirectory.appendingPathComponent("nnc-fuzz-\(getpid()).safetensors").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let decoded = try? SafeTensors.decode(bytes)
    guard FileManager.default.createFile(atPath: fuzzPath, contents: Data(bytes)) else { return 0 }
    let read = try? SafeTensors.read(path: fuzzPath)
    // Both paths must agree on what the file holds, bit for bit (NaN != NaN, so compare bit patterns).
    func bits(_ t: [NamedTensor]?) -> [[UInt32]]? { t?.map { $0.values.map(\.bitPattern) } }
    if decoded?.tensors.map(\.name) != read?.tensors.map(\.name) || decoded?.tensors.map(\.shape) != read?.tensors.map(\.shape)
        || bits(decoded?.tensors) != bits(read?.tensors) || decoded?.metadata != read?.metadata {
        fatalError("decode and read disagree")
    }
    return 0
}
