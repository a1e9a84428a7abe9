// libFuzzer target over the IDX reader: the first byte chooses images (3
// dimensions) or labels (1), the rest is the file. Header, size check and the
// dataset built from it. See docs/fuzzing.md.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let dimensions = data[0] & 1 == 0 ? 3 : 1
    guard let (dims, offset) = try? Dataset.parseIDX(bytes, file: "fuzz.idx", dimensions: dimensions) else { return 0 }
    let values = bytes[offset...].map { Float($0) }
    _ = try? Dataset(inputs: values, inputShape: dimensions == 3 ? [1, dims[1], dims[2]] : [1])
    return 0
}
