// libFuzzer target over the CSV reader: the first byte chooses the options
// (label column, header, classes, the training part's class names), the rest
// is the file, fed in chunks of a size the second byte chooses so that lines
// cross chunk boundaries as they do when a file is read. See docs/fuzzing.md.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let options = data[0]
    let chunk = max(1, Int(data[1]))
    let bytes = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let labels: [CSVLabel] = [.last, .first, .none, .column(Int(options >> 5))]
    let label = labels[Int(options & 3)]
    let header = options & 4 != 0
    let classes: Int? = options & 8 != 0 ? Int(options >> 4) : nil
    let known: [String]? = options & 16 != 0 ? ["a", "b", "setosa"] : nil
    if options & 32 != 0 {
        _ = try? Dataset.parseCSV(bytes, file: "fuzz.csv", label: label, header: header, classes: classes, classNames: known)
        return 0
    }
    // The path `loadCSV` takes: the same parser over chunks.
    _ = try? Dataset.parseCSVChunks(bytes, chunk: chunk, file: "fuzz.csv", label: label, header: header,
                                    classes: classes, classNames: known)
    return 0
}
