// libFuzzer target over the .npy reader: bytes in as a whole file (header
// parser, size checks, dtype decoding), then as a dataset the way
// `Dataset.loadNPY` builds one. A trap, sanitizer report or hang is a finding;
// a DataError is the expected answer to a bad file. See docs/fuzzing.md.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let array = try? NPYArray(bytes, file: "fuzz.npy") else { return 0 }
    let shape = array.shape.count == 1 ? [1] : Array(array.shape.dropFirst())
    _ = try? Dataset(inputs: array.floats, inputShape: shape)
    return 0
}
